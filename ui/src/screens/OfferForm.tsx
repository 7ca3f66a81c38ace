import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import { CATEGORIES, OFFER_KINDS, type Category, type OfferKind } from '../api/generated';
import { Icon } from '../components/Icon';
import { BackLink, Field, FieldError, fieldAria, ScreenTitle } from '../components/ui';
import {
  emptyOfferDraft, firstInvalid, formFieldOf, OFFER_FIELDS, offerInput, validateOffer, validateOfferField, WEEKDAYS,
  type FieldErrors, type OfferDraft, type OfferField, type SlotDraft, type Weekday,
} from '../logic/validation';
import { describeError, errorText } from '../logic/words';
import { href, navigate } from '../router';
import { getState, showBanner, toast, useApp } from '../store';

const FOCUS_ID: Record<OfferField, string> = {
  what: 'offer-what', categories: `offer-category-0`, kind: 'offer-kind', area: 'offer-area', capacity: 'offer-capacity',
  languages: 'offer-languages', weekly: 'offer-slot-day-0', inexhaustible: 'offer-inexhaustible',
};

export function OfferForm(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const group = app.status?.group;
  const areas = group?.areas ?? [];
  const categories = group?.categories?.length ? group.categories : CATEGORIES;
  const [draft, setDraft] = useState<OfferDraft>(() => ({ ...emptyOfferDraft(), area: app.status?.me?.home_area ?? '' }));
  const [errors, setErrors] = useState<FieldErrors<OfferField>>({});
  const [serverErrors, setServerErrors] = useState<Partial<Record<OfferField, string>>>({});
  const [busy, setBusy] = useState(false);

  const update = (d: OfferDraft, k: OfferField) => {
    setDraft(d);
    if (errors[k]) setErrors((prev) => ({ ...prev, [k]: validateOfferField(k, d) }));
    if (serverErrors[k]) setServerErrors((prev) => ({ ...prev, [k]: undefined }));
  };
  const set = <K extends keyof OfferDraft>(k: K, v: OfferDraft[K]) => update({ ...draft, [k]: v }, (k === 'slots' ? 'weekly' : k) as OfferField);
  const blur = (k: OfferField) => setErrors((prev) => ({ ...prev, [k]: validateOfferField(k, draft) }));
  const msg = (k: OfferField): string | undefined => {
    const e = errors[k];
    if (e) return errorText(t, e.code, e.params) ?? e.code;
    return serverErrors[k];
  };
  const focus = (k: OfferField) => document.getElementById(FOCUS_ID[k])?.focus();

  const toggleCategory = (c: Category, on: boolean) => {
    const next = on ? [...draft.categories, c] : draft.categories.filter((x) => x !== c);
    update({ ...draft, categories: categories.filter((x) => next.includes(x)) }, 'categories');
  };
  const setSlot = (i: number, patch: Partial<SlotDraft>) => set('slots', draft.slots.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const addSlot = () => {
    const last = draft.slots[draft.slots.length - 1];
    const nextDay = last ? WEEKDAYS[(WEEKDAYS.indexOf(last.day) + 1) % 7] : 'mon';
    set('slots', [...draft.slots, { day: nextDay, start: last?.start ?? '09:00', end: last?.end ?? '12:00' }]);
    setTimeout(() => document.getElementById(`offer-slot-day-${draft.slots.length}`)?.focus(), 0);
  };
  const removeSlot = (i: number) => set('slots', draft.slots.filter((_, j) => j !== i));

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = validateOffer(draft);
    setErrors(errs);
    setServerErrors({});
    const first = firstInvalid(OFFER_FIELDS, errs);
    if (first) {
      focus(first);
      return;
    }
    setBusy(true);
    try {
      const created = await api.addOffer(offerInput(draft));
      showBanner(null);
      toast({ text: t('offer_form.posted', { what: created.what }) });
      navigate(href.offers());
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, OFFER_FIELDS) as OfferField | null;
      if (f) {
        setServerErrors({ [f]: shown.text });
        focus(f);
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };

  const aria = (k: OfferField, id: string, hint?: string) => ({ ...fieldAria(id, msg(k), hint), 'data-testid': id, onBlur: () => blur(k) });

  return (
    <div class="screen">
      <BackLink to={href.offers()} label={t('nav.offers')} />
      <ScreenTitle>{t('offer_form.title')}</ScreenTitle>
      <form class="form card" onSubmit={(e) => void submit(e)} noValidate>
        <p class="muted">{t('offer_form.intro')}</p>
        <Field id="offer-what" label={t('field.what')} hint={t('offer_form.what_hint')} error={msg('what')} errorTestid="error-what">
          <input {...aria('what', 'offer-what', t('offer_form.what_hint'))} type="text" value={draft.what} onInput={(e) => set('what', e.currentTarget.value)} />
        </Field>

        <fieldset class={`field${msg('categories') ? ' has-error' : ''}`} aria-describedby={msg('categories') ? 'offer-categories-error' : undefined}>
          <legend>{t('field.categories')}</legend>
          <div class="check-grid">
            {categories.map((c, i) => (
              <div class="check-row" key={c}>
                <input
                  id={`offer-category-${i}`}
                  data-testid={`offer-category-${c}`}
                  type="checkbox"
                  value={c}
                  checked={draft.categories.includes(c)}
                  aria-invalid={msg('categories') ? 'true' : undefined}
                  onChange={(e) => toggleCategory(c, e.currentTarget.checked)}
                />
                <label for={`offer-category-${i}`}>{t(`category.${c}`)}</label>
              </div>
            ))}
          </div>
          <FieldError id="offer-categories" error={msg('categories')} testid="error-categories" />
        </fieldset>

        <div class="grid-2">
          <Field id="offer-kind" label={t('field.kind')} error={msg('kind')} errorTestid="error-kind">
            <select {...aria('kind', 'offer-kind')} value={draft.kind} onChange={(e) => set('kind', e.currentTarget.value as OfferKind)}>
              {OFFER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`offer_kind.${k}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="offer-capacity" label={t('field.capacity')} hint={t('offer_form.capacity_hint')} error={msg('capacity')} errorTestid="error-capacity">
            <input {...aria('capacity', 'offer-capacity', t('offer_form.capacity_hint'))} type="number" inputMode="numeric" min={1} step={1} value={draft.capacity} onInput={(e) => set('capacity', e.currentTarget.value)} />
          </Field>
        </div>

        <Field id="offer-area" label={t('field.area')} error={msg('area')} errorTestid="error-area">
          {areas.length ? (
            <select {...aria('area', 'offer-area')} value={draft.area} onChange={(e) => set('area', e.currentTarget.value)}>
              <option value="">{t('common.choose')}</option>
              {areas.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          ) : (
            <input {...aria('area', 'offer-area')} type="text" value={draft.area} onInput={(e) => set('area', e.currentTarget.value)} />
          )}
        </Field>

        <Field id="offer-languages" label={t('field.languages')} hint={t('need_form.languages_hint')} optional errorTestid="error-languages">
          <input {...aria('languages', 'offer-languages', t('need_form.languages_hint'))} type="text" autoCapitalize="off" value={draft.languages} onInput={(e) => set('languages', e.currentTarget.value)} />
        </Field>

        <fieldset class={`field${msg('weekly') ? ' has-error' : ''}`}>
          <legend>
            {t('offer_form.availability')} <span class="optional">({t('common.optional')})</span>
          </legend>
          <p class="hint">{t('offer_form.availability_hint')}</p>
          {draft.slots.map((s, i) => {
            const bad = msg('weekly') && !(s.start < s.end);
            return (
              <div class="slot-row" key={i} role="group" aria-label={t('offer_form.slot_n', { n: i + 1 })}>
                <div class="slot-field">
                  <label for={`offer-slot-day-${i}`} class="small-label">{t('offer_form.day')}</label>
                  <select id={`offer-slot-day-${i}`} value={s.day} onChange={(e) => setSlot(i, { day: e.currentTarget.value as Weekday })}>
                    {WEEKDAYS.map((d) => (
                      <option key={d} value={d}>
                        {t(`weekday.${d}`)}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="slot-field">
                  <label for={`offer-slot-start-${i}`} class="small-label">{t('offer_form.from')}</label>
                  <input id={`offer-slot-start-${i}`} type="time" step={900} value={s.start} aria-invalid={bad ? 'true' : undefined} onInput={(e) => setSlot(i, { start: e.currentTarget.value })} />
                </div>
                <div class="slot-field">
                  <label for={`offer-slot-end-${i}`} class="small-label">{t('offer_form.to')}</label>
                  <input id={`offer-slot-end-${i}`} type="time" step={900} value={s.end} aria-invalid={bad ? 'true' : undefined} onInput={(e) => setSlot(i, { end: e.currentTarget.value })} />
                </div>
                <button type="button" class="icon-btn" onClick={() => removeSlot(i)} aria-label={t('offer_form.remove_slot', { n: i + 1 })}>
                  <Icon name="close" size={20} />
                </button>
              </div>
            );
          })}
          <button type="button" class="btn btn-ghost" onClick={addSlot} data-testid="offer-add-slot">
            <Icon name="plus" size={20} />
            {t('offer_form.add_slot')}
          </button>
          <FieldError id="offer-weekly" error={msg('weekly')} testid="error-weekly" />
        </fieldset>

        <div class="check-row">
          <input id="offer-inexhaustible" data-testid="offer-inexhaustible" type="checkbox" checked={draft.inexhaustible} aria-describedby="offer-inexhaustible-hint" onChange={(e) => set('inexhaustible', e.currentTarget.checked)} />
          <label for="offer-inexhaustible">{t('field.inexhaustible')}</label>
        </div>
        <p class="hint indent" id="offer-inexhaustible-hint">
          {t('offer_form.inexhaustible_hint')}
        </p>

        <div class="form-actions">
          <button type="submit" class="btn btn-primary btn-block" data-testid="offer-submit" disabled={busy}>
            {busy ? t('common.working') : t('offer_form.submit')}
          </button>
          <a class="btn btn-ghost btn-block" href={href.offers()}>
            {t('common.cancel')}
          </a>
        </div>
      </form>
    </div>
  );
}
