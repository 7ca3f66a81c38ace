// Backend events → store updates. data-changed is the one reload path: it bumps the version so
// visible lists reload (the backend emits it after this device's own writes and after syncs).
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { api } from './api/commands';
import { EVENTS, type AppError, type SyncDigestEvent, type SyncProgressEvent } from './api/generated';
import { digestIsEmpty, digestSummary } from './logic/digest';
import { href } from './router';
import { shortId } from './logic/time';
import { dataChanged, getState, setState, showWarning, toast } from './store';

async function refreshNearby(): Promise<void> {
  try {
    setState({ nearby: await api.nearby() });
  } catch {
    /* discovery off or not ready: keep what we had */
  }
}

/** Who a sync was with, for people: the member whose device it is, else the address. */
async function peerLabel(p: SyncDigestEvent): Promise<string> {
  if (p.peer_name) return p.peer_name;
  try {
    const m = (await api.listMembers()).find((x) => x.device_ids.includes(p.peer));
    if (m) return m.display_name;
  } catch {
    /* the address still says where */
  }
  return p.address ?? getState().t('sync.device_n', { id: shortId(p.peer) });
}

export async function startEvents(): Promise<UnlistenFn[]> {
  const subs = await Promise.allSettled([
    listen(EVENTS.dataChanged, () => dataChanged()),
    listen<SyncProgressEvent>(EVENTS.syncProgress, (e) => {
      const p = e.payload;
      setState({ progress: p, syncing: p.phase === 'connecting' || p.phase === 'syncing' });
    }),
    listen<SyncDigestEvent>(EVENTS.syncDigest, async (e) => {
      const p = e.payload;
      const initiatedHere = getState().ownSync;
      const from = await peerLabel(p);
      setState({ digest: { digest: p.digest, from, at: new Date().toISOString() } });
      // A sync another device started: say what it brought (our own syncs show it on the Sync screen).
      if (!initiatedHere && !digestIsEmpty(p.digest)) {
        const { t } = getState();
        toast({ text: t('digest.toast', { from, summary: digestSummary(p.digest, t) }), link: { href: href.sync(), text: t('digest.toast_link') } });
      }
    }),
    listen<AppError>(EVENTS.warning, (e) => showWarning(e.payload)),
    listen(EVENTS.peerFound, () => void refreshNearby()),
    listen(EVENTS.peerLost, () => void refreshNearby()),
    listen(EVENTS.conflictAppeared, () => {
      const { t } = getState();
      // During a sync started here the digest on the Sync screen already links to the inbox.
      if (getState().status?.me?.role === 'organizer' && !getState().ownSync) {
        toast({ text: t('conflicts.appeared'), link: { href: href.conflicts(), text: t('conflicts.open_inbox') } });
      }
    }),
  ]);
  void refreshNearby();
  return subs.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}
