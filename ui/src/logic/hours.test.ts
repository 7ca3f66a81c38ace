import { describe, expect, it } from 'vitest';
import { parseHours, signedHours } from './hours';

describe('hours parsing', () => {
  it('accepts quarter hours in several spellings', () => {
    expect(parseHours('1.5')).toEqual({ ok: true, value: 1.5, text: '1.5' });
    expect(parseHours('1,5')).toEqual({ ok: true, value: 1.5, text: '1.5' });
    expect(parseHours('0.25')).toEqual({ ok: true, value: 0.25, text: '0.25' });
    expect(parseHours('.75')).toEqual({ ok: true, value: 0.75, text: '0.75' });
    expect(parseHours(' 2 ')).toEqual({ ok: true, value: 2, text: '2' });
    expect(parseHours('2h')).toEqual({ ok: true, value: 2, text: '2' });
    expect(parseHours('1:45')).toEqual({ ok: true, value: 1.75, text: '1.75' });
    expect(parseHours('45m')).toEqual({ ok: true, value: 0.75, text: '0.75' });
    expect(parseHours('24')).toEqual({ ok: true, value: 24, text: '24' });
  });

  it('rejects what is not whole quarter hours', () => {
    expect(parseHours('1.3')).toEqual({ ok: false, code: 'not_quarter_hours' });
    expect(parseHours('1:10')).toEqual({ ok: false, code: 'not_quarter_hours' });
    expect(parseHours('abc')).toEqual({ ok: false, code: 'not_quarter_hours' });
    expect(parseHours('-1')).toEqual({ ok: false, code: 'not_quarter_hours' });
  });

  it('rejects 0, more than 24 and blank', () => {
    expect(parseHours('0')).toEqual({ ok: false, code: 'hours_out_of_range' });
    expect(parseHours('24.25')).toEqual({ ok: false, code: 'hours_out_of_range' });
    expect(parseHours('')).toEqual({ ok: false, code: 'empty' });
  });

  it('signs balances', () => {
    const f = (n: number) => String(n);
    expect(signedHours(3.5, f)).toBe('+3.5');
    expect(signedHours(-1.25, f)).toBe('-1.25');
    expect(signedHours(0, f)).toBe('0');
  });
});
