// The app's shared state: status, language, a data version that screens reload on, tab counts,
// toasts, the error banner and the latest sync progress/digest. Screens keep their own lists.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api/commands';
import type { Digest, Invite, Nearby, Status, SyncProgressEvent } from './api/types';
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
}

export interface DigestShown { digest: Digest; from: string | null; at: string }

export interface AppState {
  status: Status | null;
  statusError: string | null;
  lang: Lang;
  t: Translator;
  /** Bumped after every data change (own actions and events): screens reload when it moves. */
  version: number;
  conflicts: number;
  proposedForMe: number;
  hoursPending: number;
  toasts: Toast[];
  banner: string | null;
  progress: SyncProgressEvent | null;
  syncing: boolean;
  /** A sync this device started (its digest shows on the Sync screen, not as a toast). */
  ownSync: boolean;
  digest: DigestShown | null;
  nearby: Nearby[];
  invite: Invite | null;
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
  const [conflicts, mine, hours] = await Promise.all([
    isOrganizer() ? api.listConflicts().then((c) => c.length).catch(() => state.conflicts) : Promise.resolve(0),
    api.myAssignments().then((a) => a.filter((x) => x.status === 'proposed').length).catch(() => state.proposedForMe),
    api.hoursToConfirm().then((h) => h.length).catch(() => state.hoursPending),
  ]);
  setState({ conflicts, proposedForMe: mine, hoursPending: hours });
}

let refreshQueued = false;
/** Marks the data as changed: visible screens reload, status and counts refresh. Coalesces bursts. */
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
 * Undo, which sets the status before it back. `text` words a status for the toast. */
export async function changeStatus<C extends Undoable>(
  change: C,
  apply: (status: C['to']) => Promise<unknown>,
  text: (status: C['to']) => string,
): Promise<void> {
  if ((await run(() => apply(change.to))) === undefined) return;
  dataChanged();
  const back = undoStatus(change);
  toast({
    text: text(change.to),
    undo: offersUndo(change) && back ? async () => {
      await apply(back);
      dataChanged();
      toast({ text: getState().t('need.status_restored', { status: text(back) }) });
    } : undefined,
  });
}
