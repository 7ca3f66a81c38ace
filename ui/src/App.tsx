import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { Icon } from './components/Icon';
import { Loading } from './components/ui';
import { Toasts } from './components/Toasts';
import { href, tabOf, useRoute, type Route } from './router';
import { isOrganizer, loadStatus, showBanner, useApp } from './store';
import { FirstRun } from './screens/FirstRun';
import { NeedsScreen } from './screens/Needs';
import { NeedForm } from './screens/NeedForm';
import { NeedDetailScreen } from './screens/NeedDetail';
import { OffersScreen } from './screens/Offers';
import { OfferForm } from './screens/OfferForm';
import { OrganizeScreen } from './screens/Organize';
import { MatchScreen } from './screens/Match';
import { BatchScreen } from './screens/Batch';
import { ConflictsScreen } from './screens/Conflicts';
import { ReportScreen } from './screens/Report';
import { ImportScreen } from './screens/Import';
import { MineScreen } from './screens/Mine';
import { SyncScreen } from './screens/Sync';
import { MembersScreen } from './screens/Members';
import { SettingsScreen } from './screens/Settings';
import { RenewScreen } from './screens/Renew';
import { GroupsScreen } from './screens/Groups';
import type { MessageKey } from './i18n';

function Screen({ route }: { route: Route }): JSX.Element {
  switch (route.name) {
    case 'needs': return <NeedsScreen />;
    case 'need-new': return <NeedForm />;
    case 'need': return <NeedDetailScreen id={route.id} />;
    case 'offers': return <OffersScreen />;
    case 'offer-new': return <OfferForm />;
    case 'organize': return <OrganizeScreen />;
    case 'match': return <MatchScreen id={route.id} />;
    case 'batch': return <BatchScreen />;
    case 'conflicts': return <ConflictsScreen />;
    case 'report': return <ReportScreen />;
    case 'import': return <ImportScreen />;
    case 'mine': return <MineScreen />;
    case 'sync': return <SyncScreen />;
    case 'members': return <MembersScreen />;
    case 'settings': return <SettingsScreen />;
    case 'renew': return <RenewScreen />;
    case 'groups': return <GroupsScreen />;
  }
}

interface Tab { id: string; label: MessageKey; icon: string; to: string; badge?: number; badgeLabel?: string }

function TabBar({ current }: { current: string }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const organizer = isOrganizer(app);
  const mineCount = app.proposedForMe + app.hoursPending;
  const tabs: Tab[] = [
    { id: 'needs', label: 'nav.needs', icon: 'needs', to: href.needs() },
    { id: 'offers', label: 'nav.offers', icon: 'offers', to: href.offers() },
    ...(organizer ? [{ id: 'organize', label: 'nav.organize' as MessageKey, icon: 'organize', to: href.organize(), badge: app.conflicts, badgeLabel: t('nav.badge_conflicts', { count: app.conflicts }) }] : []),
    { id: 'mine', label: 'nav.mine', icon: 'mine', to: href.mine(), badge: mineCount, badgeLabel: t('nav.badge_mine', { count: mineCount }) },
    { id: 'sync', label: 'nav.sync', icon: 'sync', to: href.sync() },
    { id: 'members', label: 'nav.members', icon: 'members', to: href.members() },
  ];
  return (
    <nav class="tabbar" aria-label={t('nav.label')}>
      <ul>
        {tabs.map((tab) => (
          <li key={tab.id}>
            <a href={tab.to} data-testid={`nav-${tab.id}`} aria-current={current === tab.id ? 'page' : undefined} class={current === tab.id ? 'active' : ''}>
              <span class="tab-icon">
                <Icon name={tab.icon} size={24} />
                {tab.badge ? (
                  <span class="tab-badge" aria-hidden="true">
                    {tab.badge > 99 ? '99+' : tab.badge}
                  </span>
                ) : null}
              </span>
              <span class="tab-label">{t(tab.label)}</span>
              {tab.badge ? <span class="visually-hidden">, {tab.badgeLabel}</span> : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Header({ current }: { current: string }): JSX.Element {
  const app = useApp();
  const { t } = app;
  // What waits in the device's other groups: changes not seen yet, and conflicts.
  const waiting = app.otherGroups.unread + app.otherGroups.conflicts;
  return (
    <header class="topbar">
      <div class="topbar-inner">
        <a class="brand" href={href.groups()} data-testid="nav-groups" aria-current={current === 'groups' ? 'page' : undefined}>
          <span class="brand-mark" aria-hidden="true">
            <svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false">
              <circle cx="14" cy="14" r="13" fill="#0f5c4d" />
              <circle cx="9" cy="11" r="2.6" fill="#fff" />
              <circle cx="19" cy="11" r="2.6" fill="#fff" />
              <circle cx="14" cy="19.5" r="2.6" fill="#fff" />
              <path d="M9 11L19 11L14 19.5Z" fill="none" stroke="#fff" stroke-width="1.4" />
            </svg>
          </span>
          <span class="brand-text">
            <span class="brand-name" data-testid="group-name">{app.status?.group?.name ?? t('app.name')}</span>
            {app.status?.me ? (
              <span class="brand-sub">
                {app.status.me.display_name} · {t(`role.${app.status.me.role}`)}
              </span>
            ) : null}
          </span>
          <span class="brand-switch" aria-hidden="true">
            <Icon name="swap" size={18} />
            {waiting ? <span class="tab-badge" data-testid="other-groups-badge">{waiting > 99 ? '99+' : waiting}</span> : null}
          </span>
          <span class="visually-hidden">
            {', '}
            {t('groups.switch')}
            {waiting ? `, ${t('groups.waiting_elsewhere', { count: waiting })}` : ''}
          </span>
        </a>
        <a class={`icon-btn${current === 'settings' ? ' active' : ''}`} href={href.settings()} data-testid="nav-settings" aria-label={t('nav.settings')} aria-current={current === 'settings' ? 'page' : undefined}>
          <Icon name="settings" />
        </a>
      </div>
    </header>
  );
}

function Banner(): JSX.Element | null {
  const app = useApp();
  if (!app.banner) return null;
  return (
    <div class="banner" role="alert" data-testid="error-banner">
      <Icon name="alert" size={20} />
      <p>{app.banner}</p>
      <button type="button" class="icon-btn small" onClick={() => showBanner(null)} aria-label={app.t('common.dismiss')}>
        <Icon name="close" size={18} />
      </button>
    </div>
  );
}

export function App(): JSX.Element {
  const app = useApp();
  const route = useRoute();
  const { t } = app;
  // Screen readers pick their voice from the page's language; set once the page shows it.
  useEffect(() => {
    document.documentElement.lang = app.lang;
  }, [app.lang]);
  // A new screen starts at its top, not at the last one's scroll position.
  const screenKey = location.hash;
  useEffect(() => window.scrollTo(0, 0), [screenKey]);
  const skip = (
    <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
      {t('common.skip')}
    </a>
  );

  if (!app.status) {
    return (
      <div class="app">
        <main id="main" class="main" tabIndex={-1}>
          <Banner />
          {app.statusError ? (
            <div class="notice notice-error" role="alert">
              <p>{app.statusError}</p>
              <button type="button" class="btn btn-secondary" onClick={() => void loadStatus()}>
                {t('common.retry')}
              </button>
            </div>
          ) : (
            <Loading />
          )}
        </main>
        <Toasts />
      </div>
    );
  }

  if (app.status.state !== 'ready') {
    return (
      <div class="app">
        {skip}
        <main id="main" class="main first-run" tabIndex={-1}>
          <Banner />
          {route.name === 'settings' ? <SettingsScreen /> : route.name === 'groups' && app.status.state !== 'locked' ? <GroupsScreen /> : <FirstRun status={app.status} />}
        </main>
        <Toasts />
      </div>
    );
  }

  const tab = tabOf(route);
  const organizerOnly = ['organize', 'match', 'batch', 'conflicts', 'report', 'import', 'renew'].includes(route.name);
  return (
    <div class="app with-tabs">
      {skip}
      <Header current={tab} />
      <main id="main" class="main" tabIndex={-1}>
        <Banner />
        {organizerOnly && !isOrganizer(app) ? <NeedsScreen /> : <Screen route={route} />}
      </main>
      <Toasts />
      <TabBar current={tab} />
    </div>
  );
}
