import { describe, expect, it } from 'vitest';
import type { ConflictKind } from '../api/generated';
import { canResolve, initialKeep, keepRule, toggleKeep } from './conflicts';

const edit: ConflictKind = { type: 'concurrent_edit' };
const over: ConflictKind = { type: 'over_assigned', volunteers_needed: 2 };
const cap: ConflictKind = { type: 'over_capacity', capacity: 1 };

describe('how many sides may be kept', () => {
  it('one-of kinds keep exactly one', () => {
    for (const kind of [edit, { type: 'done_versus_cancelled' }, { type: 'hours_logged_twice' }] as ConflictKind[]) {
      expect(keepRule(kind)).toEqual({ multi: false, min: 1, max: 1 });
      expect(canResolve(kind, [], 2)).toBe(false);
      expect(canResolve(kind, [1], 2)).toBe(true);
      expect(canResolve(kind, [0, 1], 2)).toBe(false);
    }
  });

  it('too-many kinds keep up to the limit', () => {
    expect(keepRule(over)).toEqual({ multi: true, min: 0, max: 2 });
    expect(keepRule(cap)).toEqual({ multi: true, min: 0, max: 1 });
    expect(canResolve(over, [0, 2], 3)).toBe(true);
    expect(canResolve(over, [0, 1, 2], 3)).toBe(false);
    expect(canResolve(over, [], 3)).toBe(true);
    expect(canResolve(cap, [0, 1], 2)).toBe(false);
  });

  it('rejects duplicates and sides that do not exist', () => {
    expect(canResolve(over, [1, 1], 3)).toBe(false);
    expect(canResolve(edit, [2], 2)).toBe(false);
  });

  it('radios replace, checkboxes toggle up to the limit', () => {
    expect(toggleKeep(edit, [0], 1)).toEqual([1]);
    expect(toggleKeep(over, [0], 2)).toEqual([0, 2]);
    expect(toggleKeep(over, [0, 2], 1)).toEqual([0, 2]);
    expect(toggleKeep(over, [0, 2], 0)).toEqual([2]);
  });

  it('starts with nothing for one-of, the first sides up to the limit otherwise', () => {
    expect(initialKeep(edit, 2)).toEqual([]);
    expect(initialKeep(over, 3)).toEqual([0, 1]);
    expect(initialKeep(cap, 3)).toEqual([0]);
  });
});
