// Backend values put into words: errors, matching reasons, exclusions, history, conflict sides.
import type { AppError, Conflict, ExcludedView, Field, HistoryEntry, IgnoredView, ReasonView, Side } from '../api/generated';
import type { MessageKey, Params, Translator } from '../i18n/core';
import { isAssignmentSide } from './conflicts';

// ---------- errors ----------

export interface ShownError { code: string; field: Field | null; text: string }

function isAppErrorLike(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/** A translated message for a code (client or server), or null. */
export function errorText(t: Translator, code: string, params: Params = {}): string | null {
  return t.maybe(`error.${code}`, params);
}

/** Turns anything a command rejects with into what the screen shows. */
export function describeError(e: unknown, t: Translator): ShownError {
  if (isAppErrorLike(e)) {
    const params = (e.params ?? {}) as Params;
    // A code without a translation: in English the backend's own message is the most precise;
    // in other languages a translated sentence for the error's kind beats English text.
    const text =
      errorText(t, e.code, params) ??
      (t.lang !== 'en' ? errorText(t, e.kind, params) : null) ??
      (e.message || errorText(t, e.kind, params) || t('error.unexpected'));
    return { code: e.code, field: e.field ?? null, text };
  }
  if (typeof e === 'string') return { code: 'unexpected', field: null, text: e };
  if (e instanceof Error) return { code: 'unexpected', field: null, text: e.message };
  return { code: 'unexpected', field: null, text: t('error.unexpected') };
}

// ---------- plain values ----------

const DAY_RE = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*$/i;

/** "mon 09:00-12:00" or {day: "Mon", start: "09:00:00", end: "12:00:00"} → "Monday 09:00–12:00". */
export function slotText(slot: unknown, t: Translator): string {
  let day = '';
  let start = '';
  let end = '';
  if (typeof slot === 'string') {
    const m = /^\s*(\w+)\s+(\d{1,2}:\d{2})(?::\d{2})?\s*-\s*(\d{1,2}:\d{2})/.exec(slot);
    if (!m) return slot;
    [day, start, end] = [m[1], m[2], m[3]];
  } else if (slot && typeof slot === 'object') {
    const o = slot as Record<string, unknown>;
    day = String(o.day ?? '');
    start = String(o.start ?? '').slice(0, 5);
    end = String(o.end ?? '').slice(0, 5);
  } else {
    return String(slot ?? '');
  }
  const dm = DAY_RE.exec(day);
  let dayName = dm ? t.maybe(`weekday.${dm[1].toLowerCase()}`) ?? day : day;
  // English capitalizes weekdays inside a sentence; Spanish does not.
  if (t.lang !== 'en') dayName = dayName.toLocaleLowerCase(t.lang);
  return t('slot.text', { day: dayName, start, end });
}

/** A language as typed ("es", "Spanish"): codes become names in the app's language. */
export function languageName(code: string, t: Translator): string {
  const c = code.trim();
  if (/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(c)) {
    try {
      const name = new Intl.DisplayNames([t.lang], { type: 'language' }).of(c);
      if (name && name !== c) return name;
    } catch {
      /* not a code after all */
    }
  }
  return c;
}

export function enumText(t: Translator, prefix: string, value: unknown): string {
  const s = String(value ?? '');
  return t.maybe(`${prefix}.${s}`) ?? s.replace(/_/g, ' ');
}

function dateOnly(t: Translator, v: unknown): string {
  if (typeof v !== 'string') return String(v ?? '');
  // A bare "2025-03-14" is a calendar date: show it without shifting by the time zone.
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) return t.date(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])), { weekday: 'short', day: 'numeric', month: 'short' });
  return t.date(v, { weekday: 'short', day: 'numeric', month: 'short' });
}

// ---------- matching ----------

function reasonParams(r: Record<string, unknown>, t: Translator, statusPrefix = 'need_status'): Params {
  const p: Params = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'rule' || k === 'points' || k === 'text') continue;
    switch (k) {
      // Inside a sentence a category reads in lower case ("offers groceries", "ofrece trámites").
      case 'category': p[k] = enumText(t, 'category', v).toLocaleLowerCase(t.lang); break;
      case 'urgency': p[k] = enumText(t, 'urgency', v); break;
      case 'status': p[k] = enumText(t, statusPrefix, v).toLocaleLowerCase(t.lang); break;
      case 'slot': p[k] = slotText(v, t); break;
      case 'on':
      case 'date': p[k] = dateOnly(t, v); break;
      case 'km': p[k] = t.number(Number(v), { maximumFractionDigits: 1, minimumFractionDigits: 1 }); break;
      case 'language': p[k] = languageName(String(v), t); break;
      case 'needed': p[k] = t.list((Array.isArray(v) ? v : [v]).map((x) => languageName(String(x), t))); break;
      case 'offered': p[k] = t.list((Array.isArray(v) ? v : [v]).map((x) => enumText(t, 'category', x).toLocaleLowerCase(t.lang))); break;
      case 'days':
      case 'open':
      case 'capacity':
        p[k] = Number(v);
        if (k === 'days') p.count = Number(v);
        break;
      default: p[k] = typeof v === 'number' ? v : String(v ?? '');
    }
  }
  if (p.count === undefined && typeof r.capacity === 'number') p.count = r.capacity;
  return p;
}

export function reasonText(r: ReasonView, t: Translator): string {
  return t.maybe(`reason.${r.rule}`, reasonParams(r, t)) ?? r.text ?? r.rule;
}

export function exclusionText(x: ExcludedView['why'], t: Translator): string {
  const prefix = x.type === 'offer_not_active' ? 'offer_status' : 'assignment_status';
  return t.maybe(`exclusion.${x.type}`, reasonParams(x, t, prefix)) ?? x.text ?? x.type;
}

// ---------- history ----------

export function actionText(action: string, t: Translator): string {
  return t.maybe(`history.action.${action}`) ?? action;
}

export function fieldName(field: string, t: Translator): string {
  return t.maybe(`field.${field}`) ?? field.replace(/_/g, ' ');
}

/** A field's value as a person reads it. `collection` helps with statuses. */
export function valueText(field: string | null, value: unknown, t: Translator, collection?: string): string {
  if (value === null || value === undefined || value === '') return t('value.none');
  // Ciphertext says nothing to a person; the details open only from the contact section.
  if (field === 'sealed_contact') return t('value.sealed');
  if (typeof value === 'boolean') return value ? t('value.yes') : t('value.no');
  if (Array.isArray(value)) {
    if (field === 'categories') return t.list(value.map((v) => enumText(t, 'category', v)));
    if (field === 'languages') return t.list(value.map((v) => languageName(String(v), t)));
    return t.list(value.map((v) => valueText(null, v, t)));
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.volunteer_name === 'string') {
      return o.status ? `${o.volunteer_name} (${enumText(t, 'assignment_status', o.status)})` : o.volunteer_name;
    }
    return JSON.stringify(value);
  }
  switch (field) {
    case 'status': {
      const prefix = collection === 'offers' ? 'offer_status' : collection === 'assignments' ? 'assignment_status' : collection === 'hour_entries' ? 'entry_status' : 'need_status';
      return enumText(t, prefix, value);
    }
    case 'category': return enumText(t, 'category', value);
    case 'urgency': return enumText(t, 'urgency', value);
    case 'kind': return enumText(t, 'offer_kind', value);
    case 'role': return enumText(t, 'role', value);
    case 'needed_by':
    case 'window_start':
    case 'created_at':
    case 'updated_at':
    case 'contact_forgotten_at':
      return typeof value === 'string' ? t.dateTime(value) : String(value);
  }
  if (typeof value === 'number') return t.number(value);
  return String(value);
}

export function historyLine(h: HistoryEntry, t: Translator): string {
  const who = h.by_name ?? t('history.someone');
  return t('history.line', { who, action: actionText(h.action, t) });
}

// ---------- conflicts ----------

export function conflictKindText(c: Conflict, t: Translator): string {
  const k = c.kind;
  const params: Params = {};
  if (k.type === 'over_assigned') params.count = k.volunteers_needed;
  if (k.type === 'over_capacity') params.count = k.capacity;
  return t.maybe(`conflict_kind.${k.type}`, params) ?? k.type;
}

export function conflictHelp(c: Conflict, t: Translator): string {
  const k = c.kind;
  const params: Params = {};
  if (k.type === 'over_assigned') params.count = k.volunteers_needed;
  if (k.type === 'over_capacity') params.count = k.capacity;
  return t.maybe(`conflict_help.${k.type}`, params) ?? '';
}

export function sideText(c: Conflict, side: Side, t: Translator): string {
  if (isAssignmentSide(side)) return valueText(null, side.value, t);
  return valueText(c.field, side.value, t, c.collection);
}

// ---------- ignored changes ----------

/** "Cy tried to change their own role": who tried what, in the reader's language. */
export function ignoredText(i: IgnoredView, t: Translator): string {
  const params = { who: i.by_name ?? t('ignored.unknown_device'), target: i.target_name ?? '' };
  const whose = i.own ? 'own' : i.target_name ? 'other' : 'any';
  return t.maybe(`ignored.${i.attempt}_${whose}`, params) ?? t.maybe(`ignored.${i.attempt}_any`, params) ?? t('ignored.any', params);
}

export function keyFor(prefix: string, value: string): MessageKey {
  return `${prefix}.${value}` as MessageKey;
}
