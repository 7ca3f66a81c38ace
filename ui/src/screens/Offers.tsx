import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { OfferStatus, OfferView } from '../api/generated';
import { Icon } from '../components/Icon';
import { Empty, LoadError, Loading, ScreenTitle, StatusBadge, useLoad } from '../components/ui';
import { offerActions } from '../logic/undo';
import { languageName, slotText } from '../logic/words';
import { href } from '../router';
import { changeStatus, useApp } from '../store';

const ACTION_TESTID: Record<string, string> = { paused: 'offer-pause', active: 'offer-resume', withdrawn: 'offer-withdraw' };

function OfferItem({ offer, mine }: { offer: OfferView; mine: boolean }): JSX.Element {
  const { t } = useApp();
  const [busy, setBusy] = useState(false);
  const setStatus = async (to: OfferStatus) => {
    setBusy(true);
    await changeStatus({ kind: 'offer', from: offer.status, to }, (s) => api.setOfferStatus(offer.id, s), (s) =>
      t('offer.status_changed', { what: offer.what, status: t(`offer_status.${s}`).toLocaleLowerCase(t.lang) }));
    setBusy(false);
  };
  const cap = offer.inexhaustible ? t('offer.inexhaustible') : t('offer.capacity_use', { open: offer.open_assignments, capacity: offer.capacity });
  return (
    <li class={`item offer-item offer-${offer.status}`} data-testid="offer-item" data-offer-id={offer.id}>
      <div class="item-top">
        <StatusBadge status={offer.status} prefix="offer_status" />
        <span class="badge">{t(`offer_kind.${offer.kind}`)}</span>
      </div>
      <h2 class="item-title">{offer.what}</h2>
      <p class="item-meta">
        <span>{mine ? t('offer.by_you') : offer.member_name}</span>
        <span class="sep" aria-hidden="true">·</span>
        <span class="with-icon">
          <Icon name="pin" size={14} />
          {offer.area}
        </span>
      </p>
      <p class="item-meta">{t.list(offer.categories.map((c) => t(`category.${c}`)))}</p>
      <p class="item-meta">
        <span class="with-icon">
          <Icon name="people" size={14} />
          {cap}
        </span>
        {offer.languages.length ? (
          <>
            <span class="sep" aria-hidden="true">·</span>
            <span>{t.list(offer.languages.map((l) => languageName(l, t)))}</span>
          </>
        ) : null}
      </p>
      {offer.availability.weekly.length ? (
        <p class="item-meta">
          <span class="with-icon">
            <Icon name="clock" size={14} />
            {t.list(offer.availability.weekly.map((s) => slotText(s, t)))}
          </span>
        </p>
      ) : null}
      {mine ? (
        <div class="action-row">
          {offerActions(offer.status).map((to) => (
            <button
              type="button"
              key={to}
              class={`btn btn-small ${to === 'withdrawn' ? 'btn-danger-outline' : 'btn-secondary'}`}
              data-testid={ACTION_TESTID[to]}
              disabled={busy}
              onClick={() => void setStatus(to)}
              aria-label={`${t(`offer.action.${to}`)}: ${offer.what}`}
            >
              {t(`offer.action.${to}`)}
            </button>
          ))}
        </div>
      ) : null}
    </li>
  );
}

export function OffersScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [mine, setMine] = useState(false);
  const { data, error, loading, reload } = useLoad(() => api.listOffers(mine), [mine]);
  const myId = app.status?.me?.id;
  return (
    <div class="screen">
      <ScreenTitle>{t('offers.title')}</ScreenTitle>
      <div class="segmented" role="group" aria-label={t('offers.show')}>
        <button type="button" class={!mine ? 'on' : ''} aria-pressed={!mine} data-testid="offers-all" onClick={() => setMine(false)}>
          {t('offers.all')}
        </button>
        <button type="button" class={mine ? 'on' : ''} aria-pressed={mine} data-testid="offers-mine" onClick={() => setMine(true)}>
          {t('offers.mine')}
        </button>
      </div>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        data.length === 0 ? (
          <Empty title={mine ? t('offers.empty_mine') : t('offers.empty')} icon="offers">
            <p>{t('offers.empty_body')}</p>
          </Empty>
        ) : (
          <ul class="list">
            {data.map((o) => (
              <OfferItem key={o.id} offer={o} mine={o.member === myId} />
            ))}
          </ul>
        )
      ) : null}
      <a class="fab" href={href.offerNew()} data-testid="offer-add">
        <Icon name="plus" size={24} />
        <span>{t('offers.add')}</span>
      </a>
    </div>
  );
}
