// The app's shared state: status, language, a data version that screens reload on, tab counts,
// toasts, the error banner and the latest sync progress/digest. Screens keep their own lists.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api/commands';
import type { AppError, Digest, InviteView, Nearby, Status, SyncProgressEvent } from './api/generated';
import { createTranslator, initialLang, saveLang, type Lang, type Translator } from './i18n';
import { offersUndo, undoStatus, type Undoable } from './logic/undo';
import { describeError } from './logic/words';

export interface Toast {
  id: number;
  text: string;
  undo?: () => Promise<unknown>;
  /** A link shown in the toast, e.g. to the conflicts inbox. */
  link?: { href: string; text: string };
  error?: boolean;
  /** Something went wrong after a change was saved: the change stands. */
  warning?: boolean;
}

export interface DigestShown { digest: Digest; from: string | null; at: string }

export interface AppState {
  status: Status | null;
  statusError: string | null;
  lang: Lang;
  t: Translator;
  /** Bumped on every backend data-changed event (own actions and syncs alike): screens reload when it moves. */
  version: number;
  conflicts: number;
  proposedForMe: number;
  hoursPending: number;
  /** What waits in the device's other groups (for the header's badge). */
  otherGroups: { unread: number; conflicts: number };
  toasts: Toast[];
  banner: string | null;
  progress: SyncProgressEvent | null;
  syncing: boolean;
  /** A sync this device started (its digest shows on the Sync screen, not as a toast). */
  ownSync: boolean;
  digest: DigestShown | null;
  nearby: Nearby[];
  invite: InviteView | null;
}

const lang0 = initialLang();
let state: AppState = {
  status: null,
  statusError: null,
  lang: lang0,
  t: createTranslator(lang0),
  version: 0,
  conflicts: 0,
  proposedForMe: 0,
  hoursPending: 0,
  otherGroups: { unread: 0, conflicts: 0 },
  toasts: [],
  banner: null,
  progress: null,
  syncing: false,
  ownSync: false,
  digest: null,
  nearby: [],
  invite: null,
};
const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

export function useApp(): AppState {
  const [, force] = useState(0);
  const seen = state;
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    // The state may have changed between this render and the subscription.
    if (state !== seen) l();
    return () => {
      listeners.delete(l);
    };
  }, []);
  return state;
}

export function setLang(lang: Lang): void {
  saveLang(lang);
  setState({ lang, t: createTranslator(lang) });
}

// ---------- toasts and banner ----------

let nextToast = 1;
const TOAST_MS = 8000;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export function toast(t: Omit<Toast, 'id'>): number {
  const id = nextToast++;
  // Keep at most three on screen: the newest matter most.
  setState({ toasts: [...state.toasts.slice(-1), { ...t, id }] });
  timers.set(id, setTimeout(() => dismissToast(id), TOAST_MS));
  return id;
}

export function dismissToast(id: number): void {
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  timers.delete(id);
  setState({ toasts: state.toasts.filter((x) => x.id !== id) });
}

/** Keeps a toast up while the pointer or focus is on it. */
export function holdToast(id: number, hold: boolean): void {
  const timer = timers.get(id);
  if (timer) clearTimeout(timer);
  if (!hold) timers.set(id, setTimeout(() => dismissToast(id), TOAST_MS));
}

export function showBanner(text: string | null): void {
  setState({ banner: text });
}

/** Shows a command's error in the banner (translated by code). */
export function showError(e: unknown): void {
  showBanner(describeError(e, state.t).text);
}

// ---------- data ----------

export async function loadStatus(): Promise<Status | null> {
  try {
    const status = await api.status();
    setState({ status, statusError: null });
    return status;
  } catch (e) {
    setState({ statusError: describeError(e, state.t).text });
    return null;
  }
}

export function isOrganizer(s: AppState = state): boolean {
  return s.status?.me?.role === 'organizer';
}

/** Reloads the tab counts: conflicts (organizers), proposals waiting for me, hours to confirm. */
export async function refreshCounts(): Promise<void> {
  if (state.status?.state !== 'ready') return;
  const [conflicts, mine, hours, otherGroups] = await Promise.all([
    isOrganizer() ? api.listConflicts().then((c) => c.length).catch(() => state.conflicts) : Promise.resolve(0),
    api.myAssignments().then((a) => a.filter((x) => x.status === 'proposed').length).catch(() => state.proposedForMe),
    api.hoursToConfirm().then((h) => h.length).catch(() => state.hoursPending),
    api.listGroups().then((groups) => {
      const others = groups.filter((g) => !g.current);
      return { unread: others.reduce((n, g) => n + g.unread, 0), conflicts: others.reduce((n, g) => n + g.conflicts, 0) };
    }).catch(() => state.otherGroups),
  ]);
  setState({ conflicts, proposedForMe: mine, hoursPending: hours, otherGroups });
}

let refreshQueued = false;
/** The backend's data-changed event, the one reload path: visible screens reload, status and counts
 * refresh. Commands never call it themselves (the backend emits it after every write). Coalesces bursts. */
export function dataChanged(): void {
  setState({ version: state.version + 1 });
  if (refreshQueued) return;
  refreshQueued = true;
  setTimeout(() => {
    refreshQueued = false;
    void loadStatus().then(() => refreshCounts());
  }, 50);
}

/** Runs a command; on failure shows the banner and resolves to undefined. */
export async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    const out = await fn();
    showBanner(null);
    return out;
  } catch (e) {
    showError(e);
    return undefined;
  }
}

/** Moves a record to `change.to`, and says so in a toast; a change hard to come back from gets
 * Undo, which sets the status before it back. The core checks the undo like any change (the need
 * may have filled up meanwhile): a refusal shows as an error toast saying why. `text` words a
 * status for the toast. */
export async function changeStatus<C extends Undoable>(
  change: C,
  apply: (status: C['to']) => Promise<unknown>,
  text: (status: C['to']) => string,
): Promise<void> {
  if ((await run(() => apply(change.to))) === undefined) return;
  const back = undoStatus(change);
  toast({
    text: text(change.to),
    undo: offersUndo(change) && back ? async () => {
      const { t } = getState();
      try {
        await apply(back);
        toast({ text: t('need.status_restored', { status: text(back) }) });
      } catch (e) {
        toast({ text: t('undo.refused', { reason: describeError(e, t).text }), error: true });
      }
    } : undefined,
  });
}

/** A warning event: a change was saved, then something failed; the change stands. */
export function showWarning(e: AppError): void {
  toast({ text: describeError(e, state.t).text, warning: true });
}
