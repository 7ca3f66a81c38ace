import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { ProposalView } from '../api/generated';
import { BackLink, Empty, LoadError, Loading, ScreenTitle, UrgencyBadge, useLoad } from '../components/ui';
import { href } from '../router';
import { run, toast, useApp } from '../store';
import { ReasonList } from './Match';
import { Icon } from '../components/Icon';

const keyOf = (p: ProposalView) => `${p.need}|${p.offer}`;

export function BatchScreen(): JSX.Element {
  const { t } = useApp();
  const { data, error, loading, reload } = useLoad(() => api.proposeBatch(), []);
  // The proposals the organizer unticked: new ones (after a sync) start ticked, and the choices
  // made survive every reload.
  const [unchecked, setUnchecked] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (k: string) => {
    const next = new Set(unchecked);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    setUnchecked(next);
  };
  const checked = { has: (k: string) => !unchecked.has(k) };
  const picked = data ? data.proposals.filter((p) => checked.has(keyOf(p))) : [];
  const score = picked.reduce((s, p) => s + p.score, 0);

  const confirm = async () => {
    if (!picked.length) return;
    setBusy(true);
    const out = await run(() => api.applyBatch(picked.map((p) => ({ need: p.need, member: p.member, offer: p.offer }))));
    setBusy(false);
    if (!out) return;
    toast({ text: t('batch.applied', { count: out.length }) });
  };

  return (
    <div class="screen">
      <BackLink to={href.organize()} label={t('nav.organize')} />
      <ScreenTitle sub={t('batch.explain')}>{t('batch.title')}</ScreenTitle>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        data.proposals.length === 0 ? (
          <Empty title={t('batch.empty')} icon="check">
            <p>{t('batch.empty_body')}</p>
          </Empty>
        ) : (
          <>
            <p class="count-line" role="status">
              {t('batch.totals', { count: data.proposals.length, picked: picked.length, score })}
            </p>
            <div class="action-row">
              <button type="button" class="btn btn-ghost btn-small" onClick={() => setUnchecked(new Set())}>
                {t('batch.select_all')}
              </button>
              <button type="button" class="btn btn-ghost btn-small" onClick={() => setUnchecked(new Set(data.proposals.map(keyOf)))}>
                {t('batch.select_none')}
              </button>
            </div>
            <ul class="list">
              {data.proposals.map((p) => {
                const k = keyOf(p);
                const id = `batch-${k.replace(/[^a-z0-9]/gi, '')}`;
                return (
                  <li key={k} class={`item batch-item${checked.has(k) ? ' picked' : ''}`} data-testid="batch-item">
                    <div class="check-row top">
                      <input id={id} type="checkbox" data-testid="batch-check" checked={checked.has(k)} onChange={() => toggle(k)} />
                      <label for={id} class="grow">
                        <span class="item-title-sm">{p.need_title}</span>
                        <span class="block muted small">
                          {t('batch.line', { name: p.member_name, offer: p.offer_what })}
                        </span>
                      </label>
                      <span class="score small-score">
                        <span aria-hidden="true">{p.score}</span>
                        <span class="visually-hidden">{t('match.score_label', { count: p.score })}</span>
                      </span>
                    </div>
                    <div class="item-top indent">
                      <UrgencyBadge urgency={p.need_urgency} />
                      <button type="button" class="disclosure" aria-expanded={open === k} onClick={() => setOpen(open === k ? null : k)}>
                        <Icon name="chevron" size={16} class={open === k ? 'rot90' : ''} />
                        {t('match.why', { count: p.reasons.length })}
                      </button>
                    </div>
                    {open === k ? <ReasonList reasons={p.reasons} /> : null}
                  </li>
                );
              })}
            </ul>
            <div class="sticky-actions">
              <button type="button" class="btn btn-primary btn-block" data-testid="batch-confirm" disabled={busy || picked.length === 0} onClick={() => void confirm()}>
                {t('batch.confirm', { count: picked.length })}
              </button>
            </div>
          </>
        )
      ) : null}
      {data?.unfilled.length ? (
        <section class="section" aria-labelledby="unfilled-title">
          <h2 id="unfilled-title">{t('batch.unfilled_title', { count: data.unfilled.length })}</h2>
          <p class="muted">{t('batch.unfilled_explain')}</p>
          <ul class="list compact">
            {data.unfilled.map((u) => (
              <li key={u.need} class="item row-item">
                <a href={href.need(u.need)} class="grow">
                  {u.need_title}
                </a>
                <span class="muted small">{t('batch.places_left', { count: u.places_left })}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
