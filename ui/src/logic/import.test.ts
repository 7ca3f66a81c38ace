import { describe, expect, it } from 'vitest';
import { createTranslator } from '../i18n/core';
import { linesText, meanings } from './import';

describe('import questions', () => {
  const t = createTranslator('en');
  it('offers the statuses a row may come in with, and leaving it out', () => {
    const values = meanings('status', [], t).map(([v]) => v);
    expect(values).toEqual(['open', 'done', 'cancelled', 'expired', 'referred', 'skip']);
  });
  it('offers the group’s areas for an area, and words categories', () => {
    expect(meanings('area', ['North', 'South'], t)).toEqual([['North', 'North'], ['South', 'South']]);
    expect(meanings('category', [], t)[0]).toEqual(['groceries', 'Groceries']);
    expect(meanings('recurring', [], createTranslator('es'))).toEqual([['yes', 'Sí'], ['no', 'No']]);
  });
  it('shows the first ten lines', () => {
    expect(linesText([4], t)).toBe('Line 4');
    expect(linesText([...Array(12).keys()].map((i) => i + 2), t)).toBe('Lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11…');
  });
});
