import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { HistoryEntry, NeedDetail, NeedStatus } from '../api/generated';
import { Icon } from '../components/Icon';
import { NeedContact } from '../components/NeedContact';
import { ReferAction, ReferralPanel } from '../components/Referral';
import { BackLink, Empty, LoadError, Loading, NeedTitle, ScreenTitle, StatusBadge, UrgencyBadge, useLoad } from '../components/ui';
import { isActiveNeed, isLongWait, waitingLabel } from '../logic/time';
import { needActions } from '../logic/undo';
import { actionText, conflictKindText, fieldName, languageName, valueText } from '../logic/words';
import { href } from '../router';
import { changeStatus, isOrganizer, useApp } from '../store';

const ACTION_TESTID: Partial<Record<NeedStatus, string>> = {
  done: 'need-action-done',
  cancelled: 'need-action-cancel',
  open: 'need-action-reopen',
  referred: 'need-action-refer',
};

function HistoryItem({ h }: { h: HistoryEntry }): JSX.Element {
  const { t } = useApp();
  return (
    <li class="timeline-item" data-testid="history-item">
      <div class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        <p class="timeline-head">
          <strong>{actionText(h.action, t)}</strong>
          <span class="muted">
            {' · '}
            {h.by_name ?? t('history.someone')}
            {h.at ? (
              <>
                {' · '}
                <time dateTime={h.at} title={t.dateTime(h.at)}>
                  {t.relative(h.at)}
                </time>
              </>
            ) : null}
          </span>
        </p>
        {h.fields.length ? (
          <ul class="changes">
            {h.fields.map((f, i) => (
              <li key={i}>
                <span class="change-field">{fieldName(f.field, t)}:</span>{' '}
                {f.old === null || f.old === undefined ? (
                  <span class="change-new">{valueText(f.field, f.new, t)}</span>
                ) : (
                  <>
                    <del class="change-old">{valueText(f.field, f.old, t)}</del>
                    <span aria-hidden="true"> → </span>
                    <span class="visually-hidden"> {t('history.to')} </span>
                    <ins class="change-new">{valueText(f.field, f.new, t)}</ins>
                  </>
                )}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
}

function Fact({ label, children }: { label: string; children: JSX.Element | string | null }): JSX.Element | null {
  if (children === null || children === '') return null;
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Detail({ d }: { d: NeedDetail }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const need = d.need;
  const now = new Date();
  const organizer = isOrganizer(app);
  const [busy, setBusy] = useState(false);

  const setStatus = async (to: NeedStatus) => {
    setBusy(true);
    await changeStatus({ kind: 'need', from: need.status, to }, (s) => api.setNeedStatus(need.id, s), (s) =>
      t('need.status_changed', { title: need.title, status: t(`need_status.${s}`).toLocaleLowerCase(t.lang) }));
    setBusy(false);
  };

  const actions = needActions(need.status);

  return (
    <>
      <div class="detail-head">
        <div class="item-top">
          <UrgencyBadge urgency={need.urgency} />
          <span class="badge status" data-testid="need-status">
            {t(`need_status.${need.status}`)}
          </span>
          {need.recurring ? <span class="badge">{t('need.recurring')}</span> : null}
        </div>
        <ScreenTitle testid="need-detail-title"><NeedTitle title={need.title} /></ScreenTitle>
        <p class={`with-icon${isLongWait(need, now) ? ' long-wait' : ''}`}>
          <Icon name="clock" size={16} />
          {waitingLabel(need, now, t)}
        </p>
      </div>

      {d.conflicts.length ? (
        <div class="notice notice-warn" role="note">
          <Icon name="conflict" size={20} />
          <div>
            <p>
              <strong>{t('need.conflicts_title', { count: d.conflicts.length })}</strong>
            </p>
            <ul>
              {d.conflicts.map((c) => (
                <li key={c.id}>{conflictKindText(c, t)}</li>
              ))}
            </ul>
            {organizer ? (
              <a href={href.conflicts()} class="btn btn-secondary btn-small">
                {t('conflicts.open_inbox')}
              </a>
            ) : (
              <p class="muted">{t('need.conflicts_for_organizers')}</p>
            )}
          </div>
        </div>
      ) : null}

      {need.description ? <p class="description">{need.description}</p> : null}

      <dl class="facts card">
        <Fact label={t('field.category')}>{t(`category.${need.category}`)}</Fact>
        <Fact label={t('field.area')}>{need.area}</Fact>
        <Fact label={t('need.volunteers')}>{t('needs.filled', { filled: d.filled, needed: need.volunteers_needed })}</Fact>
        <Fact label={t('field.needed_by')}>{need.needed_by ? t.date(need.needed_by, { dateStyle: 'full', timeZone: app.status?.group?.time_zone }) : null}</Fact>
        <Fact label={t('field.household_size')}>{need.household_size ? t.number(need.household_size) : null}</Fact>
        <Fact label={t('field.languages')}>{need.languages.length ? t.list(need.languages.map((l) => languageName(l, t))) : null}</Fact>
        <Fact label={t('field.channel')}>{need.channel && need.channel !== 'app' ? <span data-testid="need-channel-shown">{t(`channel.${need.channel}`)}</span> : null}</Fact>
        <Fact label={t('need.contact_shared')}>{need.contact_organizers_only ? <span data-testid="need-organizers-only">{t('need.contact_organizers_only')}</span> : null}</Fact>
        <Fact label={t('need.posted_by')}>{t('need.posted_by_on', { name: d.created_by_name, date: t.date(need.created_at) })}</Fact>
      </dl>

      <ReferralPanel d={d} />

      <div class="actions">
        {organizer && isActiveNeed(need.status) ? (
          <a class="btn btn-primary btn-block" href={href.match(need.id)} data-testid="need-find-volunteers">
            <Icon name="people" size={20} />
            {t('need.find_volunteers')}
          </a>
        ) : null}
        <div class="action-row">
          {actions.map((to) => (
            <button
              type="button"
              key={to}
              class={`btn ${to === 'cancelled' ? 'btn-danger-outline' : 'btn-secondary'}`}
              data-testid={ACTION_TESTID[to]}
              disabled={busy}
              onClick={() => void setStatus(to)}
            >
              {t(`need.action.${to}`)}
            </button>
          ))}
        </div>
        {organizer && isActiveNeed(need.status) ? <ReferAction d={d} /> : null}
      </div>

      <NeedContact d={d} />

      <section aria-labelledby="assignments-title">
        <h2 id="assignments-title">{t('need.assignments_title')}</h2>
        {d.assignments.length === 0 ? (
          <p class="muted">{organizer ? t('need.no_assignments_organizer') : t('need.no_assignments')}</p>
        ) : (
          <ul class="list compact">
            {d.assignments.map((a) => (
              <li key={a.id} class="item row-item" data-testid="assignment-item">
                <div>
                  <p class="item-title-sm">{a.volunteer_name}</p>
                  <p class="muted small">{t('need.assigned_by', { name: a.assigned_by_name, when: t.relative(a.created_at) })}</p>
                </div>
                <StatusBadge status={a.status} prefix="assignment_status" />
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t('need.history_title')}</h2>
        {d.history.length === 0 ? (
          <p class="muted">{t('need.no_history')}</p>
        ) : (
          <ol class="timeline">
            {[...d.history].reverse().map((h) => (
              <HistoryItem key={h.change} h={h} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

export function NeedDetailScreen({ id }: { id: string }): JSX.Element {
  const { t } = useApp();
  const { data, error, loading, reload } = useLoad(() => api.getNeed(id), [id]);
  return (
    <div class="screen">
      <BackLink to={href.needs()} label={t('nav.needs')} />
      {error && !data ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? <Detail key={data.need.id} d={data} /> : null}
      {!data && !loading && !error ? <Empty title={t('need.not_found')} /> : null}
    </div>
  );
}
