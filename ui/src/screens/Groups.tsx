import type { JSX } from 'preact';
import { api } from '../api/commands';
import type { GroupSummary } from '../api/generated';
import { Icon } from '../components/Icon';
import { LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import { href, navigate } from '../router';
import { refreshCounts, run, setState, useApp } from '../store';
import { CreateForm, JoinForm } from './FirstRun';

/** One group in the switcher: its name, and what waits in it. */
function GroupRow({ group }: { group: GroupSummary }): JSX.Element {
  const { t } = useApp();
  const name = group.name ?? t('groups.not_synced');
  const open = async () => {
    const status = await run(() => api.switchGroup(group.id));
    if (!status) return;
    setState({ status });
    void refreshCounts();
    navigate(href.needs());
  };
  return (
    <li class="item" data-testid="group-item">
      <button type="button" class="item-link group-row" data-testid="group-open" aria-current={group.current ? 'true' : undefined} onClick={() => void open()}>
        <span class="group-row-name">
          <Icon name="people" size={20} />
          <strong>{name}</strong>
        </span>
        <span class="item-top">
          {group.current ? <span class="badge status-done" data-testid="group-current">{t('groups.on_screen')}</span> : null}
          {group.unread ? <span class="badge urgency-normal" data-testid="group-unread">{t('groups.unread', { count: group.unread })}</span> : null}
          {group.conflicts ? (
            <span class="badge conflict-badge" data-testid="group-conflicts">
              <Icon name="conflict" size={14} />
              {t('needs.conflict_marker', { count: group.conflicts })}
            </span>
          ) : null}
        </span>
      </button>
    </li>
  );
}

/** The groups this device is in (one record each, kept apart), and starting or joining another. */
export function GroupsScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const { data, error, loading, reload } = useLoad(() => api.listGroups(), []);
  const asks = app.status?.asks_passphrase ?? false;
  return (
    <div class="screen stack-lg">
      <ScreenTitle sub={t('groups.explain')}>{t('groups.title')}</ScreenTitle>
      {error && !data ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        <ul class="list" data-testid="group-list">
          {data.map((g) => (
            <GroupRow key={g.id} group={g} />
          ))}
        </ul>
      ) : null}
      <h2>{t('groups.add_title')}</h2>
      <p class="muted">{t('groups.add_explain')}</p>
      <CreateForm asks={asks} />
      <div class="or" aria-hidden="true">
        <span>{t('first.or')}</span>
      </div>
      <JoinForm asks={asks} />
    </div>
  );
}
