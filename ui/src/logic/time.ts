// Waiting times and dates, as pure functions of an ISO time and "now".
import { NEED_STATUSES_TAKING_ASSIGNMENTS, type NeedStatus } from '../api/generated';
import type { Translator } from '../i18n/core';

const DAY_MS = 24 * 3600 * 1000;

/** Whole days from `since` to `now` (never negative). */
export function daysSince(since: string, now: Date): number {
  const t = new Date(since).getTime();
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

/** Whether a need is still waiting for help to be finished: the core's `takes_assignments`. */
export function isActiveNeed(status: NeedStatus): boolean {
  return NEED_STATUSES_TAKING_ASSIGNMENTS.includes(status);
}

/** "waiting 3 days" for a need still waiting; "posted 2 weeks ago" once it is closed. */
export function waitingLabel(need: { status: NeedStatus; created_at: string }, now: Date, t: Translator): string {
  if (!isActiveNeed(need.status)) return t('time.posted', { when: t.relative(need.created_at, now) });
  const days = daysSince(need.created_at, now);
  if (days === 0) return t('time.waiting_today');
  if (days >= 14) return t('time.waiting_weeks', { count: Math.floor(days / 7) });
  return t('time.waiting_days', { count: days });
}

/** True when a need has been waiting long enough to stand out (a week, or 2 days if critical). */
export function isLongWait(need: { status: NeedStatus; created_at: string; urgency: string }, now: Date): boolean {
  if (!isActiveNeed(need.status)) return false;
  const days = daysSince(need.created_at, now);
  return days >= (need.urgency === 'critical' ? 2 : 7);
}

/** Whether a date input's value is a real calendar date ("2025-03-14"). The backend reads it
 * as the end of that day in the group's time zone. */
export function isDateInput(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Today's date as a date input writes it ("YYYY-MM-DD"), in local time. */
export function todayInput(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** An id as lists show it, as the core's `short_id` does: its last 8 hex digits, which are random
 * (a uuid v7 starts with the time, so records made in the same minute would look alike). */
export function shortId(id: string | null | undefined): string {
  if (!id) return '';
  return id.replace(/-/g, '').toLowerCase().slice(-8);
}
