// How an organizer decides a conflict: how many sides may be kept, and how a side reads.
import type { Conflict, ConflictKind, Side } from '../api/generated';

export interface KeepRule {
  /** Radio buttons (pick exactly one) or checkboxes (pick up to `max`). */
  multi: boolean;
  min: number;
  max: number;
}

/** Mirrors crdt-core ConflictKind::keep_range. */
export function keepRule(kind: ConflictKind): KeepRule {
  switch (kind.type) {
    case 'over_assigned': return { multi: true, min: 0, max: kind.volunteers_needed };
    case 'over_capacity': return { multi: true, min: 0, max: kind.capacity };
    default: return { multi: false, min: 1, max: 1 };
  }
}

export function canResolve(kind: ConflictKind, keep: number[], sides: number): boolean {
  const r = keepRule(kind);
  const unique = new Set(keep);
  if (unique.size !== keep.length) return false;
  if ([...unique].some((i) => i < 0 || i >= sides)) return false;
  return keep.length >= r.min && keep.length <= r.max;
}

/** The selection after tapping side `i`: radios replace, checkboxes toggle (never past max). */
export function toggleKeep(kind: ConflictKind, keep: number[], i: number): number[] {
  const r = keepRule(kind);
  if (!r.multi) return [i];
  if (keep.includes(i)) return keep.filter((k) => k !== i);
  if (keep.length >= r.max) return keep;
  return [...keep, i].sort((a, b) => a - b);
}

/** The selection a conflict starts with: nothing for one-of, the first `max` sides for keep-up-to. */
export function initialKeep(kind: ConflictKind, sides: number): number[] {
  const r = keepRule(kind);
  if (!r.multi) return [];
  return Array.from({ length: Math.min(r.max, sides) }, (_, i) => i);
}

export function isAssignmentSide(side: Side): side is Side & { value: { volunteer_name?: string; status?: string } } {
  return typeof side.value === 'object' && side.value !== null && !Array.isArray(side.value);
}

/** Sorts conflicts so that the ones about the same record stay together. */
export function sortConflicts(list: Conflict[]): Conflict[] {
  return [...list].sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}
