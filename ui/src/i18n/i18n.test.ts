import { describe, expect, it } from 'vitest';
import {
  ASSIGNMENT_STATUSES, CATEGORIES, CHANNELS, ENTRY_STATUSES, ERROR_CODES, ERROR_KINDS, FIELDS, HISTORY_ACTIONS, NEED_STATUSES, OFFER_KINDS,
  MEMBER_IMPORT_TARGETS, NEED_IMPORT_TARGETS, OFFER_STATUSES, PURGEABLE_FIELDS, ROLES, URGENCIES,
} from '../api/generated';
import { fieldKey } from '../logic/renew';
import { CLIENT_ERROR_CODES } from '../logic/validation';
import { createTranslator, interpolate, pickLang, type Message } from './core';
import { en } from './en';
import { es } from './es';
// The generated contract, for the unions it declares but lists nowhere else.
import contract from '../api/generated.ts?raw';

const dicts: Record<string, Record<string, Message>> = { en, es };

/** The tags of a union in the contract: `"rule": "x"` or `"type": "x"` in `export type NAME = ...;`. */
function tagsOf(name: string, tag: string): string[] {
  const m = new RegExp(`export type ${name} = (.+);$`, 'm').exec(contract);
  if (!m) throw new Error(`no type ${name} in generated.ts`);
  return [...m[1].matchAll(new RegExp(`"${tag}": "([a-z_]+)"`, 'g'))].map((x) => x[1]);
}

/** The string literals of `export type NAME = "a" | "b";` in the contract. */
function unionOf(name: string): string[] {
  const m = new RegExp(`export type ${name} = ((?:"[a-z_.]+"(?: \\| )?)+);$`, 'm').exec(contract);
  if (!m) throw new Error(`no union ${name} in generated.ts`);
  return [...m[1].matchAll(/"([a-z_.]+)"/g)].map((x) => x[1]);
}

function placeholders(msg: Message): Set<string> {
  const texts = typeof msg === 'string' ? [msg] : Object.values(msg).filter((v): v is string => typeof v === 'string');
  return new Set(texts.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
}

describe('dictionaries', () => {
  it('have the same keys both ways', () => {
    const enKeys = Object.keys(en).sort();
    const esKeys = Object.keys(es).sort();
    expect(esKeys.filter((k) => !(k in en))).toEqual([]);
    expect(enKeys.filter((k) => !(k in es))).toEqual([]);
  });

  it('have no empty strings and complete plural forms', () => {
    for (const [lang, dict] of Object.entries(dicts)) {
      for (const [key, msg] of Object.entries(dict)) {
        const where = `${lang}:${key}`;
        if (typeof msg === 'string') {
          expect(msg.trim(), where).not.toBe('');
        } else {
          expect(msg.one?.trim(), where).toBeTruthy();
          expect(msg.other?.trim(), where).toBeTruthy();
          for (const v of Object.values(msg)) expect(String(v).trim(), where).not.toBe('');
        }
      }
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const a = placeholders(en[key]);
      const b = placeholders(es[key]);
      // Spanish may leave out {count} where the number is implied by the form, never add new ones.
      for (const p of b) expect(a.has(p), `es:${key} has {${p}} that en lacks`).toBe(true);
      for (const p of a) if (p !== 'count') expect(b.has(p), `es:${key} lacks {${p}}`).toBe(true);
    }
  });

  // Every value the contract lists, so a new one on the Rust side fails here until it is worded.
  const enumSets: [string, readonly string[]][] = [
    ['category', CATEGORIES],
    ['urgency', URGENCIES],
    ['channel', CHANNELS],
    ['import.target', NEED_IMPORT_TARGETS],
    ['import.target', MEMBER_IMPORT_TARGETS],
    ['import.kind', unionOf('ImportKind')],
    ['import.problem', tagsOf('RowProblem', 'code')],
    ['import.kind_hint', unionOf('ImportKind')],
    ['import.count_new', unionOf('ImportKind')],
    ['import.apply', unionOf('ImportKind')],
    ['import.done_title', unionOf('ImportKind')],
    ['need_status', NEED_STATUSES],
    ['offer_kind', OFFER_KINDS],
    ['offer_status', OFFER_STATUSES],
    ['role', ROLES],
    ['assignment_status', ASSIGNMENT_STATUSES],
    ['entry_status', ENTRY_STATUSES],
    ['sync.discovery_mode', unionOf('DiscoveryMode')],
    ['reason', tagsOf('ReasonView', 'rule')],
    ['exclusion', tagsOf('ExclusionView', 'type')],
    ['conflict_kind', tagsOf('ConflictKind', 'type')],
    ['conflict_help', tagsOf('ConflictKind', 'type')],
    ['error', ERROR_CODES],
    ['error', ERROR_KINDS],
    ['error', CLIENT_ERROR_CODES],
    ['field', FIELDS],
    ['history.action', HISTORY_ACTIONS],
    ['renew.field', PURGEABLE_FIELDS.map(fieldKey)],
    ['renew.remove', PURGEABLE_FIELDS.map(fieldKey)],
    ['renew.kind', [...new Set(PURGEABLE_FIELDS.map((f) => f.collection))]],
  ];
  for (const [prefix, values] of enumSets) {
    it(`translate every ${prefix} value`, () => {
      expect(values.length).toBeGreaterThan(0);
      for (const [lang, dict] of Object.entries(dicts)) {
        for (const v of values) expect(dict[`${prefix}.${v}`], `${lang}: ${prefix}.${v}`).toBeDefined();
      }
    });
  }

  it('reads the unions out of the contract (sanity)', () => {
    expect(tagsOf('ReasonView', 'rule')).toHaveLength(15);
    expect(tagsOf('ExclusionView', 'type')).toHaveLength(6);
    expect(tagsOf('ConflictKind', 'type')).toHaveLength(5);
    expect(unionOf('DiscoveryMode')).toEqual(['off', 'loopback', 'lan']);
  });

  it('words no history action the core never writes', () => {
    const worded = Object.keys(en).filter((k) => k.startsWith('history.action.')).map((k) => k.slice('history.action.'.length));
    expect(worded.filter((a) => !(HISTORY_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });
});

describe('translator', () => {
  it('interpolates and reports missing params', () => {
    expect(interpolate('Hi {name}', { name: 'Ana' })).toBe('Hi Ana');
    expect(interpolate('Hi {name}', {})).toBeNull();
    expect(interpolate('{a}/{b}', { a: 0, b: 1 })).toBe('0/1');
  });

  it('picks plural forms per language', () => {
    const t = createTranslator('en');
    expect(t('time.waiting_days', { count: 1 })).toBe('Waiting 1 day');
    expect(t('time.waiting_days', { count: 3 })).toBe('Waiting 3 days');
    expect(t('needs.count', { count: 0 })).toBe('No needs to show');
    const s = createTranslator('es');
    expect(s('time.waiting_days', { count: 1 })).toBe('Lleva 1 día esperando');
    expect(s('time.waiting_days', { count: 4 })).toBe('Lleva 4 días esperando');
    // Large numbers: Spanish has a "many" category in recent CLDR; it falls back to "other".
    expect(s('time.waiting_days', { count: 1000000 })).toContain('días');
  });

  it('formats numbers in the plural count per language', () => {
    expect(createTranslator('en')('hours.unit', { count: 1.5 })).toBe('hours');
    expect(createTranslator('es')('digest.needs_new', { count: 1500 })).toBe('1500 necesidades nuevas'.replace('1500', new Intl.NumberFormat('es').format(1500)));
  });

  it('maybe() returns null for unknown keys and missing params', () => {
    const t = createTranslator('en');
    expect(t.maybe('reason.nope')).toBeNull();
    expect(t.maybe('error.too_long')).toBeNull();
    expect(t.maybe('error.too_long', { max: 200 })).toBe('This is too long: at most 200 characters.');
  });

  it('chooses the starting language', () => {
    expect(pickLang('es', ['en-US'])).toBe('es');
    expect(pickLang(null, ['es-MX', 'en'])).toBe('es');
    expect(pickLang(null, ['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLang('xx', ['de'])).toBe('en');
  });

  it('formats relative times with Intl', () => {
    const now = new Date('2025-03-10T12:00:00Z');
    expect(createTranslator('en').relative('2025-03-07T12:00:00Z', now)).toBe('3 days ago');
    expect(createTranslator('es').relative('2025-03-07T12:00:00Z', now)).toBe('hace 3 días');
  });
});
