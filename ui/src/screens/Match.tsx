import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { CandidateView, ReasonView } from '../api/generated';
import { Icon } from '../components/Icon';
import { BackLink, Empty, LoadError, Loading, ScreenTitle, UrgencyBadge, useLoad } from '../components/ui';
import { exclusionText, reasonText } from '../logic/words';
import { href } from '../router';
import { run, toast, useApp } from '../store';

export function ReasonList({ reasons }: { reasons: ReasonView[] }): JSX.Element {
  const { t } = useApp();
  return (
    <ul class="reasons">
      {reasons.map((r, i) => (
        <li key={i} class={r.points > 0 ? 'plus' : 'zero'}>
          <span class="reason-text">{reasonText(r, t)}</span>
          <span class="points">
            <span aria-hidden="true">{r.points > 0 ? `+${r.points}` : '0'}</span>
            <span class="visually-hidden">{t('match.points_label', { count: r.points })}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function CandidateItem({ c, rank, onAssign, busy, assigned }: { c: CandidateView; rank: number; onAssign: () => void; busy: boolean; assigned: boolean }): JSX.Element {
  const { t } = useApp();
  const [open, setOpen] = useState(rank === 1);
  return (
    <li class="item candidate" data-testid="candidate">
      <div class="candidate-head">
        <span class="rank">
          <span aria-hidden="true">{rank}</span>
          <span class="visually-hidden">{t('match.rank', { n: rank })}</span>
        </span>
        <div class="grow">
          <p class="item-title-sm">{c.member_name}</p>
          <p class="muted small">{c.offer_what}</p>
        </div>
        <span class="score">
          <span aria-hidden="true">
            {c.score}
            <span class="score-unit">{t('match.pts')}</span>
          </span>
          <span class="visually-hidden">{t('match.score_label', { count: c.score })}</span>
        </span>
      </div>
      <button type="button" class="disclosure" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="chevron" size={16} class={open ? 'rot90' : ''} />
        {t('match.why', { count: c.reasons.length })}
      </button>
      {open ? <ReasonList reasons={c.reasons} /> : null}
      <button type="button" class="btn btn-primary btn-block" data-testid="candidate-assign" disabled={busy || assigned} onClick={onAssign}>
        {assigned ? t('match.assigned') : t('match.assign', { name: c.member_name })}
      </button>
    </li>
  );
}

export function MatchScreen({ id }: { id: string }): JSX.Element {
  const { t } = useApp();
  const need = useLoad(() => api.getNeed(id), [id]);
  const ranking = useLoad(() => api.rankNeed(id), [id]);
  const [busy, setBusy] = useState(false);
  const [assigned, setAssigned] = useState<string[]>([]);
  const [showExcluded, setShowExcluded] = useState(false);

  const assign = async (c: CandidateView) => {
    setBusy(true);
    const out = await run(() => api.assign(id, c.member, c.offer));
    setBusy(false);
    if (!out) return;
    setAssigned([...assigned, c.offer]);
    toast({ text: t('match.assigned_toast', { name: c.member_name }) });
  };

  const r = ranking.data;
  const n = need.data?.need;
  return (
    <div class="screen">
      <BackLink to={n ? href.need(n.id) : href.organize()} label={n ? n.title : t('nav.organize')} />
      <ScreenTitle sub={n ? <>{t('match.for_need', { title: n.title })}</> : null}>{t('match.title')}</ScreenTitle>
      {n ? (
        <p class="item-meta gap">
          <UrgencyBadge urgency={n.urgency} />
          <span>{t(`category.${n.category}`)}</span>
          <span class="sep" aria-hidden="true">·</span>
          <span>{n.area}</span>
        </p>
      ) : null}
      {ranking.error ? <LoadError error={ranking.error} retry={ranking.reload} /> : null}
      {!r && ranking.loading ? <Loading /> : null}
      {r ? (
        <>
          <p class="count-line" role="status">
            {r.places_left > 0 ? t('match.places_left', { count: r.places_left }) : t('match.no_places')}
          </p>
          {r.candidates.length === 0 ? (
            <Empty title={t('match.none')} icon="people">
              <p>{t('match.none_body')}</p>
            </Empty>
          ) : (
            <ol class="list">
              {r.candidates.map((c, i) => (
                <CandidateItem key={c.offer} c={c} rank={i + 1} busy={busy || r.places_left === 0} assigned={assigned.includes(c.offer)} onAssign={() => void assign(c)} />
              ))}
            </ol>
          )}
          {r.excluded.length ? (
            <section class="section">
              <button type="button" class="disclosure" aria-expanded={showExcluded} aria-controls="excluded-list" onClick={() => setShowExcluded(!showExcluded)}>
                <Icon name="chevron" size={16} class={showExcluded ? 'rot90' : ''} />
                {t('match.excluded', { count: r.excluded.length })}
              </button>
              {showExcluded ? (
                <ul class="list compact" id="excluded-list">
                  {r.excluded.map((x) => (
                    <li key={x.offer} class="item excluded" data-testid="excluded-item">
                      <p class="item-title-sm">{x.member_name}</p>
                      <p class="muted small">{x.offer_what}</p>
                      <p class="small">{exclusionText(x.why, t)}</p>
                    </li>
                  ))}
                </ul>
              ) : null}
            </section>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
