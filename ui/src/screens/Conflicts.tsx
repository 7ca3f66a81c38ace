import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Conflict, IgnoredView } from '../api/generated';
import { Icon } from '../components/Icon';
import { BackLink, Empty, LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import { canResolve, initialKeep, keepRule, sortConflicts, toggleKeep } from '../logic/conflicts';
import { conflictHelp, conflictKindText, fieldName, ignoredText, sideText } from '../logic/words';
import { href } from '../router';
import { run, toast, useApp } from '../store';

function ConflictItem({ c }: { c: Conflict }): JSX.Element {
  const { t } = useApp();
  const rule = keepRule(c.kind);
  const [keep, setKeep] = useState<number[]>(() => initialKeep(c.kind, c.sides.length));
  const [busy, setBusy] = useState(false);
  const ok = canResolve(c.kind, keep, c.sides.length);
  const name = `conflict-${c.id}`;

  const resolve = async () => {
    setBusy(true);
    const out = await run(() => api.resolveConflict(c.id, keep).then(() => true));
    setBusy(false);
    if (!out) return;
    toast({ text: t('conflicts.resolved', { label: c.label }) });
  };

  return (
    <li class="item conflict" data-testid="conflict-item" data-conflict-id={c.id}>
      <p class="conflict-kind">
        <Icon name="conflict" size={16} />
        {conflictKindText(c, t)}
      </p>
      <h2 class="item-title">{c.label}</h2>
      {c.field ? <p class="muted small">{t('conflicts.field', { field: fieldName(c.field, t) })}</p> : null}
      <fieldset class="sides">
        <legend>{conflictHelp(c, t)}</legend>
        {rule.multi ? <p class="hint">{t('conflicts.keep_up_to', { count: rule.max, chosen: keep.length })}</p> : null}
        <div class="side-grid">
          {c.sides.map((s, i) => {
            const id = `${name}-${i}`;
            const on = keep.includes(i);
            const atMax = rule.multi && !on && keep.length >= rule.max;
            return (
              <div class={`side${on ? ' chosen' : ''}`} key={i}>
                <input
                  id={id}
                  type={rule.multi ? 'checkbox' : 'radio'}
                  name={name}
                  data-testid={`conflict-keep-${i}`}
                  checked={on}
                  disabled={atMax}
                  onChange={() => setKeep(toggleKeep(c.kind, keep, i))}
                />
                <label for={id}>
                  <span class="side-value">{sideText(c, s, t)}</span>
                  <span class="side-who">
                    {s.by_name ?? t('history.someone')}
                    {s.at ? (
                      <>
                        {' · '}
                        <time dateTime={s.at} title={t.dateTime(s.at)}>
                          {t.dateTime(s.at)}
                        </time>
                      </>
                    ) : null}
                  </span>
                </label>
              </div>
            );
          })}
        </div>
      </fieldset>
      <div class={`resolve-box${ok ? ' ready' : ''}`}>
        <p class="resolve-summary" aria-live="polite">
          {!ok
            ? t('conflicts.choose_first')
            : rule.multi
              ? t('conflicts.confirm_multi', { count: keep.length, total: c.sides.length, dropped: c.sides.length - keep.length })
              : t('conflicts.confirm_one', { value: sideText(c, c.sides[keep[0]], t), count: c.sides.length - 1 })}
        </p>
        <button type="button" class="btn btn-primary btn-block" data-testid="conflict-resolve" disabled={!ok || busy} onClick={() => void resolve()}>
          {busy ? t('common.working') : t('conflicts.resolve')}
        </button>
      </div>
    </li>
  );
}

/** Changes with no effect because their author had no right to them; nothing to decide, but
 * organizers should know someone tried. Shown only when there are some. */
function IgnoredChanges(): JSX.Element | null {
  const { t } = useApp();
  const { data } = useLoad(() => api.listIgnored(), []);
  if (!data || data.length === 0) return null;
  const newest = [...data].reverse();
  return (
    <section class="section ignored" aria-labelledby="ignored-title" data-testid="ignored-changes">
      <h2 id="ignored-title">
        <Icon name="alert" size={16} /> {t('ignored.title')}
      </h2>
      <p class="muted small">{t('ignored.explain')}</p>
      <ul class="list">
        {newest.map((i: IgnoredView) => (
          <li class="item" key={i.change} data-testid="ignored-item">
            <p>{ignoredText(i, t)}</p>
            <time class="muted small" dateTime={i.at} title={t.dateTime(i.at)}>
              {t.dateTime(i.at)}
            </time>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ConflictsScreen(): JSX.Element {
  const { t } = useApp();
  const { data, error, loading, reload } = useLoad(() => api.listConflicts(), []);
  return (
    <div class="screen">
      <BackLink to={href.organize()} label={t('nav.organize')} />
      <ScreenTitle sub={t('conflicts.explain')}>{t('conflicts.title')}</ScreenTitle>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        data.length === 0 ? (
          <div data-testid="conflicts-empty">
            <Empty title={t('conflicts.empty')} icon="check" />
          </div>
        ) : (
          <ul class="list">
            {sortConflicts(data).map((c) => (
              <ConflictItem key={`${c.id}-${c.sides.length}`} c={c} />
            ))}
          </ul>
        )
      ) : null}
      <IgnoredChanges />
    </div>
  );
}
