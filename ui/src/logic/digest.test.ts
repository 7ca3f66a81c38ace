import { describe, expect, it } from 'vitest';
import type { Conflict, Digest } from '../api/generated';
import { createTranslator } from '../i18n/core';
import { digestIsEmpty, digestParts, digestSummary } from './digest';

const zero = { new: 0, updated: 0 };
const progress = { frames_sent: 0, frames_received: 0, bytes_sent: 0, bytes_received: 0, changes_received: 0, changes_in_last_message: 0 };
const conflict = { id: 'c', kind: { type: 'concurrent_edit' }, collection: 'needs', record: 'n', label: 'x', field: 'title', sides: [] } as Conflict;
function digest(p: Partial<Digest>): Digest {
  return { needs: zero, offers: zero, assignments: zero, members: zero, hours: zero, group_changed: false, renewed: false, conflicts: [], progress, ...p };
}

describe('digest summary', () => {
  it('says nothing new', () => {
    const d = digest({});
    expect(digestIsEmpty(d)).toBe(true);
    expect(digestSummary(d, createTranslator('en'))).toBe('Nothing new — you were already up to date.');
    expect(digestSummary(d, createTranslator('es'))).toBe('Nada nuevo: ya lo tenías todo al día.');
  });

  it('lists counts with plurals and conflicts last', () => {
    const d = digest({ needs: { new: 2, updated: 0 }, offers: { new: 0, updated: 1 }, conflicts: [conflict] });
    expect(digestParts(d).map((p) => p.key)).toEqual(['digest.needs_new', 'digest.offers_updated', 'digest.conflicts']);
    expect(digestSummary(d, createTranslator('en'))).toBe('2 new needs, 1 updated offer, and 1 conflict to decide');
    expect(digestSummary(d, createTranslator('es'))).toBe('2 necesidades nuevas, 1 oferta actualizada y 1 conflicto por resolver');
  });

  it('joins two parts with "and"', () => {
    const d = digest({ members: { new: 1, updated: 0 }, hours: { new: 3, updated: 0 } });
    expect(digestSummary(d, createTranslator('en'))).toBe('1 new member and 3 new hours entries');
  });

  it('mentions group changes', () => {
    const d = digest({ group_changed: true });
    expect(digestSummary(d, createTranslator('en'))).toBe('group settings changed');
  });
});
