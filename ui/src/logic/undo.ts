// Which status changes a screen offers, which get an Undo, and what Undo sets back. Which status may
// follow which is the core's rule (`may_become`), read from the generated contract; this file only
// chooses, among the moves the core allows, the ones a person is offered.
import {
  ASSIGNMENT_STATUS_MAY_BECOME, NEED_STATUS_MAY_BECOME, type AssignmentStatus, type NeedStatus, type OfferStatus,
} from '../api/generated';
import { isActiveNeed } from './time';

export type Undoable =
  | { kind: 'need'; from: NeedStatus; to: NeedStatus }
  | { kind: 'offer'; from: OfferStatus; to: OfferStatus }
  | { kind: 'assignment'; from: AssignmentStatus; to: AssignmentStatus };

const DESTRUCTIVE = {
  need: ['cancelled', 'done', 'referred'] as NeedStatus[],
  offer: ['withdrawn'] as OfferStatus[],
  assignment: ['declined', 'cancelled'] as AssignmentStatus[],
};

/** Whether the core lets a record move from `from` to `to`. Offers may move between any statuses. */
function mayBecome(change: Undoable): boolean {
  switch (change.kind) {
    case 'need': return NEED_STATUS_MAY_BECOME[change.from].includes(change.to);
    case 'assignment': return ASSIGNMENT_STATUS_MAY_BECOME[change.from].includes(change.to);
    case 'offer': return true;
  }
}

/** The status Undo writes: the one before the change, if the core lets the record go back to it.
 * (Going back can still be refused, e.g. when the need filled up meanwhile: the core checks.) */
export function undoStatus<T extends Undoable>(change: T): T['from'] | null {
  if (change.from === change.to) return null;
  const back = { ...change, from: change.to, to: change.from } as Undoable;
  return mayBecome(back) ? change.from : null;
}

/** True when a change is hard to see coming back from, and can be undone, so the toast offers Undo. */
export function offersUndo(change: Undoable): boolean {
  return (DESTRUCTIVE[change.kind] as string[]).includes(change.to) && undoStatus(change) !== null;
}

/** The status actions shown for a need: close it (done, cancelled, referred: expiring is the
 * privacy rules' job), or reopen a closed one. The core sets open, matched or in progress from the
 * need's assignments, so reopening is offered as `open`. */
export function needActions(status: NeedStatus): NeedStatus[] {
  const offered: NeedStatus[] = isActiveNeed(status) ? ['done', 'cancelled', 'referred'] : ['open'];
  return offered.filter((to) => NEED_STATUS_MAY_BECOME[status].includes(to));
}

export type AssignmentAction = 'accepted' | 'declined' | 'done';

/** What the volunteer can do with an assignment that is still to be done. */
export function assignmentActions(status: AssignmentStatus): AssignmentAction[] {
  const offered: AssignmentAction[] = status === 'proposed' ? ['accepted', 'declined'] : status === 'accepted' ? ['done', 'declined'] : [];
  return offered.filter((to) => ASSIGNMENT_STATUS_MAY_BECOME[status].includes(to));
}

export type OfferAction = 'paused' | 'active' | 'withdrawn';
export function offerActions(status: OfferStatus): OfferAction[] {
  switch (status) {
    case 'active': return ['paused', 'withdrawn'];
    case 'paused': return ['active', 'withdrawn'];
    default: return ['active'];
  }
}
