// Renewing the group's record: which needs and offers an organizer can leave text out of, the
// list of purges the preview and the renewal are asked for, and the schedule.
import { PURGEABLE_FIELDS, type Collection, type NeedSummary, type OfferView, type Purge, type PurgedText } from '../api/generated';

/** A need or offer as the purge picker shows it. */
export interface PurgeRecord {
  collection: Collection;
  id: string;
  label: string;
}

/** Needs, then offers, with the text each is known by. */
export function purgeRecords(needs: NeedSummary[], offers: OfferView[]): PurgeRecord[] {
  return [
    ...needs.map((n) => ({ collection: 'needs' as const, id: n.id, label: n.title })),
    ...offers.map((o) => ({ collection: 'offers' as const, id: o.id, label: o.what })),
  ];
}

/** The records whose text holds `query` (any case), at most `limit`; none until something is typed. */
export function findRecords(records: PurgeRecord[], query: string, limit = 8): PurgeRecord[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return [];
  return records.filter((r) => r.label.toLocaleLowerCase().includes(q)).slice(0, limit);
}

/** The fields of a collection's records a renewal can leave out, in the contract's order. */
export function purgeableFields(collection: Collection): string[] {
  return PURGEABLE_FIELDS.filter((f) => f.collection === collection).map((f) => f.field);
}

/** `needs.title`: the key that words a purgeable field. */
export function fieldKey(p: { collection: Collection; field: string }): string {
  return `${p.collection}.${p.field}`;
}

export function samePurge(a: Purge, b: Purge): boolean {
  return a.collection === b.collection && a.record === b.record && a.field === b.field;
}

export function hasPurge(purges: Purge[], purge: Purge): boolean {
  return purges.some((p) => samePurge(p, purge));
}

/** `purges` without `purge` if it is there, else with it at the end. */
export function togglePurge(purges: Purge[], purge: Purge): Purge[] {
  return hasPurge(purges, purge) ? removePurge(purges, purge) : [...purges, purge];
}

export function removePurge(purges: Purge[], purge: Purge): Purge[] {
  return purges.filter((p) => !samePurge(p, purge));
}

/** The text a purge leaves out, as last read; undefined until it is. */
export function purgedText(purged: PurgedText[] | undefined, purge: Purge): string | undefined {
  return purged?.find((p) => samePurge(p.purge, purge))?.text;
}

/** The schedules offered: never (0), every 6, 12 or 24 months, and the group's own if another. */
export function scheduleChoices(current: number): number[] {
  const choices = [0, 6, 12, 24];
  return choices.includes(current) ? choices : [...choices, current].sort((a, b) => a - b);
}

/** Whether the schedule makes the record due for renewal at `now`. */
export function renewalDue(dueAt: string | null | undefined, now: Date): boolean {
  return !!dueAt && new Date(dueAt).getTime() <= now.getTime();
}
