// The import wizard's wording of what the Rust side's dry run asks.
import { CATEGORIES, CHANNELS, NEED_STATUS_MAY_BECOME, URGENCIES, type LineNote, type Target } from '../api/generated';
import type { MessageKey, Translator } from '../i18n/core';

/** What a value in a column of `target` may be said to mean (as the core takes it), with its
 * label; an area column takes the group's areas. */
export function meanings(target: Target, areas: string[], t: Translator): [string, string][] {
  const worded = (prefix: string, values: readonly string[]): [string, string][] => values.map((v) => [v, t(`${prefix}.${v}` as MessageKey)]);
  switch (target) {
    case 'category': return [...worded('category', CATEGORIES), ['skip', t('import.meaning_skip_value')]];
    case 'urgency': return worded('urgency', URGENCIES);
    // A row comes in open, or already closed; matched and in progress come from assignments.
    case 'status': return [...worded('need_status', ['open', ...NEED_STATUS_MAY_BECOME.open]), ['skip', t('import.meaning_skip_row')]];
    case 'channel': return worded('channel', CHANNELS);
    case 'recurring': return [['yes', t('import.yes')], ['no', t('import.no')]];
    default: return areas.map((a) => [a, a]);
  }
}

/** "Line 4" or "Lines 2, 3 and 7": the first ten. */
export function linesText(lines: number[], t: Translator): string {
  const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? '…' : '');
  return t('import.lines', { count: lines.length, lines: shown });
}

/** What is wrong with a row (or why it is left out), in the person's language; the core's rules
 * by their error wording, else the English sentence the Rust side gave. */
export function lineNoteText(note: LineNote, t: Translator): string {
  const texts = note.problems.map((p) => {
    if (p.code === 'invalid') return t.maybe(`error.${p.rule}`) ?? p.message;
    const { code, ...params } = p;
    return t.maybe(`import.problem.${code}`, params as Record<string, string | number>);
  });
  return texts.every((x) => x !== null) ? texts.join('; ') : note.reason;
}
