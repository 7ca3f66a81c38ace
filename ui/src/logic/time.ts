// Waiting times and dates, as pure functions of an ISO time and "now".
import type { NeedStatus } from '../api/types';
import type { Translator } from '../i18n/core';

const DAY_MS = 24 * 3600 * 1000;

/** Whole days from `since` to `now` (never negative). */
export function daysSince(since: string, now: Date): number {
  const t = new Date(since).getTime();
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

/** Statuses in which a need is still waiting for help to be finished. */
export const ACTIVE_NEED_STATUSES: NeedStatus[] = ['open', 'matched', 'in_progress'];

export function isActiveNeed(status: NeedStatus): boolean {
  return ACTIVE_NEED_STATUSES.includes(status);
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

/** "2025-03-14" from a date input → the end of that local day as RFC 3339 (UTC). */
export function endOfLocalDay(dateInput: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateInput.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString();
}

/** Today's date as a date input writes it ("YYYY-MM-DD"), in local time. */
export function todayInput(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** Shortens an id for display: the last 8 characters. */
export function shortId(id: string | null | undefined): string {
  if (!id) return '';
  const clean = id.replace(/-/g, '');
  return clean.slice(-8);
}
