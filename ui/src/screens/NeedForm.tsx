import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import { CATEGORIES, URGENCIES, type Category, type Urgency } from '../api/generated';
import { BackLink, Field, fieldAria, ScreenTitle } from '../components/ui';
import { todayInput } from '../logic/time';
import {
  emptyNeedDraft, firstInvalid, formFieldOf, NEED_FIELDS, needInput, validateNeed, validateNeedField,
  type FieldErrors, type NeedDraft, type NeedField,
} from '../logic/validation';
import { describeError, errorText } from '../logic/words';
import { href, navigate } from '../router';
import { getState, showBanner, toast, useApp } from '../store';

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
    setBusy(true);
    try {
      const created = await api.addNeed(needInput(draft));
      showBanner(null);
      sessionStorage.removeItem(DRAFT_KEY);
      toast({ text: t('need_form.posted', { title: created.title }) });
      navigate(href.need(created.id));
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, NEED_FIELDS) as NeedField | null;
      if (f) {
        setServerErrors({ [f]: shown.text });
        focus(f);
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
