import type { JSX } from 'preact';
import { api } from '../api/commands';
import { Icon } from '../components/Icon';
import { BundleControls, ConnectForm, InvitePanel, LastDigest, syncNow } from '../components/SyncControls';
import { LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import { shortId } from '../logic/time';
import { setState, useApp } from '../store';

export function SyncScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const s = app.status;
  const peers = useLoad(() => api.peers(), []);
  const fill = (address: string) => void syncNow(address);
  return (
    <div class="screen">
      <ScreenTitle sub={t('sync.explain')}>{t('sync.title')}</ScreenTitle>

      <section class="card device" aria-labelledby="device-title">
        <h2 id="device-title">{t('sync.this_device')}</h2>
        <dl class="facts">
          <div class="fact">
            <dt>{t('sync.listening')}</dt>
            <dd data-testid="sync-listening">{s?.listening ?? t('sync.not_listening')}</dd>
          </div>
          <div class="fact">
            <dt>{t('sync.device_id')}</dt>
            <dd>
              <code title={s?.device_id ?? ''}>{shortId(s?.device_id)}</code>
            </dd>
          </div>
          <div class="fact">
            <dt>{t('sync.discovery')}</dt>
            <dd>{t(`sync.discovery_mode.${s?.discovery ?? 'off'}`)}</dd>
          </div>
        </dl>
      </section>

      <ConnectForm />
      <LastDigest />

      <section class="section" aria-labelledby="nearby-title">
        <h2 id="nearby-title">{t('sync.nearby')}</h2>
        {app.nearby.length === 0 ? (
          <p class="muted">{s?.discovery === 'off' ? t('sync.nearby_off') : t('sync.nearby_none')}</p>
        ) : (
          <ul class="list compact" aria-live="polite">
            {app.nearby.map((n) => (
              <li key={n.address} class="item row-item" data-testid="peer-item" data-address={n.address}>
                <Icon name="device" size={22} />
                <div class="grow">
                  <p class="item-title-sm">{n.address}</p>
                  <p class="muted small">{t('sync.seen', { when: t.relative(n.seen_at) })}</p>
                </div>
                <button type="button" class="btn btn-secondary btn-small" disabled={app.syncing} onClick={() => fill(n.address)} aria-label={t('sync.use_address', { address: n.address })}>
                  {t('sync.use')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <button type="button" class="btn btn-ghost btn-small" onClick={() => void api.nearby().then((nearby) => setState({ nearby }), () => undefined)}>
          <Icon name="sync" size={16} />
          {t('sync.refresh_nearby')}
        </button>
      </section>

      <section class="section" aria-labelledby="peers-title">
        <h2 id="peers-title">{t('sync.peers')}</h2>
        {peers.error ? <LoadError error={peers.error} retry={peers.reload} /> : null}
        {!peers.data && peers.loading ? <Loading /> : null}
        {peers.data ? (
          peers.data.length === 0 ? (
            <p class="muted">{t('sync.peers_none')}</p>
          ) : (
            <ul class="list compact">
              {peers.data.map((p) => (
                <li key={p.device} class="item row-item" data-testid="synced-peer">
                  <Icon name="device" size={22} />
                  <div class="grow">
                    <p class="item-title-sm">{p.member ?? t('sync.device_n', { id: shortId(p.device) })}</p>
                    <p class="muted small">
                      {p.last_synced_at ? t('sync.last_synced', { when: t.relative(p.last_synced_at) }) : t('sync.never_synced')}
                      {p.address ? ` · ${p.address}` : ''}
                    </p>
                  </div>
                  {p.address ? (
                    <button type="button" class="btn btn-secondary btn-small" disabled={app.syncing} onClick={() => fill(p.address!)} aria-label={t('sync.use_address', { address: p.address })}>
                      {t('sync.use')}
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        ) : null}
      </section>

      <BundleControls />
      <InvitePanel />
    </div>
  );
}
