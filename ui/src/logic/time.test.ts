import { describe, expect, it } from 'vitest';
import { createTranslator } from '../i18n/core';
import { daysSince, isDateInput, isLongWait, shortId, todayInput, waitingLabel } from './time';

const en = createTranslator('en');
const es = createTranslator('es');
const now = new Date('2025-03-10T12:00:00Z');
const need = (created_at: string, status = 'open' as const) => ({ created_at, status });

describe('waiting time', () => {
  it('counts whole days', () => {
    expect(daysSince('2025-03-10T08:00:00Z', now)).toBe(0);
    expect(daysSince('2025-03-09T11:00:00Z', now)).toBe(1);
    expect(daysSince('2025-03-07T12:00:00Z', now)).toBe(3);
    expect(daysSince('2025-03-11T12:00:00Z', now)).toBe(0); // clock skew: never negative
    expect(daysSince('not a date', now)).toBe(0);
  });

  it('words it in English', () => {
    expect(waitingLabel(need('2025-03-10T08:00:00Z'), now, en)).toBe('Posted today');
    expect(waitingLabel(need('2025-03-09T11:00:00Z'), now, en)).toBe('Waiting 1 day');
    expect(waitingLabel(need('2025-03-07T12:00:00Z'), now, en)).toBe('Waiting 3 days');
    expect(waitingLabel(need('2025-02-17T12:00:00Z'), now, en)).toBe('Waiting 3 weeks');
  });

  it('words it in Spanish', () => {
    expect(waitingLabel(need('2025-03-09T11:00:00Z'), now, es)).toBe('Lleva 1 día esperando');
    expect(waitingLabel(need('2025-03-07T12:00:00Z'), now, es)).toBe('Lleva 3 días esperando');
    expect(waitingLabel(need('2025-03-10T08:00:00Z'), now, es)).toBe('Publicada hoy');
  });

  it('says "posted" once the need is closed', () => {
    expect(waitingLabel({ created_at: '2025-03-07T12:00:00Z', status: 'done' }, now, en)).toBe('Posted 3 days ago');
    expect(waitingLabel({ created_at: '2025-03-07T12:00:00Z', status: 'cancelled' }, now, es)).toBe('Publicada hace 3 días');
  });

  it('flags long waits, sooner for critical needs', () => {
    expect(isLongWait({ created_at: '2025-03-07T12:00:00Z', status: 'open', urgency: 'critical' }, now)).toBe(true);
    expect(isLongWait({ created_at: '2025-03-07T12:00:00Z', status: 'open', urgency: 'normal' }, now)).toBe(false);
    expect(isLongWait({ created_at: '2025-03-01T12:00:00Z', status: 'open', urgency: 'low' }, now)).toBe(true);
    expect(isLongWait({ created_at: '2025-03-01T12:00:00Z', status: 'done', urgency: 'low' }, now)).toBe(false);
  });
});

describe('dates', () => {
  it('knows a date input from anything else', () => {
    expect(isDateInput('2025-03-14')).toBe(true);
    expect(isDateInput(' 2024-02-29 ')).toBe(true);
    expect(isDateInput('2025-02-29')).toBe(false);
    expect(isDateInput('14/03/2025')).toBe(false);
    expect(isDateInput('2025-03-14T10:00:00Z')).toBe(false);
  });

  it('writes today as a date input does', () => {
    expect(todayInput(new Date(2025, 0, 5, 10))).toBe('2025-01-05');
  });

  it('shortens ids as the core does: the last 8 hex digits, the random ones', () => {
    // crdt_core::short_id of this uuid v7 (its first digits are the time it was made).
    expect(shortId('0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe('2e3f4a5b');
    expect(shortId('0195A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B')).toBe('2e3f4a5b');
    expect(shortId('0195a1b2-c3d4-7e5f-8a9b-99999999aaaa')).not.toBe(shortId('0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'));
    expect(shortId(null)).toBe('');
  });
});
