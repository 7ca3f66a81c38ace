// The needs list's filters: what the screen holds → what list_needs takes.
import { URGENCIES, type Category, type NeedFilterInput, type NeedStatus, type NeedSummary, type Urgency } from '../api/generated';
import { isActiveNeed } from './time';

/** 'active' = open, matched or in progress; 'all' = any status. */
export type StatusChoice = 'active' | 'all' | NeedStatus;

export interface NeedsFilterState {
  status: StatusChoice;
  category: Category | '';
  urgency: Urgency | '';
  area: string;
  search: string;
}

export const DEFAULT_NEEDS_FILTER: NeedsFilterState = { status: 'active', category: '', urgency: '', area: '', search: '' };

const blank = (s: string) => (s.trim() === '' ? null : s.trim());

export function toNeedFilter(s: NeedsFilterState): NeedFilterInput {
  return {
    status: s.status === 'active' || s.status === 'all' ? null : s.status,
    active_only: s.status === 'active',
    category: s.category || null,
    urgency: s.urgency || null,
    area: blank(s.area),
    search: blank(s.search),
  };
}

/** How many filters differ from the default (for a "2 filters" hint and a reset button). */
export function activeFilterCount(s: NeedsFilterState): number {
  let n = 0;
  if (s.status !== DEFAULT_NEEDS_FILTER.status) n++;
  if (s.category) n++;
  if (s.urgency) n++;
  if (s.area.trim()) n++;
  return n;
}

/** Active needs first, then the most urgent, then the longest waiting. */
export function sortNeeds(needs: NeedSummary[]): NeedSummary[] {
  const active = (n: NeedSummary) => (isActiveNeed(n.status) ? 0 : 1);
  return [...needs].sort(
    (a, b) =>
      active(a) - active(b) ||
      // The contract lists urgencies most urgent first, as the core orders them.
      URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency) ||
      a.created_at.localeCompare(b.created_at),
  );
}
