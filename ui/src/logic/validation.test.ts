import { describe, expect, it } from 'vitest';
import {
  emptyNeedDraft, emptyOfferDraft, firstInvalid, formFieldOf, NEED_FIELDS, needInput, OFFER_FIELDS, offerInput, parseList,
  RETENTION_FIELDS, slotString, validateName, validateNeed, validateNeedField, validateOffer, validatePassphrase, validateRetentionDays,
} from './validation';

const today = '2025-03-10';
const goodNeed = { ...emptyNeedDraft(), title: 'Groceries for 4', category: 'groceries' as const, area: 'North' };

describe('need form', () => {
  it('accepts a minimal need', () => {
    expect(validateNeed(goodNeed, today)).toEqual({});
  });

  it('requires title, category and area', () => {
    const errs = validateNeed(emptyNeedDraft(), today);
    expect(errs.title?.code).toBe('empty');
    expect(errs.category?.code).toBe('empty');
    expect(errs.area?.code).toBe('empty');
    expect(firstInvalid(NEED_FIELDS, errs)).toBe('title');
    expect(validateNeedField('title', { ...goodNeed, title: '   ' }, today)?.code).toBe('empty');
  });

  it('limits lengths like the core', () => {
    expect(validateNeedField('title', { ...goodNeed, title: 'x'.repeat(200) }, today)).toBeUndefined();
    expect(validateNeedField('title', { ...goodNeed, title: 'x'.repeat(201) }, today)).toEqual({ code: 'too_long', params: { max: 200 } });
    expect(validateNeedField('description', { ...goodNeed, description: 'x'.repeat(4001) }, today)?.code).toBe('too_long');
  });

  it('checks numbers are whole, at least 1 and at most MAX_COUNT', () => {
    expect(validateNeedField('volunteers_needed', { ...goodNeed, volunteers_needed: '10000' }, today)).toBeUndefined();
    expect(validateNeedField('volunteers_needed', { ...goodNeed, volunteers_needed: '10001' }, today)).toEqual({ code: 'too_big', params: { max: 10000 } });
    expect(validateNeedField('needed_by', { ...goodNeed, needed_by: '2025-02-30' }, today)?.code).toBe('bad_date');
    expect(validateNeedField('volunteers_needed', { ...goodNeed, volunteers_needed: '0' }, today)?.code).toBe('zero');
    expect(validateNeedField('volunteers_needed', { ...goodNeed, volunteers_needed: '1.5' }, today)?.code).toBe('not_a_number');
    expect(validateNeedField('volunteers_needed', { ...goodNeed, volunteers_needed: '' }, today)?.code).toBe('empty');
    expect(validateNeedField('household_size', { ...goodNeed, household_size: '' }, today)).toBeUndefined();
    expect(validateNeedField('household_size', { ...goodNeed, household_size: '0' }, today)?.code).toBe('zero');
  });

  it('rejects a needed-by date in the past, allows today', () => {
    expect(validateNeedField('needed_by', { ...goodNeed, needed_by: '2025-03-09' }, today)?.code).toBe('needed_by_in_past');
    expect(validateNeedField('needed_by', { ...goodNeed, needed_by: today }, today)).toBeUndefined();
  });

  it('builds the command input', () => {
    const input = needInput({ ...goodNeed, title: ' Groceries ', volunteers_needed: '2', household_size: '4', languages: 'es, en ,ES', needed_by: '' });
    expect(input).toMatchObject({ title: 'Groceries', volunteers_needed: 2, household_size: 4, languages: ['es', 'en'], needed_by: null, recurring: false });
    // The date goes as picked: the backend reads it in the group's time zone.
    expect(needInput({ ...goodNeed, needed_by: '2025-03-14' }).needed_by).toBe('2025-03-14');
  });
});

describe('offer form', () => {
  const good = { ...emptyOfferDraft(), what: 'Rides', categories: ['transport' as const], area: 'North' };
  it('accepts a minimal offer', () => {
    expect(validateOffer(good)).toEqual({});
  });
  it('needs what, one category, an area and a capacity ≥ 1', () => {
    const errs = validateOffer({ ...emptyOfferDraft(), capacity: '0' });
    expect(errs.what?.code).toBe('empty');
    expect(errs.categories?.code).toBe('pick_one');
    expect(errs.area?.code).toBe('empty');
    expect(errs.capacity?.code).toBe('zero');
    expect(firstInvalid(OFFER_FIELDS, errs)).toBe('what');
  });
  it('checks weekly slots', () => {
    expect(slotString({ day: 'mon', start: '09:00', end: '12:00' })).toBe('mon 09:00-12:00');
    expect(slotString({ day: 'mon', start: '12:00', end: '09:00' })).toBeNull();
    expect(validateOffer({ ...good, slots: [{ day: 'tue', start: '10:00', end: '10:00' }] }).weekly?.code).toBe('bad_slot');
    expect(offerInput({ ...good, slots: [{ day: 'sat', start: '08:30', end: '11:00' }], languages: 'es' })).toMatchObject({
      weekly: ['sat 08:30-11:00'], capacity: 1, languages: ['es'], categories: ['transport'],
    });
  });
});

describe('helpers', () => {
  it('parses comma lists without duplicates', () => {
    expect(parseList(' es, en,, ES ; fr ')).toEqual(['es', 'en', 'fr']);
  });
  it('validates names', () => {
    expect(validateName('')?.code).toBe('empty');
    expect(validateName('Ana')).toBeUndefined();
  });
  it('finds the form field a backend error blames', () => {
    expect(formFieldOf('volunteers_needed', NEED_FIELDS)).toBe('volunteers_needed');
    expect(formFieldOf('what', OFFER_FIELDS)).toBe('what');
    expect(formFieldOf('passphrase', NEED_FIELDS)).toBeNull();
    expect(formFieldOf(null, NEED_FIELDS)).toBeNull();
  });
});

describe('passphrase', () => {
  it('must be typed, then typed again the same', () => {
    expect(validatePassphrase('', '')).toEqual({ passphrase: { code: 'empty' } });
    expect(validatePassphrase('', 'x')).toEqual({ passphrase: { code: 'empty' } });
    expect(validatePassphrase('correct horse', '')).toEqual({ passphrase_confirm: { code: 'empty' } });
    expect(validatePassphrase('correct horse', 'correct hors')).toEqual({ passphrase_confirm: { code: 'passphrase_mismatch' } });
    expect(validatePassphrase('correct horse', 'correct horse')).toEqual({});
  });
  it('counts spaces, like the core', () => {
    expect(validatePassphrase('   ', '   ')).toEqual({});
    expect(validatePassphrase('pass ', 'pass')).toEqual({ passphrase_confirm: { code: 'passphrase_mismatch' } });
  });
});

describe('retention days', () => {
  it('must be a whole number from 1 to 3650', () => {
    expect(validateRetentionDays('30')).toBeUndefined();
    expect(validateRetentionDays(' 1 ')).toBeUndefined();
    expect(validateRetentionDays('3650')).toBeUndefined();
    for (const bad of ['', '0', '3651', '1.5', '-3', 'ten']) {
      expect(validateRetentionDays(bad)?.code, bad).toBe('days_out_of_range');
    }
    expect(validateRetentionDays('0')?.params).toEqual({ days: '0', max: 3650 });
  });
  it('finds the backend fields', () => {
    expect(formFieldOf('expiry_days', RETENTION_FIELDS)).toBe('expiry_days');
    expect(formFieldOf('grace_days', RETENTION_FIELDS)).toBe('grace_days');
  });
});
