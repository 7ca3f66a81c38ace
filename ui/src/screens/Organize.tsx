import type { JSX } from 'preact';
import { api } from '../api/commands';
import { Icon } from '../components/Icon';
import { HoursToConfirm } from '../components/HoursToConfirm';
import { Empty, LoadError, Loading, NeedTitle, ScreenTitle, UrgencyBadge, useLoad } from '../components/ui';
import { sortNeeds } from '../logic/filters';
import { renewalDue } from '../logic/renew';
import { waitingLabel } from '../logic/time';
import { href } from '../router';
import { useApp } from '../store';

export function OrganizeScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const { data, error, loading, reload } = useLoad(() => api.listNeeds({ status: 'open' }), []);
  const waiting = data ? sortNeeds(data.filter((n) => n.filled < n.volunteers_needed)) : undefined;
  const now = new Date();
  const renewalDueAt = app.status?.renewal_due_at;
  return (
    <div class="screen">
      <ScreenTitle>{t('organize.title')}</ScreenTitle>
      <div class="tiles">
        <a class={`tile${app.conflicts ? ' tile-alert' : ''}`} href={href.conflicts()} data-testid="conflicts-open">
          <Icon name="conflict" size={26} />
          <span class="tile-title">{t('organize.conflicts')}</span>
          <span class="tile-sub">{app.conflicts ? t('organize.conflicts_n', { count: app.conflicts }) : t('organize.conflicts_none')}</span>
        </a>
        <a class="tile" href={href.batch()} data-testid="batch-open">
          <Icon name="organize" size={26} />
          <span class="tile-title">{t('organize.batch')}</span>
          <span class="tile-sub">{t('organize.batch_sub')}</span>
        </a>
        <a class="tile" href={href.report()} data-testid="report-open">
          <Icon name="chart" size={26} />
          <span class="tile-title">{t('organize.report')}</span>
          <span class="tile-sub">{t('organize.report_sub')}</span>
        </a>
        {renewalDueAt && renewalDue(renewalDueAt, now) ? (
          <a class="tile tile-alert" href={href.renew()} data-testid="renew-due-tile">
            <Icon name="clock" size={26} />
            <span class="tile-title">{t('organize.renew_due')}</span>
            <span class="tile-sub">{t('organize.renew_due_sub', { date: t.date(renewalDueAt) })}</span>
          </a>
        ) : null}
        <a class="tile" href={href.import()} data-testid="import-open">
          <Icon name="upload" size={26} />
          <span class="tile-title">{t('organize.import')}</span>
          <span class="tile-sub">{t('organize.import_sub')}</span>
        </a>
      </div>

      <section aria-labelledby="to-match-title" class="section">
        <h2 id="to-match-title">{t('organize.to_match')}</h2>
        {error ? <LoadError error={error} retry={reload} /> : null}
        {!waiting && loading ? <Loading /> : null}
        {waiting ? (
          waiting.length === 0 ? (
            <Empty title={t('organize.to_match_empty')} icon="check" />
          ) : (
            <ul class="list compact">
              {waiting.map((n) => (
                <li key={n.id} class="item row-item">
                  <div class="grow">
                    <div class="item-top">
                      <UrgencyBadge urgency={n.urgency} />
                    </div>
                    <a class="item-title-sm" href={href.need(n.id)}>
                      <NeedTitle title={n.title} />
                    </a>
                    <p class="muted small">
                      {n.area} · {waitingLabel(n, now, t)} · {t('needs.filled', { filled: n.filled, needed: n.volunteers_needed })}
                    </p>
                  </div>
                  <a class="btn btn-secondary btn-small" href={href.match(n.id)} aria-label={`${t('need.find_volunteers')}: ${n.title}`}>
                    {t('organize.match')}
                  </a>
                </li>
              ))}
            </ul>
          )
        ) : null}
      </section>

      <HoursToConfirm title={t('hours.to_confirm_group')} />
    </div>
  );
}
