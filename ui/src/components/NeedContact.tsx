// The "Contact details" section of a need: the sealed details of the person helped. They are
// fetched only when asked for, edited by organizers or the need's creator, and can be forgotten
// for good (no Undo: every device that syncs deletes their key).
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Contact, NeedDetail } from '../api/generated';
import { CONTACT_FIELDS, CONTACT_KEYS, contactInput, contactLines, emptyContact, validateContact, type ContactField } from '../logic/contact';
import { formFieldOf } from '../logic/validation';
import { describeError, errorText } from '../logic/words';
import type { MessageKey, Params } from '../i18n';
import { getState, isOrganizer, run, showBanner, toast, useApp } from '../store';
import { ConfirmDialog } from './ConfirmDialog';
import { Field, FieldError, fieldAria } from './ui';
import { Icon } from './Icon';

export type ContactErrors = Partial<Record<ContactField | 'contact', string>>;

/** Input ids (and test ids) by form field. */
const IDS: Record<ContactField, string> = {
  contact_name: 'contact-name', phone: 'contact-phone', email: 'contact-email', address: 'contact-address', notes: 'contact-notes',
};
const LABELS: Record<ContactField, MessageKey> = {
  contact_name: 'contact.name', phone: 'contact.phone', email: 'contact.email', address: 'contact.address', notes: 'contact.notes',
};

/** The input of a contact field, by its field. */
export function contactInputId(field: ContactField): string {
  return IDS[field];
}

/** Moves the focus once the render that removes the focused control is done. */
function focusLater(id: string): void {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

/** The five contact inputs, with their labels and errors; `onPhoneBlur` hears the phone
 * number once typed (the intake's duplicate check). */
export function ContactFields({ draft, setDraft, errors, onPhoneBlur, afterPhone }: {
  draft: Contact;
  setDraft: (update: (d: Contact) => Contact) => void;
  errors: ContactErrors;
  onPhoneBlur?: (phone: string) => void;
  /** Shown right under the phone number (the intake's duplicate warning). */
  afterPhone?: JSX.Element | null;
}): JSX.Element {
  const { t } = useApp();
  const input = (f: ContactField, extra: Record<string, unknown>, multiline = false, hint?: string) => {
    const id = IDS[f];
    const key = CONTACT_KEYS[f].key;
    const props = {
      ...fieldAria(id, errors[f], hint),
      'data-testid': id,
      autoComplete: 'off',
      value: draft[key],
      onInput: (e: Event) => setDraft((d) => ({ ...d, [key]: (e.currentTarget as HTMLInputElement).value })),
      ...extra,
    };
    return (
      <Field id={id} label={t(LABELS[f])} hint={hint} error={errors[f]} errorTestid={`error-${f}`} optional>
        {multiline ? <textarea {...props} /> : <input {...props} />}
      </Field>
    );
  };
  return (
    <>
      {input('contact_name', { type: 'text' })}
      {input('phone', { type: 'tel', inputMode: 'tel', onBlur: (e: Event) => onPhoneBlur?.((e.currentTarget as HTMLInputElement).value) })}
      {afterPhone}
      {input('email', { type: 'email', inputMode: 'email', autoCapitalize: 'off', spellcheck: false })}
      {input('address', { rows: 2 }, true, t('contact.address_hint'))}
      {input('notes', { rows: 3 }, true)}
    </>
  );
}

function ContactForm({ needId, initial, onSaved, onCancel }: { needId: string; initial: Contact; onSaved: (c: Contact) => void; onCancel: () => void }): JSX.Element {
  const { t } = useApp();
  const [draft, setDraft] = useState<Contact>(initial);
  const [errors, setErrors] = useState<ContactErrors>({});
  const [busy, setBusy] = useState(false);
  const text = (code: string, params?: Params) => errorText(t, code, params) ?? code;

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validateContact(draft);
    const errs: ContactErrors = {};
    for (const [f, err] of Object.entries(found)) if (err) errs[f as ContactField | 'contact'] = text(err.code, err.params);
    setErrors(errs);
    const first = CONTACT_FIELDS.find((f) => errs[f]) ?? (errs.contact ? 'contact_name' : null);
    if (first) {
      document.getElementById(IDS[first])?.focus();
      return;
    }
    setBusy(true);
    try {
      const input = contactInput(draft);
      await api.setNeedContact(needId, input);
      showBanner(null);
      onSaved(input);
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, [...CONTACT_FIELDS, 'contact']) as ContactField | 'contact' | null;
      if (f) {
        setErrors({ [f]: shown.text });
        document.getElementById(IDS[f === 'contact' ? 'contact_name' : f])?.focus();
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)} noValidate aria-label={t('contact.title')} data-testid="contact-form">
      <ContactFields draft={draft} setDraft={setDraft} errors={errors} />
      <div aria-live="polite">
        <FieldError id="contact-form" error={errors.contact} testid="error-contact" />
      </div>
      <p class="hint with-icon">
        <Icon name="lock" size={16} />
        {t('contact.sealed_note')}
      </p>
      <div class="action-row">
        <button type="submit" class="btn btn-primary" data-testid="contact-save" disabled={busy}>
          {busy ? t('common.working') : t('contact.save')}
        </button>
        <button type="button" class="btn btn-ghost" data-testid="contact-cancel" disabled={busy} onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function NeedContact({ d }: { d: NeedDetail }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const need = d.need;
  const state = d.contact;
  const canManage = isOrganizer(app) || (!!app.status?.me && need.created_by === app.status.me.id);
  const [shown, setShown] = useState<Contact | null>(null);
  const [draft, setDraft] = useState<Contact | null>(null);
  const [forgetting, setForgetting] = useState(false);
  const [busy, setBusy] = useState(false);

  const fetchContact = async (): Promise<Contact | null> => {
    setBusy(true);
    const c = await run(() => api.needContact(need.id));
    setBusy(false);
    return c ?? null;
  };
  const toggle = async () => {
    if (shown) {
      setShown(null);
      return;
    }
    const c = await fetchContact();
    if (c) setShown(c);
  };
  const edit = async () => {
    const c = state === 'readable' ? shown ?? (await fetchContact()) : emptyContact();
    if (!c) return;
    setDraft(c);
    focusLater(IDS.contact_name);
  };
  const saved = (c: Contact) => {
    setDraft(null);
    setShown(c);
    toast({ text: t('contact.saved') });
    focusLater('contact-title');
  };
  const cancelEdit = () => {
    setDraft(null);
    focusLater('contact-title');
  };
  const forget = async () => {
    setBusy(true);
    const out = await run(() => api.forgetNeedContact(need.id));
    setBusy(false);
    setForgetting(false);
    if (out === undefined) return;
    setShown(null);
    toast({ text: t('contact.forgotten_toast') });
    focusLater('contact-title');
  };

  const days = app.status?.group?.expiry_days;
  const muted: string | null =
    state === 'not_yours' ? t('contact.not_yours')
    : state === 'forgotten' ? t('contact.forgotten')
    : state === 'expired' ? (typeof days === 'number' ? t('contact.expired', { count: days }) : t('contact.expired_unknown'))
    : state === 'none' && !canManage ? t('contact.none')
    : null;
  const visible = state === 'readable' ? shown : null;
  const lines = visible ? contactLines(visible) : [];

  return (
    <section aria-labelledby="contact-title" data-testid="contact-section" data-contact-state={state}>
      <h2 id="contact-title" tabIndex={-1}>{t('contact.title')}</h2>
      {muted ? (
        <p class="muted" data-testid="contact-state">
          {muted}
        </p>
      ) : null}
      {draft ? (
        <ContactForm needId={need.id} initial={draft} onSaved={saved} onCancel={cancelEdit} />
      ) : (
        <>
          {visible ? (
            <dl class="facts card contact-details" id="contact-details" data-testid="contact-details">
              {lines.map((l) => (
                <div class="fact" key={l.field} data-testid={`contact-line-${l.field}`}>
                  <dt>{t(LABELS[l.field])}</dt>
                  <dd class={l.field === 'address' || l.field === 'notes' ? 'multiline' : undefined}>
                    {l.href ? <a href={l.href}>{l.value}</a> : l.value}
                  </dd>
                </div>
              ))}
            </dl>
          ) : null}
          {state === 'readable' ? (
            <div class="action-row">
              <button
                type="button"
                class="btn btn-secondary"
                data-testid="contact-show"
                aria-expanded={visible ? 'true' : 'false'}
                aria-controls={visible ? 'contact-details' : undefined}
                disabled={busy}
                onClick={() => void toggle()}
              >
                <Icon name="lock" size={18} />
                {visible ? t('contact.hide') : t('contact.show')}
              </button>
              {canManage ? (
                <>
                  <button type="button" class="btn btn-ghost" data-testid="contact-edit" aria-label={t('contact.edit_label')} disabled={busy} onClick={() => void edit()}>
                    {t('contact.edit')}
                  </button>
                  <button type="button" class="btn btn-danger-outline" data-testid="contact-forget" disabled={busy} onClick={() => setForgetting(true)}>
                    {t('contact.forget')}
                  </button>
                </>
              ) : null}
            </div>
          ) : null}
          {state === 'none' && canManage ? (
            <button type="button" class="btn btn-secondary" data-testid="contact-add" onClick={() => void edit()}>
              <Icon name="plus" size={18} />
              {t('contact.add')}
            </button>
          ) : null}
        </>
      )}
      {forgetting ? (
        <ConfirmDialog
          id="forget-dialog"
          title={t('contact.forget_title')}
          text={t('contact.forget_text')}
          confirmLabel={t('contact.forget')}
          busy={busy}
          onConfirm={() => void forget()}
          onCancel={() => setForgetting(false)}
        />
      ) : null}
    </section>
  );
}
