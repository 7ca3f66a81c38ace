import { describe, expect, it } from 'vitest';
import { ASSIGNMENT_STATUSES, ASSIGNMENT_STATUS_MAY_BECOME, NEED_STATUSES, NEED_STATUS_MAY_BECOME } from '../api/generated';
import { assignmentActions, needActions, offerActions, offersUndo, undoStatus } from './undo';

describe('undo', () => {
  it('offers undo for destructive changes only', () => {
    expect(offersUndo({ kind: 'need', from: 'open', to: 'cancelled' })).toBe(true);
    expect(offersUndo({ kind: 'need', from: 'in_progress', to: 'done' })).toBe(true);
    expect(offersUndo({ kind: 'need', from: 'cancelled', to: 'open' })).toBe(false);
    expect(offersUndo({ kind: 'offer', from: 'active', to: 'withdrawn' })).toBe(true);
    expect(offersUndo({ kind: 'offer', from: 'active', to: 'paused' })).toBe(false);
    expect(offersUndo({ kind: 'assignment', from: 'proposed', to: 'declined' })).toBe(true);
    expect(offersUndo({ kind: 'assignment', from: 'proposed', to: 'accepted' })).toBe(false);
    expect(offersUndo({ kind: 'need', from: 'cancelled', to: 'cancelled' })).toBe(false);
  });

  it('sets back the status before the change', () => {
    expect(undoStatus({ kind: 'need', from: 'matched', to: 'cancelled' })).toBe('matched');
    expect(undoStatus({ kind: 'need', from: 'open', to: 'cancelled' })).toBe('open');
    expect(undoStatus({ kind: 'offer', from: 'paused', to: 'withdrawn' })).toBe('paused');
    expect(undoStatus({ kind: 'assignment', from: 'accepted', to: 'declined' })).toBe('accepted');
    expect(undoStatus({ kind: 'need', from: 'open', to: 'open' })).toBeNull();
  });

  it('never offers to go back where the core would refuse', () => {
    // Finished work is not proposed again: the core's table has no done → proposed.
    expect(undoStatus({ kind: 'assignment', from: 'proposed', to: 'done' })).toBeNull();
    for (const from of ASSIGNMENT_STATUSES) {
      for (const to of ASSIGNMENT_STATUS_MAY_BECOME[from]) {
        const back = undoStatus({ kind: 'assignment', from, to });
        if (back) expect(ASSIGNMENT_STATUS_MAY_BECOME[to], `${from} → ${to} → ${back}`).toContain(back);
      }
    }
    for (const from of NEED_STATUSES) {
      for (const to of NEED_STATUS_MAY_BECOME[from]) {
        const back = undoStatus({ kind: 'need', from, to });
        if (back) expect(NEED_STATUS_MAY_BECOME[to], `${from} → ${to} → ${back}`).toContain(back);
      }
    }
  });

  it('lists the actions for each status', () => {
    expect(needActions('open')).toEqual(['done', 'cancelled', 'referred']);
    expect(needActions('in_progress')).toEqual(['done', 'cancelled', 'referred']);
    expect(needActions('cancelled')).toEqual(['open']);
    expect(needActions('expired')).toEqual(['open']);
    expect(needActions('done')).toEqual(['open']);
    expect(assignmentActions('proposed')).toEqual(['accepted', 'declined']);
    expect(assignmentActions('accepted')).toEqual(['done', 'declined']);
    expect(assignmentActions('done')).toEqual([]);
    expect(offerActions('active')).toEqual(['paused', 'withdrawn']);
    expect(offerActions('paused')).toEqual(['active', 'withdrawn']);
  });

  it('offers only moves the core allows', () => {
    for (const from of NEED_STATUSES) {
      for (const to of needActions(from)) expect(NEED_STATUS_MAY_BECOME[from], `${from} → ${to}`).toContain(to);
    }
    for (const from of ASSIGNMENT_STATUSES) {
      for (const to of assignmentActions(from)) expect(ASSIGNMENT_STATUS_MAY_BECOME[from], `${from} → ${to}`).toContain(to);
    }
  });
});
