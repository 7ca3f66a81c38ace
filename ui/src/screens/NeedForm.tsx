import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/commands';
import { CATEGORIES, CHANNELS, URGENCIES, type Category, type Channel, type Contact, type NeedSummary, type Urgency } from '../api/generated';
import { ContactFields, contactInputId, type ContactErrors } from '../components/NeedContact';
import { CONTACT_FIELDS, contactIsEmpty, emptyContact, validateContact, type ContactField } from '../logic/contact';
import { BackLink, Field, FieldError, fieldAria, NeedTitle, ScreenTitle } from '../components/ui';
import { Icon } from '../components/Icon';
import { todayInput } from '../logic/time';
import {
  emptyNeedDraft, firstInvalid, formFieldOf, NEED_FIELDS, needInput, validateNeed, validateNeedField,
  type FieldErrors, type NeedDraft, type NeedField,
} from '../logic/validation';
import { describeError, errorText } from '../logic/words';
import { href, navigate } from '../router';
import { getState, isOrganizer, run, showBanner, toast, useApp } from '../store';

/** Input ids and test ids: need-<suffix>; error elements error-<suffix> (and error-<field>). */
const SUFFIX: Record<NeedField, string> = {
  title: 'title', description: 'description', category: 'category', urgency: 'urgency', area: 'area',
  needed_by: 'needed-by', volunteers_needed: 'volunteers', household_size: 'household', languages: 'languages', recurring: 'recurring',
};

const DRAFT_KEY = 'aidmesh.needDraft';

function savedDraft(): NeedDraft {
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY);
    if (raw) return { ...emptyNeedDraft(), ...(JSON.parse(raw) as Partial<NeedDraft>) };
  } catch {
    /* ignore */
  }
  return emptyNeedDraft();
}

/** A blank paper intake sheet, saved to print, for requests taken where no phone is at hand. */
function PaperSheet(): JSX.Element {
  const { t, lang } = useApp();
  const [saved, setSaved] = useState<string | null>(null);
  const save = async () => {
    const out = await run(() => api.saveIntakeSheet(lang));
    if (out) setSaved(out.path);
  };
  return (
    <div class="stack">
      <button type="button" class="btn btn-ghost btn-small" data-testid="intake-sheet-save" onClick={() => void save()}>
        <Icon name="download" size={18} /> {t('need_form.paper_sheet')}
      </button>
      {saved ? <p class="notice notice-ok" role="status" data-testid="intake-sheet-saved">{t('need_form.paper_sheet_saved', { path: saved })}</p> : null}
    </div>
  );
}

export function NeedForm(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const group = app.status?.group;
  const areas = group?.areas ?? [];
  const categories = group?.categories?.length ? group.categories : CATEGORIES;
  const [draft, setDraftState] = useState<NeedDraft>(savedDraft);
  const [errors, setErrors] = useState<FieldErrors<NeedField>>({});
  const [serverErrors, setServerErrors] = useState<Partial<Record<NeedField, string>>>({});
  const [busy, setBusy] = useState(false);
  const today = todayInput(new Date());
  // Intake: a request taken for someone by phone, text, paper or in person. Their contact
  // details are kept only in memory until sealed, never in the saved draft.
  const [intake, setIntake] = useState(false);
  const [channel, setChannel] = useState<Channel>('phone');
  const [consent, setConsent] = useState<'' | 'yes' | 'no'>('');
  const [contact, setContact] = useState<Contact>(emptyContact);
  const [contactErrors, setContactErrors] = useState<ContactErrors>({});
  const [consentError, setConsentError] = useState<string | null>(null);
  const [samePhone, setSamePhone] = useState<NeedSummary[]>([]);
  const phoneChecks = useRef(0);
  // A warning is about the number it was checked for: typing another clears it.
  useEffect(() => setSamePhone([]), [contact.phone]);
  const checkPhone = async (phone: string) => {
    // Only a device that can open contact details can compare numbers: organizers'.
    if (!isOrganizer(app) || !phone.trim()) return;
    const mine = ++phoneChecks.current;
    // The warning is a courtesy: if the check fails, the form works as without it.
    const found = await api.needsWithPhone(phone).catch(() => []);
    if (mine === phoneChecks.current) setSamePhone(found);
  };
  /** The intake's errors, as shown; none when it is not an intake. */
  const intakeErrors = (): { contact: ContactErrors; consent: string | null } => {
    if (!intake) return { contact: {}, consent: null };
    const found: ContactErrors = {};
    for (const [f, err] of Object.entries(validateContact(contact))) {
      if (err && f !== 'contact') found[f as ContactField] = errorText(t, err.code, err.params) ?? err.code;
    }
    const consentMissing = !contactIsEmpty(contact) && consent === '';
    return { contact: found, consent: consentMissing ? t('need_form.consent_missing') : null };
  };

  const setDraft = (d: NeedDraft) => {
    setDraftState(d);
    try {
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d));
    } catch {
      /* ignore */
    }
  };
  const set = <K extends NeedField>(k: K, v: NeedDraft[K]) => {
    const d = { ...draft, [k]: v };
    setDraft(d);
    // Once a field shows an error, re-check it as the person types so it clears when fixed.
    if (errors[k]) setErrors((prev) => ({ ...prev, [k]: validateNeedField(k, d, today) }));
    if (serverErrors[k]) setServerErrors((prev) => ({ ...prev, [k]: undefined }));
  };
  const blur = (k: NeedField) => setErrors((prev) => ({ ...prev, [k]: validateNeedField(k, draft, today) }));
  const msg = (k: NeedField): string | undefined => {
    const e = errors[k];
    if (e) return errorText(t, e.code, e.params) ?? e.code;
    return serverErrors[k];
  };
  const focus = (k: NeedField) => document.getElementById(`need-${SUFFIX[k]}`)?.focus();

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = validateNeed(draft, today);
    setErrors(errs);
    setServerErrors({});
    const first = firstInvalid(NEED_FIELDS, errs);
    if (first) {
      focus(first);
      return;
    }
    const intakeErrs = intakeErrors();
    setContactErrors(intakeErrs.contact);
    setConsentError(intakeErrs.consent);
    const firstContact = CONTACT_FIELDS.find((f) => intakeErrs.contact[f]);
    if (firstContact || intakeErrs.consent) {
      document.getElementById(firstContact ? contactInputId(firstContact) : 'need-consent-yes')?.focus();
      return;
    }
    const input = needInput(draft);
    if (intake) Object.assign(input, { channel, contact_organizers_only: consent === 'no', contact });
    setBusy(true);
    try {
      const created = await api.addNeed(input);
      showBanner(null);
      sessionStorage.removeItem(DRAFT_KEY);
      toast({ text: t('need_form.posted', { title: created.title }) });
      navigate(href.need(created.id));
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, NEED_FIELDS) as NeedField | null;
      const c = formFieldOf(shown.field, CONTACT_FIELDS) as ContactField | null;
      if (f) {
        setServerErrors({ [f]: shown.text });
        focus(f);
      } else if (c) {
        setContactErrors({ [c]: shown.text });
        document.getElementById(contactInputId(c))?.focus();
      } else {
        showBanner(shown.text);
      }
    } finally {
      setBusy(false);
    }
  };

  const field = (k: NeedField, label: string, input: (aria: Record<string, unknown>) => JSX.Element, opts: { hint?: string; optional?: boolean } = {}) => {
    const id = `need-${SUFFIX[k]}`;
    return (
      <Field id={id} label={label} hint={opts.hint} optional={opts.optional} error={msg(k)} errorTestid={`error-${SUFFIX[k]}`} errorAlias={`error-${k}`}>
        {input({ ...fieldAria(id, msg(k), opts.hint), 'data-testid': id, onBlur: () => blur(k) })}
      </Field>
    );
  };

  return (
    <div class="screen">
      <BackLink to={href.needs()} label={t('nav.needs')} />
      <ScreenTitle>{t('need_form.title')}</ScreenTitle>
      <form class="form card" onSubmit={(e) => void submit(e)} noValidate>
        <p class="muted">{t('need_form.intro')}</p>
        {field('title', t('field.title'), (a) => (
          <input {...a} type="text" maxLength={260} value={draft.title} onInput={(e) => set('title', e.currentTarget.value)} />
        ), { hint: t('need_form.title_hint') })}
        {field('description', t('field.description'), (a) => (
          <textarea {...a} rows={4} value={draft.description} onInput={(e) => set('description', e.currentTarget.value)} />
        ), { optional: true, hint: t('need_form.description_hint') })}
        <div class="grid-2">
          {field('category', t('field.category'), (a) => (
            <select {...a} value={draft.category} onChange={(e) => set('category', e.currentTarget.value as Category)}>
              <option value="">{t('common.choose')}</option>
              {categories.map((c) => (
                <option key={c} value={c}>
                  {t(`category.${c}`)}
                </option>
              ))}
            </select>
          ))}
          {field('urgency', t('field.urgency'), (a) => (
            <select {...a} value={draft.urgency} onChange={(e) => set('urgency', e.currentTarget.value as Urgency)}>
              {URGENCIES.map((u) => (
                <option key={u} value={u}>
                  {t(`urgency.${u}`)}
                </option>
              ))}
            </select>
          ))}
        </div>
        {field('area', t('field.area'), (a) =>
          areas.length ? (
            <select {...a} value={draft.area} onChange={(e) => set('area', e.currentTarget.value)}>
              <option value="">{t('common.choose')}</option>
              {areas.map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
          ) : (
            <input {...a} type="text" value={draft.area} onInput={(e) => set('area', e.currentTarget.value)} />
          ),
        { hint: areas.length ? undefined : t('need_form.area_hint') })}
        <div class="grid-2">
          {field('needed_by', t('field.needed_by'), (a) => (
            <input {...a} type="date" min={today} value={draft.needed_by} onInput={(e) => set('needed_by', e.currentTarget.value)} />
          ), { optional: true })}
          {field('volunteers_needed', t('field.volunteers_needed'), (a) => (
            <input {...a} type="number" inputMode="numeric" min={1} step={1} value={draft.volunteers_needed} onInput={(e) => set('volunteers_needed', e.currentTarget.value)} />
          ))}
        </div>
        {field('household_size', t('field.household_size'), (a) => (
          <input {...a} type="number" inputMode="numeric" min={1} step={1} value={draft.household_size} onInput={(e) => set('household_size', e.currentTarget.value)} />
        ), { optional: true })}
        {field('languages', t('field.languages'), (a) => (
          <input {...a} type="text" autoCapitalize="off" value={draft.languages} onInput={(e) => set('languages', e.currentTarget.value)} />
        ), { optional: true, hint: t('need_form.languages_hint') })}
        <div class="check-row">
          <input id="need-recurring" data-testid="need-recurring" type="checkbox" checked={draft.recurring} onChange={(e) => set('recurring', e.currentTarget.checked)} />
          <label for="need-recurring">{t('field.recurring')}</label>
        </div>
        <div class="check-row">
          <input id="need-intake" data-testid="need-intake" type="checkbox" checked={intake} onChange={(e) => setIntake(e.currentTarget.checked)} />
          <label for="need-intake">{t('need_form.intake')}</label>
        </div>
        {intake ? (
          <fieldset class="intake" data-testid="need-intake-section">
            <legend>{t('need_form.intake_title')}</legend>
            <Field id="need-channel" label={t('field.channel')} errorTestid="error-channel">
              <select id="need-channel" data-testid="need-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value as Channel)}>
                {CHANNELS.filter((c) => c !== 'app').map((c) => (
                  <option key={c} value={c}>{t(`channel.${c}`)}</option>
                ))}
              </select>
            </Field>
            <p class="hint with-icon">
              <Icon name="lock" size={16} />
              {t('need_form.intake_private')}
            </p>
            <ContactFields
              draft={contact}
              setDraft={(update) => setContact(update)}
              errors={contactErrors}
              onPhoneBlur={(phone) => void checkPhone(phone)}
              afterPhone={samePhone.length ? (
                <div class="notice notice-warn" role="status" data-testid="need-same-phone">
                  <div>
                    <p>{t('need_form.same_phone', { count: samePhone.length })}</p>
                    <ul>
                      {samePhone.map((n) => (
                        <li key={n.id}>
                          <a href={href.need(n.id)}><NeedTitle title={n.title} /></a> · {t(`need_status.${n.status}`)}
                        </li>
                      ))}
                    </ul>
                  </div>
                </div>
              ) : null}
            />
            <fieldset class={`field${consentError ? ' has-error' : ''}`} aria-describedby={consentError ? 'need-consent-error' : undefined}>
              <legend>{t('need_form.consent')}</legend>
              <div class="check-row">
                <input id="need-consent-yes" data-testid="need-consent-yes" type="radio" name="consent" checked={consent === 'yes'} onChange={() => { setConsent('yes'); setConsentError(null); }} />
                <label for="need-consent-yes">{t('need_form.consent_yes')}</label>
              </div>
              <div class="check-row">
                <input id="need-consent-no" data-testid="need-consent-no" type="radio" name="consent" checked={consent === 'no'} onChange={() => { setConsent('no'); setConsentError(null); }} />
                <label for="need-consent-no">{t('need_form.consent_no')}</label>
              </div>
              <FieldError id="need-consent" error={consentError} testid="error-consent" />
            </fieldset>
            <PaperSheet />
          </fieldset>
        ) : null}
        <div class="form-actions">
          <button type="submit" class="btn btn-primary btn-block" data-testid="need-submit" disabled={busy}>
            {busy ? t('common.working') : t('need_form.submit')}
          </button>
          <a class="btn btn-ghost btn-block" href={href.needs()} onClick={() => sessionStorage.removeItem(DRAFT_KEY)}>
            {t('common.cancel')}
          </a>
        </div>
      </form>
    </div>
  );
}
