// Client-side checks for the forms: early hints of the core's rules, with the core's own limits
// (from the generated contract), so most mistakes show before a round trip. The backend's
// AppError is still shown by field when it disagrees.
import {
  MAX_COUNT, MAX_RETENTION_DAYS, MAX_TEXT, MAX_TITLE, type Category, type ErrorCode, type Field, type NewNeedInput, type NewOfferInput, type OfferKind,
  type Urgency,
} from '../api/generated';
import type { Params } from '../i18n/core';
import { isDateInput } from './time';

/** Codes only the forms' own checks give (every other code is the core's, from the contract). */
export const CLIENT_ERROR_CODES = ['not_a_number', 'pick_one', 'passphrase_mismatch'] as const;
export interface FieldError { code: ErrorCode | (typeof CLIENT_ERROR_CODES)[number]; params?: Params }
export type FieldErrors<F extends string> = Partial<Record<F, FieldError>>;

export function parseList(s: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of s.split(/[,;\n]/)) {
    const v = part.trim();
    if (v && !seen.has(v.toLowerCase())) {
      seen.add(v.toLowerCase());
      out.push(v);
    }
  }
  return out;
}

function text(value: string, max: number, required: boolean): FieldError | undefined {
  if (required && value.trim() === '') return { code: 'empty' };
  if ([...value].length > max) return { code: 'too_long', params: { max } };
  return undefined;
}

/** A whole number ≥ 1 typed in a field; `optional` lets it be blank. */
function count(value: string, optional: boolean): FieldError | undefined {
  const v = value.trim();
  if (v === '') return optional ? undefined : { code: 'empty' };
  if (!/^\d+$/.test(v)) return { code: 'not_a_number' };
  if (Number(v) < 1) return { code: 'zero' };
  if (Number(v) > MAX_COUNT) return { code: 'too_big', params: { max: MAX_COUNT } };
  return undefined;
}

// ---------- needs ----------

export interface NeedDraft {
  title: string;
  description: string;
  category: Category | '';
  urgency: Urgency;
  area: string;
  needed_by: string; // as the date input writes it, or ''
  volunteers_needed: string;
  household_size: string;
  languages: string;
  recurring: boolean;
}
export type NeedField = keyof NeedDraft;
/** Form order: the first invalid one gets the focus. */
export const NEED_FIELDS: NeedField[] = [
  'title', 'description', 'category', 'urgency', 'area', 'needed_by', 'volunteers_needed', 'household_size', 'languages', 'recurring',
];

export function emptyNeedDraft(): NeedDraft {
  return {
    title: '', description: '', category: '', urgency: 'normal', area: '', needed_by: '',
    volunteers_needed: '1', household_size: '', languages: '', recurring: false,
  };
}

export function validateNeedField(field: NeedField, d: NeedDraft, today: string): FieldError | undefined {
  switch (field) {
    case 'title': return text(d.title, MAX_TITLE, true);
    case 'description': return text(d.description, MAX_TEXT, false);
    case 'category': return d.category ? undefined : { code: 'empty' };
    case 'area': return text(d.area, MAX_TITLE, true);
    case 'needed_by':
      if (!d.needed_by) return undefined;
      if (!isDateInput(d.needed_by)) return { code: 'bad_date' };
      return d.needed_by < today ? { code: 'needed_by_in_past' } : undefined;
    case 'volunteers_needed': return count(d.volunteers_needed, false);
    case 'household_size': return count(d.household_size, true);
    default: return undefined;
  }
}

export function validateNeed(d: NeedDraft, today: string): FieldErrors<NeedField> {
  const errors: FieldErrors<NeedField> = {};
  for (const f of NEED_FIELDS) {
    const e = validateNeedField(f, d, today);
    if (e) errors[f] = e;
  }
  return errors;
}

export function needInput(d: NeedDraft): NewNeedInput {
  return {
    title: d.title.trim(),
    description: d.description.trim(),
    category: d.category as Category,
    urgency: d.urgency,
    area: d.area.trim(),
    // The date as picked: the backend reads it as the end of that day in the group's time zone.
    needed_by: d.needed_by || null,
    volunteers_needed: Number(d.volunteers_needed.trim()),
    household_size: d.household_size.trim() ? Number(d.household_size.trim()) : null,
    languages: parseList(d.languages),
    recurring: d.recurring,
    // Posted by the person who needs it; an intake sets these (NeedForm).
    channel: null,
    contact_organizers_only: false,
    contact: { name: '', phone: '', email: '', address: '', notes: '' },
  };
}

// ---------- offers ----------

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export interface SlotDraft { day: Weekday; start: string; end: string }

export interface OfferDraft {
  what: string;
  categories: Category[];
  kind: OfferKind;
  area: string;
  capacity: string;
  languages: string;
  slots: SlotDraft[];
  inexhaustible: boolean;
}
export type OfferField = 'what' | 'categories' | 'kind' | 'area' | 'capacity' | 'languages' | 'weekly' | 'inexhaustible';
export const OFFER_FIELDS: OfferField[] = ['what', 'categories', 'kind', 'area', 'capacity', 'languages', 'weekly', 'inexhaustible'];

export function emptyOfferDraft(): OfferDraft {
  return { what: '', categories: [], kind: 'skill', area: '', capacity: '1', languages: '', slots: [], inexhaustible: false };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** "mon 09:00-12:00", or null when the row is incomplete or ends before it starts. */
export function slotString(s: SlotDraft): string | null {
  if (!TIME.test(s.start) || !TIME.test(s.end) || s.start >= s.end) return null;
  return `${s.day} ${s.start}-${s.end}`;
}

export function validateOfferField(field: OfferField, d: OfferDraft): FieldError | undefined {
  switch (field) {
    case 'what': return text(d.what, MAX_TITLE, true);
    case 'categories': return d.categories.length ? undefined : { code: 'pick_one' };
    case 'area': return text(d.area, MAX_TITLE, true);
    case 'capacity': return count(d.capacity, false);
    case 'weekly': return d.slots.every((s) => slotString(s) !== null) ? undefined : { code: 'bad_slot' };
    default: return undefined;
  }
}

export function validateOffer(d: OfferDraft): FieldErrors<OfferField> {
  const errors: FieldErrors<OfferField> = {};
  for (const f of OFFER_FIELDS) {
    const e = validateOfferField(f, d);
    if (e) errors[f] = e;
  }
  return errors;
}

export function offerInput(d: OfferDraft): NewOfferInput {
  return {
    what: d.what.trim(),
    categories: [...d.categories],
    kind: d.kind,
    area: d.area.trim(),
    capacity: Number(d.capacity.trim()),
    languages: parseList(d.languages),
    weekly: d.slots.map(slotString).filter((s): s is string => s !== null),
    inexhaustible: d.inexhaustible,
  };
}

// ---------- first run ----------

export function validateName(name: string): FieldError | undefined {
  return text(name, MAX_TITLE, true);
}

/** The first field, in form order, that has an error. */
export function firstInvalid<F extends string>(order: readonly F[], errors: FieldErrors<F>): F | null {
  return order.find((f) => errors[f]) ?? null;
}

/** The form field a backend error blames, if this form has it: the core names fields as the
 * forms' inputs are named. */
export function formFieldOf<F extends string>(field: Field | null | undefined, known: readonly F[]): F | null {
  return known.find((f) => f === field) ?? null;
}

// ---------- retention ----------

export type RetentionField = Extract<Field, 'expiry_days' | 'grace_days'>;
export const RETENTION_FIELDS: RetentionField[] = ['expiry_days', 'grace_days'];

/** Days typed in a retention field: a whole number from 1 to MAX_RETENTION_DAYS, as the core asks. */
export function validateRetentionDays(value: string): FieldError | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_RETENTION_DAYS) return undefined;
  return { code: 'days_out_of_range', params: { days: v, max: MAX_RETENTION_DAYS } };
}

// ---------- passphrase ----------

export type PassphraseField = 'passphrase' | 'passphrase_confirm';

/** The passphrase typed twice on the create and join forms. Like the core, only an empty one is
 * refused; the confirmation must match exactly (no trimming: spaces count). */
export function validatePassphrase(passphrase: string, confirm: string): FieldErrors<PassphraseField> {
  if (passphrase === '') return { passphrase: { code: 'empty' } };
  if (confirm !== passphrase) return { passphrase_confirm: { code: confirm === '' ? 'empty' : 'passphrase_mismatch' } };
  return {};
}
