// Which status changes get an Undo, and what Undo sets back.
import type { AssignmentStatus, NeedStatus, OfferStatus } from '../api/types';

export type Undoable =
  | { kind: 'need'; from: NeedStatus; to: NeedStatus }
  | { kind: 'offer'; from: OfferStatus; to: OfferStatus }
  | { kind: 'assignment'; from: AssignmentStatus; to: AssignmentStatus };

const DESTRUCTIVE = {
  need: ['cancelled', 'done', 'referred'] as NeedStatus[],
  offer: ['withdrawn'] as OfferStatus[],
  assignment: ['declined', 'cancelled'] as AssignmentStatus[],
};

/** True when a change is hard to see coming back from, so the toast offers Undo. */
export function offersUndo(change: Undoable): boolean {
  if (change.from === change.to) return false;
  return (DESTRUCTIVE[change.kind] as string[]).includes(change.to);
}

/** The status Undo writes: the one before the change. null when there is nothing to undo. */
export function undoStatus<T extends Undoable>(change: T): T['from'] | null {
  return change.from === change.to ? null : change.from;
}

/** The status actions shown for a need in a given status. */
export function needActions(status: NeedStatus): NeedStatus[] {
  switch (status) {
    case 'open':
    case 'matched':
    case 'in_progress':
      return ['done', 'cancelled', 'referred'];
    default:
      return ['open'];
  }
}

export type AssignmentAction = 'accepted' | 'declined' | 'done';

/** What the volunteer can do with an assignment in a status. */
export function assignmentActions(status: AssignmentStatus): AssignmentAction[] {
  switch (status) {
    case 'proposed': return ['accepted', 'declined'];
    case 'accepted': return ['done', 'declined'];
    default: return [];
  }
}

export type OfferAction = 'paused' | 'active' | 'withdrawn';
export function offerActions(status: OfferStatus): OfferAction[] {
  switch (status) {
    case 'active': return ['paused', 'withdrawn'];
    case 'paused': return ['active', 'withdrawn'];
    default: return ['active'];
  }
}
