// Pieces of the Sync screen that first run ("waiting") reuses: connect by address, progress,
// the "what changed" digest, bundle export/import and the invite panel.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Digest } from '../api/generated';
import { digestSummary } from '../logic/digest';
import { describeError } from '../logic/words';
import { href } from '../router';
import { getState, isOrganizer, setState, showBanner, toast, useApp } from '../store';
import { Icon } from './Icon';
import { fieldAria, FieldError } from './ui';

const ADDRESS_KEY = 'aidmesh.lastAddress';

function lastAddress(): string {
  try {
    return localStorage.getItem(ADDRESS_KEY) ?? '';
  } catch {
    return '';
  }
}

/** "host:port", "[::1]:7370" — a loose check; the backend has the last word. */
export function looksLikeAddress(s: string): boolean {
  return /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/i.test(s.trim());
}

/** Lists and the status reload on the backend's data-changed, which follows any change. */
function afterDigest(digest: Digest, from: string | null): void {
  setState({ digest: { digest, from, at: new Date().toISOString() } });
}

/** Syncs with "host:port", feeding the progress bar and the digest. Returns the error, if any. */
export async function syncNow(a: string): Promise<ReturnType<typeof describeError> | null> {
  if (getState().syncing) return null;
  try {
    localStorage.setItem(ADDRESS_KEY, a);
  } catch {
    /* ignore */
  }
  setState({ syncing: true, ownSync: true, progress: { address: a, peer: null, phase: 'connecting', progress: emptyProgress(), message: null } });
  try {
    const digest = await api.syncWith(a);
    const prev = getState().progress;
    setState({ syncing: false, ownSync: false, progress: { address: a, peer: prev?.peer ?? null, message: null, phase: 'done', progress: digest.progress } });
    showBanner(null);
    afterDigest(digest, a);
    return null;
  } catch (err) {
    const shown = describeError(err, getState().t);
    setState({ syncing: false, ownSync: false, progress: { address: a, peer: null, phase: 'failed', progress: getState().progress?.progress ?? emptyProgress(), message: shown.text } });
    if (shown.field !== 'address') showBanner(shown.text);
    return shown;
  }
}

export function ConnectForm(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [address, setAddress] = useState(lastAddress);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const a = address.trim();
    if (!looksLikeAddress(a)) {
      setError(t('sync.address_invalid'));
      document.getElementById('sync-address')?.focus();
      return;
    }
    setError(null);
    const shown = await syncNow(a);
    if (shown?.field === 'address') setError(shown.text);
  };
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('sync.connect_title')}</h2>
      <div class={`field${error ? ' has-error' : ''}`}>
        <label for="sync-address">{t('sync.address_label')}</label>
        <p class="hint" id="sync-address-hint">
          {t('sync.address_hint')}
        </p>
        <div class="input-row">
          <input
            {...fieldAria('sync-address', error, t('sync.address_hint'))}
            data-testid="sync-address"
            type="text"
            inputMode="url"
            autoComplete="off"
            autoCapitalize="off"
            spellcheck={false}
            placeholder="192.168.1.20:7370"
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
          />
          <button type="submit" class="btn btn-primary" data-testid="sync-connect" disabled={app.syncing}>
            <Icon name="sync" size={20} />
            {app.syncing ? t('sync.syncing') : t('sync.connect')}
          </button>
        </div>
        <FieldError id="sync-address" error={error} testid="error-address" />
      </div>
      <SyncProgressView />
    </form>
  );
}

export function emptyProgress() {
  return { frames_sent: 0, frames_received: 0, bytes_sent: 0, bytes_received: 0, changes_received: 0, changes_in_last_message: 0 };
}

function bytesText(n: number, t: ReturnType<typeof useApp>['t']): string {
  if (n < 1024) return t('units.bytes', { count: n });
  if (n < 1024 * 1024) return t('units.kb', { n: t.number(n / 1024, { maximumFractionDigits: 1 }) });
  return t('units.mb', { n: t.number(n / 1024 / 1024, { maximumFractionDigits: 1 }) });
}

const PHASE_STEP = { connecting: 1, syncing: 2, done: 3, failed: 3 } as const;

export function SyncProgressView(): JSX.Element | null {
  const app = useApp();
  const { t } = app;
  const p = app.progress;
  if (!p) return null;
  const bytes = p.progress.bytes_received + p.progress.bytes_sent;
  const detail = t('sync.progress_detail', { count: p.progress.changes_received, bytes: bytesText(bytes, t) });
  const phaseText = p.phase === 'failed' ? (p.message ?? t('sync.phase.failed')) : t(`sync.phase.${p.phase}`, { address: p.address ?? '' });
  const text = p.phase === 'connecting' ? phaseText : `${phaseText} ${detail}`;
  return (
    <div class={`sync-progress phase-${p.phase}`}>
      <progress data-testid="sync-progress" max={3} value={PHASE_STEP[p.phase]} aria-label={t('sync.progress_label')} aria-valuetext={text} />
      <p class="progress-text" aria-live="polite" aria-atomic="true">
        {text}
      </p>
    </div>
  );
}

export function DigestView({ digest, from, at }: { digest: Digest; from: string | null; at?: string }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const conflicts = digest.conflicts?.length ?? 0;
  return (
    <section class="card digest" data-testid="sync-digest" aria-labelledby="digest-title">
      <h2 id="digest-title">{t('digest.title')}</h2>
      {from ? (
        <p class="muted">
          {t('digest.from', { from })}
          {at ? ` · ${t.relative(at)}` : ''}
        </p>
      ) : null}
      <p class="digest-summary">{digestSummary(digest, t)}</p>
      {conflicts > 0 && isOrganizer(app) ? (
        <a class="btn btn-secondary" href={href.conflicts()}>
          <Icon name="conflict" size={20} />
          {t('digest.review_conflicts', { count: conflicts })}
        </a>
      ) : conflicts > 0 ? (
        <p class="muted">{t('digest.conflicts_for_organizers')}</p>
      ) : null}
    </section>
  );
}

export function LastDigest(): JSX.Element | null {
  const app = useApp();
  if (!app.digest) return null;
  return <DigestView digest={app.digest.digest} from={app.digest.from} at={app.digest.at} />;
}

export function BundleControls({ exportable = true }: { exportable?: boolean }): JSX.Element {
  const { t } = useApp();
  const [exported, setExported] = useState<{ path: string; bytes: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const doExport = async () => {
    setBusy(true);
    try {
      const out = await api.exportBundle();
      setExported(out);
      showBanner(null);
      toast({ text: t('bundle.exported_toast') });
    } catch (e) {
      showBanner(describeError(e, getState().t).text);
    } finally {
      setBusy(false);
    }
  };
  const doImport = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    try {
      const buf = await file.arrayBuffer();
      const digest = await api.importBundle(Array.from(new Uint8Array(buf)));
      showBanner(null);
      afterDigest(digest, file.name);
      toast({ text: t('bundle.imported_toast') });
    } catch (e) {
      showBanner(describeError(e, getState().t).text);
    } finally {
      input.value = '';
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="bundle-title">
      <h2 id="bundle-title">{t('bundle.title')}</h2>
      <p class="muted">{t('bundle.explain')}</p>
      <div class="stack">
        {exportable ? (
          <button type="button" class="btn btn-secondary" data-testid="bundle-export" onClick={() => void doExport()} disabled={busy}>
            <Icon name="download" size={20} />
            {t('bundle.export')}
          </button>
        ) : null}
        {exported ? (
          <p class="notice notice-ok" role="status">
            {t('bundle.exported', { path: exported.path, size: bytesText(exported.bytes, t) })}
          </p>
        ) : null}
        <div class="file-field">
          <label for="bundle-import" class="btn btn-secondary file-label">
            <Icon name="upload" size={20} />
            {t('bundle.import')}
          </label>
          <input
            id="bundle-import"
            class="file-input"
            data-testid="bundle-import"
            type="file"
            disabled={busy}
            onChange={(e) => void doImport(e.currentTarget)}
          />
        </div>
      </div>
    </section>
  );
}

export function InvitePanel(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const invite = app.invite;
  const show = async () => {
    setBusy(true);
    try {
      setState({ invite: await api.invite(null) });
      showBanner(null);
    } catch (e) {
      showBanner(describeError(e, getState().t).text);
    } finally {
      setBusy(false);
    }
  };
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 3000);
    } catch {
      /* no clipboard: the text field can be selected by hand */
    }
  };
  return (
    <section class="card" aria-labelledby="invite-title">
      <h2 id="invite-title">{t('invite.title')}</h2>
      {!invite ? (
        <>
          <p class="muted">{t('invite.explain')}</p>
          <button type="button" class="btn btn-secondary" data-testid="invite-show" onClick={() => void show()} disabled={busy}>
            <Icon name="qr" size={20} />
            {t('invite.show')}
          </button>
        </>
      ) : (
        <div class="invite">
          <p class="notice notice-warn">
            <Icon name="lock" size={18} />
            <span>{t('invite.warning')}</span>
          </p>
          <div class="invite-qr" data-testid="invite-qr" role="img" aria-label={t('invite.qr_label')} dangerouslySetInnerHTML={{ __html: invite.qr_svg }} />
          <p class="label-like">{t('invite.code_label')}</p>
          <p class="invite-code" data-testid="invite-code">
            {invite.code}
          </p>
          <div class="field">
            <label for="invite-link">{t('invite.link_label')}</label>
            <div class="input-row">
              <input id="invite-link" type="text" readOnly value={invite.link} onFocus={(e) => e.currentTarget.select()} />
              <button type="button" class="btn btn-secondary" onClick={() => void copy(invite.link)}>
                {copied ? t('invite.copied') : t('invite.copy')}
              </button>
            </div>
          </div>
          <button type="button" class="btn btn-ghost" onClick={() => setState({ invite: null })}>
            {t('invite.hide')}
          </button>
        </div>
      )}
    </section>
  );
}
