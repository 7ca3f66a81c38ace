// The "what changed" summary after a sync or a bundle import.
import type { Digest } from '../api/generated';
import type { MessageKey, Translator } from '../i18n/core';

export interface DigestPart { key: MessageKey; count: number }

const PARTS: [keyof Pick<Digest, 'needs' | 'offers' | 'assignments' | 'members' | 'hours'>, MessageKey, MessageKey][] = [
  ['needs', 'digest.needs_new', 'digest.needs_updated'],
  ['offers', 'digest.offers_new', 'digest.offers_updated'],
  ['assignments', 'digest.assignments_new', 'digest.assignments_updated'],
  ['members', 'digest.members_new', 'digest.members_updated'],
  ['hours', 'digest.hours_new', 'digest.hours_updated'],
];

/** The non-zero counts of a digest, in a fixed order; conflicts last. */
export function digestParts(d: Digest): DigestPart[] {
  const parts: DigestPart[] = [];
  for (const [name, newKey, updatedKey] of PARTS) {
    const c = d[name];
    if (c?.new) parts.push({ key: newKey, count: c.new });
    if (c?.updated) parts.push({ key: updatedKey, count: c.updated });
  }
  if (d.renewed) parts.push({ key: 'digest.renewed', count: 1 });
  if (d.group_changed) parts.push({ key: 'digest.group_changed', count: 1 });
  if (d.conflicts?.length) parts.push({ key: 'digest.conflicts', count: d.conflicts.length });
  return parts;
}

export function digestIsEmpty(d: Digest): boolean {
  return digestParts(d).length === 0;
}

/** "2 new needs, 1 updated offer and 1 conflict to decide", or "Nothing new". */
export function digestSummary(d: Digest, t: Translator): string {
  const parts = digestParts(d);
  if (parts.length === 0) return t('digest.nothing');
  return t.list(parts.map((p) => t(p.key, { count: p.count })));
}
