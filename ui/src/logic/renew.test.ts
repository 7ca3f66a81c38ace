import { describe, expect, it } from 'vitest';
import type { NeedSummary, OfferView, Purge } from '../api/generated';
import { fieldKey, findRecords, hasPurge, purgeableFields, purgedText, purgeRecords, removePurge, renewalDue, samePurge, scheduleChoices, togglePurge } from './renew';

const need = (id: string, title: string) => ({ id, title }) as NeedSummary;
const offer = (id: string, what: string) => ({ id, what }) as OfferView;
const title: Purge = { collection: 'needs', record: 'n1', field: 'title' };
const description: Purge = { collection: 'needs', record: 'n1', field: 'description' };

describe('renewal purges', () => {
  const records = purgeRecords([need('n1', 'Maria, 12 Elm St'), need('n2', 'Groceries')], [offer('o1', 'Call me at 555-0101')]);

  it('lists needs then offers by their text', () => {
    expect(records).toEqual([
      { collection: 'needs', id: 'n1', label: 'Maria, 12 Elm St' },
      { collection: 'needs', id: 'n2', label: 'Groceries' },
      { collection: 'offers', id: 'o1', label: 'Call me at 555-0101' },
    ]);
  });

  it('finds records by any part of their text, in any case, and none before anything is typed', () => {
    expect(findRecords(records, ' elm ').map((r) => r.id)).toEqual(['n1']);
    expect(findRecords(records, '555').map((r) => r.id)).toEqual(['o1']);
    expect(findRecords(records, '   ')).toEqual([]);
    expect(findRecords(records, 'e', 2)).toHaveLength(2);
  });

  it('offers the fields the contract says can be left out', () => {
    expect(purgeableFields('needs')).toEqual(['title', 'description']);
    expect(purgeableFields('offers')).toEqual(['what']);
    expect(purgeableFields('members')).toEqual([]);
    expect(fieldKey(title)).toBe('needs.title');
  });

  it('toggles a purge on at the end and off again, and removes one', () => {
    const both = togglePurge([title], description);
    expect(both).toEqual([title, description]);
    expect(hasPurge(both, { ...title })).toBe(true);
    expect(togglePurge(both, { ...title })).toEqual([description]);
    expect(removePurge(both, { ...description })).toEqual([title]);
    expect(samePurge(title, description)).toBe(false);
  });

  it('reads the text a purge leaves out from the preview, once it has it', () => {
    const purged = [{ purge: title, text: 'Maria, 12 Elm St' }];
    expect(purgedText(purged, { ...title })).toBe('Maria, 12 Elm St');
    expect(purgedText(purged, description)).toBeUndefined();
    expect(purgedText(undefined, title)).toBeUndefined();
  });
});

describe('renewal schedule', () => {
  it('offers the usual schedules and keeps a group\'s own', () => {
    expect(scheduleChoices(12)).toEqual([0, 6, 12, 24]);
    expect(scheduleChoices(3)).toEqual([0, 3, 6, 12, 24]);
  });

  it('is due once the time has come, never without a schedule', () => {
    const now = new Date('2027-12-03T10:00:00Z');
    expect(renewalDue('2027-12-03T09:59:00Z', now)).toBe(true);
    expect(renewalDue('2027-12-03T10:01:00Z', now)).toBe(false);
    expect(renewalDue(null, now)).toBe(false);
  });
});
