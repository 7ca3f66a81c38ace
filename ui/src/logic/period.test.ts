import { describe, expect, it } from 'vitest';
import { presetDays } from './period';

describe('report periods', () => {
  const today = new Date(2030, 2, 5); // Tuesday 5 March 2030
  it('counts four weeks back with today included', () => {
    expect(presetDays('four_weeks', today)).toEqual({ first: '2030-02-06', last: '2030-03-05' });
  });
  it('knows how long last month was, across a year', () => {
    expect(presetDays('last_month', today)).toEqual({ first: '2030-02-01', last: '2030-02-28' });
    expect(presetDays('last_month', new Date(2030, 0, 15))).toEqual({ first: '2029-12-01', last: '2029-12-31' });
  });
  it('starts this month and the last three on their first day', () => {
    expect(presetDays('this_month', today)).toEqual({ first: '2030-03-01', last: '2030-03-05' });
    expect(presetDays('three_months', new Date(2030, 1, 10))).toEqual({ first: '2029-12-01', last: '2030-02-10' });
  });
});
