import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import { CATEGORIES, NEED_STATUSES, URGENCIES, type NeedSummary } from '../api/generated';
import { Icon } from '../components/Icon';
import { Empty, LoadError, Loading, NeedTitle, ScreenTitle, StatusBadge, UrgencyBadge, useLoad } from '../components/ui';
import { activeFilterCount, DEFAULT_NEEDS_FILTER, sortNeeds, toNeedFilter, type NeedsFilterState } from '../logic/filters';
import { isLongWait, waitingLabel } from '../logic/time';
import { href } from '../router';
import { useApp } from '../store';

const PAGE = 100;
const FILTER_KEY = 'aidmesh.needsFilter';

function savedFilter(): NeedsFilterState {
  try {
    const raw = sessionStorage.getItem(FILTER_KEY);
    if (raw) return { ...DEFAULT_NEEDS_FILTER, ...(JSON.parse(raw) as Partial<NeedsFilterState>) };
  } catch {
    /* ignore */
  }
  return DEFAULT_NEEDS_FILTER;
}

export function NeedItem({ need, now }: { need: NeedSummary; now: Date }): JSX.Element {
  const { t } = useApp();
  const full = need.filled >= need.volunteers_needed;
  return (
    <li class="item need-item" data-testid="need-item" data-need-id={need.id}>
      <a class="item-link" href={href.need(need.id)}>
        <div class="item-top">
          <UrgencyBadge urgency={need.urgency} />
          <StatusBadge status={need.status} />
          {need.referral ? (
            <span class={`badge referral-${need.referral.progress}`} data-testid="need-item-referral">
              <Icon name="send" size={14} />
              {t('referral.badge_to', { group: need.referral.group_name, progress: t(`referral_progress.${need.referral.progress}`) })}
            </span>
          ) : null}
          {need.referred_from ? (
            <span class="badge" data-testid="need-item-referred-from">
              {t('referral.badge_from', { group: need.referred_from })}
            </span>
          ) : null}
          {need.conflicts > 0 ? (
            <span class="badge conflict-badge">
              <Icon name="conflict" size={14} />
              {t('needs.conflict_marker', { count: need.conflicts })}
            </span>
          ) : null}
        </div>
        <h2 class="item-title" data-testid="need-item-title">
          <NeedTitle title={need.title} />
        </h2>
        <p class="item-meta">
          <span>{t(`category.${need.category}`)}</span>
          <span class="sep" aria-hidden="true">·</span>
          <span class="with-icon">
            <Icon name="pin" size={14} />
            {need.area}
          </span>
        </p>
        <p class="item-meta">
          <span class={`with-icon${isLongWait(need, now) ? ' long-wait' : ''}`}>
            <Icon name="clock" size={14} />
            {waitingLabel(need, now, t)}
          </span>
          <span class="sep" aria-hidden="true">·</span>
          <span class={`with-icon fill${full ? ' full' : ''}`}>
            <Icon name="people" size={14} />
            {t('needs.filled', { filled: need.filled, needed: need.volunteers_needed })}
          </span>
        </p>
      </a>
    </li>
  );
}

export function NeedsScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [filter, setFilterState] = useState<NeedsFilterState>(savedFilter);
  const [showFilters, setShowFilters] = useState(() => activeFilterCount(savedFilter()) > 0);
  const setFilter = (f: NeedsFilterState) => {
    setFilterState(f);
    try {
      sessionStorage.setItem(FILTER_KEY, JSON.stringify(f));
    } catch {
      /* ignore */
    }
  };
  const query = toNeedFilter(filter);
  const { data, error, loading, reload } = useLoad(() => api.listNeeds(query), [JSON.stringify(query)]);
  const needs = data ? sortNeeds(data) : undefined;
  // A year of a busy group is thousands of needs: draw a page at a time, a phone stays quick.
  const [shown, setShown] = useState(PAGE);
  const areas = app.status?.group?.areas ?? [];
  const now = new Date();
  const nFilters = activeFilterCount(filter);

  return (
    <div class="screen">
      <ScreenTitle>{t('needs.title')}</ScreenTitle>
      <div class="search">
        <label for="needs-search" class="visually-hidden">
          {t('needs.search_label')}
        </label>
        <Icon name="search" size={20} class="search-icon" />
        <input
          id="needs-search"
          data-testid="needs-search"
          type="search"
          placeholder={t('needs.search_placeholder')}
          value={filter.search}
          onInput={(e) => setFilter({ ...filter, search: e.currentTarget.value })}
        />
      </div>
      <div class="chips" role="group" aria-label={t('needs.status_filter')}>
        {(['active', 'open', 'done', 'all'] as const).map((s) => (
          <button type="button" key={s} data-testid={`needs-status-${s}`} class={`chip${filter.status === s ? ' on' : ''}`} aria-pressed={filter.status === s} onClick={() => setFilter({ ...filter, status: s })}>
            {t(`needs.status_choice.${s}`)}
          </button>
        ))}
        <button type="button" class={`chip chip-more${showFilters ? ' on' : ''}`} aria-expanded={showFilters} aria-controls="needs-filters" onClick={() => setShowFilters(!showFilters)}>
          {nFilters > 0 ? t('needs.more_filters_n', { count: nFilters }) : t('needs.more_filters')}
        </button>
      </div>
      {showFilters ? (
        <div class="filters card" id="needs-filters">
          <div class="field">
            <label for="f-status">{t('needs.f_status')}</label>
            <select id="f-status" value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value as NeedsFilterState['status'] })}>
              <option value="active">{t('needs.status_choice.active')}</option>
              <option value="all">{t('needs.status_choice.all')}</option>
              {NEED_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`need_status.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-category">{t('needs.f_category')}</label>
            <select id="f-category" data-testid="needs-category" value={filter.category} onChange={(e) => setFilter({ ...filter, category: e.currentTarget.value as NeedsFilterState['category'] })}>
              <option value="">{t('common.any')}</option>
              {(app.status?.group?.categories?.length ? app.status.group.categories : CATEGORIES).map((c) => (
                <option key={c} value={c}>
                  {t(`category.${c}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-urgency">{t('needs.f_urgency')}</label>
            <select id="f-urgency" data-testid="needs-urgency" value={filter.urgency} onChange={(e) => setFilter({ ...filter, urgency: e.currentTarget.value as NeedsFilterState['urgency'] })}>
              <option value="">{t('common.any')}</option>
              {URGENCIES.map((u) => (
                <option key={u} value={u}>
                  {t(`urgency.${u}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-area">{t('needs.f_area')}</label>
            {areas.length ? (
              <select id="f-area" data-testid="needs-area" value={filter.area} onChange={(e) => setFilter({ ...filter, area: e.currentTarget.value })}>
                <option value="">{t('common.any')}</option>
                {areas.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            ) : (
              <input id="f-area" data-testid="needs-area" type="text" value={filter.area} onInput={(e) => setFilter({ ...filter, area: e.currentTarget.value })} />
            )}
          </div>
          {nFilters > 0 ? (
            <button type="button" class="btn btn-ghost" onClick={() => setFilter({ ...DEFAULT_NEEDS_FILTER, search: filter.search })}>
              {t('needs.reset_filters')}
            </button>
          ) : null}
        </div>
      ) : null}

      {error ? <LoadError error={error} retry={reload} /> : null}
      {!needs && loading ? <Loading /> : null}
      {needs ? (
        <>
          <p class="count-line" role="status" data-testid="needs-count">
            {t('needs.count', { count: needs.length })}
          </p>
          {needs.length === 0 ? (
            filter.search || nFilters > 0 ? (
              <Empty title={t('needs.empty_filtered')} icon="search">
                <button type="button" class="btn btn-secondary" onClick={() => setFilter(DEFAULT_NEEDS_FILTER)}>
                  {t('needs.clear_search')}
                </button>
              </Empty>
            ) : (
              <Empty title={t('needs.empty_title')}>
                <p>{t('needs.empty_body')}</p>
              </Empty>
            )
          ) : (
            <>
              <ul class="list">
                {needs.slice(0, shown).map((n) => (
                  <NeedItem key={n.id} need={n} now={now} />
                ))}
              </ul>
              {needs.length > shown ? (
                <button type="button" class="btn btn-secondary btn-block" data-testid="needs-more" onClick={() => setShown(shown + PAGE)}>
                  {t('needs.show_more', { count: Math.min(PAGE, needs.length - shown) })}
                </button>
              ) : null}
            </>
          )}
        </>
      ) : null}
      <a class="fab" href={href.needNew()} data-testid="need-add">
        <Icon name="plus" size={24} />
        <span>{t('needs.add')}</span>
      </a>
    </div>
  );
}
