import { describe, expect, it } from 'vitest';
import { createTranslator } from '../i18n/core';
import { lineNoteText, linesText, meanings } from './import';

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
  it('words a row’s problems in the person’s language, with the English as the fallback', () => {
    const note = { line: 4, reason: "household size 'two' is not a number", problems: [{ code: 'not_a_number' as const, value: 'two' }] };
    expect(lineNoteText(note, createTranslator('es'))).toBe('«two» no es un número de personas');
    const rule = { line: 5, reason: 'title is empty', problems: [{ code: 'invalid' as const, rule: 'no_such_rule', message: 'title is empty' }] };
    expect(lineNoteText(rule, t)).toBe('title is empty');
  });
});
