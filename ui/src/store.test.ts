import { describe, expect, it } from 'vitest';
import type { AppError } from './api/generated';
import { changeStatus, getState } from './store';

const needFull: AppError = { kind: 'validation', code: 'need_full', field: null, message: 'this need already has the 1 volunteer(s) it asked for', params: { count: 1 } };

describe('status changes', () => {
  it('shows why the core refused an undo', async () => {
    const applied: string[] = [];
    const apply = async (status: string) => {
      applied.push(status);
      // The decline goes through; going back is refused: someone else took the place meanwhile.
      if (status === 'accepted') throw needFull;
      return { status };
    };
    await changeStatus({ kind: 'assignment', from: 'accepted', to: 'declined' }, apply, (s) => s);
    const undo = getState().toasts.at(-1)?.undo;
    expect(undo).toBeDefined();
    await undo?.();
    expect(applied).toEqual(['declined', 'accepted']);
    const shown = getState().toasts.at(-1);
    expect(shown?.error).toBe(true);
    expect(shown?.text).toMatch(/^Couldn’t undo: .*all the volunteers it asked for/);
  });
});
