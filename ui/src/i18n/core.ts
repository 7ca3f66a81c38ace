// The i18n layer: flat dictionaries of keys to strings (or plural forms), `{name}` interpolation,
// plural selection by Intl.PluralRules, and Intl formatters for dates and numbers.
// Pure: nothing here touches the DOM or storage (see ./index.ts for the app's live language).
import { en } from './en';
import { es } from './es';

export type Plural = { zero?: string; one: string; two?: string; few?: string; many?: string; other: string };
export type Message = string | Plural;
export type Dict = Record<string, Message>;
export type MessageKey = keyof typeof en;
export type Lang = 'en' | 'es';
export const LANGS: Lang[] = ['en', 'es'];
export type Params = Record<string, string | number | null | undefined>;

export const DICTS: Record<Lang, Dict> = { en, es };

export function isLang(x: unknown): x is Lang {
  return x === 'en' || x === 'es';
}

/** The language to start in: a saved choice, else the first supported browser language, else English. */
export function pickLang(saved: string | null | undefined, navigatorLangs: readonly string[]): Lang {
  if (isLang(saved)) return saved;
  for (const l of navigatorLangs) {
    const base = l.toLowerCase().split(/[-_]/)[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

/** Replaces `{name}` with params.name; returns null when a placeholder has no value. */
export function interpolate(template: string, params: Params = {}): string | null {
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined || v === null) {
      missing = true;
      return '';
    }
    return typeof v === 'number' ? String(v) : v;
  });
  return missing ? null : out;
}

export interface Translator {
  lang: Lang;
  /** Translates a known key. Plural messages pick their form from params.count. */
  (key: MessageKey, params?: Params): string;
  /** For keys built from backend values: null when the key is unknown or a placeholder is missing. */
  maybe(key: string, params?: Params): string | null;
  has(key: string): boolean;
  number(n: number, opts?: Intl.NumberFormatOptions): string;
  date(iso: string | Date, opts?: Intl.DateTimeFormatOptions): string;
  dateTime(iso: string | Date): string;
  relative(iso: string | Date, now?: Date): string;
  list(items: string[]): string;
}

function pluralForm(lang: Lang, msg: Plural, count: number): string {
  if (count === 0 && msg.zero) return msg.zero;
  const cat = new Intl.PluralRules(lang).select(count) as keyof Plural;
  return msg[cat] ?? msg.other;
}

export function createTranslator(lang: Lang): Translator {
  const dict = DICTS[lang];
  const fallback = DICTS.en;
  const render = (key: string, params: Params = {}): string | null => {
    const msg = dict[key] ?? fallback[key];
    if (msg === undefined) return null;
    let template: string;
    if (typeof msg === 'string') {
      template = msg;
    } else {
      const count = Number(params.count ?? 0);
      template = pluralForm(lang, msg, count);
      params = { ...params, count: typeof params.count === 'number' ? formatNumber(lang, params.count) : params.count };
    }
    return interpolate(template, params);
  };
  const t = ((key: MessageKey, params?: Params) => render(key, params) ?? key) as Translator;
  t.lang = lang;
  t.maybe = (key, params) => render(key, params);
  t.has = (key) => key in dict || key in fallback;
  t.number = (n, opts) => formatNumber(lang, n, opts);
  t.date = (iso, opts) => formatDate(lang, iso, opts ?? { dateStyle: 'medium' });
  t.dateTime = (iso) => formatDate(lang, iso, { dateStyle: 'medium', timeStyle: 'short' });
  t.relative = (iso, now = new Date()) => relativeTime(lang, iso, now);
  t.list = (items) => formatList(lang, items);
  return t;
}

export function formatNumber(lang: Lang, n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 2, ...opts }).format(n);
}

export function formatDate(lang: Lang, iso: string | Date, opts: Intl.DateTimeFormatOptions): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(lang, opts).format(d);
}

export function formatList(lang: Lang, items: string[]): string {
  if (items.length === 0) return '';
  try {
    return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "hace 5 minutos", "just now"-ish for under a minute. */
export function relativeTime(lang: Lang, iso: string | Date, now: Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  const secs = (d.getTime() - now.getTime()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(secs) >= size) return rtf.format(Math.round(secs / size), unit);
  }
  return rtf.format(0, 'second');
}
