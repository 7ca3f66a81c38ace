// "Renew the record" (organizers): what the new record starts with, what stays in the archive,
// the conflicts to decide first, and text typed in the wrong place to leave out. Renewing cannot
// be undone, so it asks first.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Purge, PurgedText, RenewalPreviewView } from '../api/generated';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Icon } from '../components/Icon';
import { BackLink, LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import type { MessageKey } from '../i18n';
import { fieldKey, findRecords, hasPurge, purgeableFields, purgedText, purgeRecords, removePurge, togglePurge, type PurgeRecord } from '../logic/renew';
import { enumText } from '../logic/words';
import { href, navigate } from '../router';
import { run, toast, useApp } from '../store';

type Fact = readonly [MessageKey, number, string];

function Facts({ facts }: { facts: readonly Fact[] }): JSX.Element {
  const { t } = useApp();
  return (
    <dl class="facts">
      {facts.map(([label, count, testid]) => (
        <div class="fact" key={testid}>
          <dt>{t(label)}</dt>
          <dd data-testid={testid}>{t.number(count)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What the new record starts with, and what stays behind in the archive. */
function Preview({ preview }: { preview: RenewalPreviewView }): JSX.Element {
  const { t } = useApp();
  return (
    <section class="card" aria-labelledby="renew-keeps-title" data-testid="renew-preview">
      <h2 id="renew-keeps-title">{t('renew.keeps')}</h2>
      <Facts facts={[['nav.members', preview.members, 'renew-members'], ['nav.needs', preview.needs, 'renew-needs'], ['nav.offers', preview.offers, 'renew-offers']]} />
      <h2 class="sub-heading" id="renew-archived-title">{t('renew.archived')}</h2>
      <Facts
        facts={[
          ['renew.needs_archived', preview.needs_archived, 'renew-needs-archived'],
          ['renew.offers_archived', preview.offers_archived, 'renew-offers-archived'],
          ['renew.hours_archived', preview.hours_archived, 'renew-hours-archived'],
          ['renew.history_changes', preview.history_changes, 'renew-history'],
        ]}
      />
    </section>
  );
}

/** Find a need or offer, then the field whose text to leave out (pressed again, it is kept). */
function PurgePicker({ records, purges, onToggle }: { records: PurgeRecord[]; purges: Purge[]; onToggle: (p: Purge) => void }): JSX.Element {
  const { t } = useApp();
  const [query, setQuery] = useState('');
  const found = findRecords(records, query);
  return (
    <div class="stack">
      <div class="field">
        <label for="renew-find">{t('renew.find')}</label>
        <p class="hint" id="renew-find-hint">{t('renew.find_hint')}</p>
        <div class="search">
          <Icon name="search" size={20} class="search-icon" />
          <input id="renew-find" data-testid="renew-find" type="search" aria-describedby="renew-find-hint" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
      </div>
      {query.trim() && found.length === 0 ? <p class="muted">{t('renew.found_none')}</p> : null}
      {found.length ? (
        <ul class="list compact" aria-label={t('renew.find')}>
          {found.map((r) => {
            const label = r.label || t('renew.untitled');
            return (
              <li class="item" key={r.id} data-testid="renew-record">
                <p class="item-top">
                  <span class="badge">{enumText(t, 'renew.kind', r.collection)}</span>
                </p>
                <p class="item-title-sm">{label}</p>
                <div class="action-row">
                  {purgeableFields(r.collection).map((field) => {
                    const purge = { collection: r.collection, record: r.id, field };
                    const action = enumText(t, 'renew.remove', fieldKey(purge));
                    const on = hasPurge(purges, purge);
                    return (
                      <button
                        type="button"
                        key={field}
                        class={`btn btn-small ${on ? 'btn-primary' : 'btn-secondary'}`}
                        data-testid={`renew-purge-${field}`}
                        aria-pressed={on}
                        aria-label={`${action}: ${label}`}
                        onClick={() => onToggle(purge)}
                      >
                        {on ? <Icon name="check" size={18} /> : null}
                        {action}
                      </button>
                    );
                  })}
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}

/** The text each chosen purge leaves out, exactly as the record holds it now. */
function LeftOut({ purges, records, texts, onKeep }: { purges: Purge[]; records: PurgeRecord[]; texts: PurgedText[] | undefined; onKeep: (p: Purge) => void }): JSX.Element {
  const { t } = useApp();
  return (
    <div class="stack">
      <h3 class="sub-heading">{t('renew.left_out')}</h3>
      <ul class="list compact">
        {purges.map((p) => {
          const text = purgedText(texts, p);
          const field = enumText(t, 'renew.field', fieldKey(p));
          const record = records.find((r) => r.id === p.record);
          return (
            <li class="item row-item" key={fieldKey(p) + p.record} data-testid="renew-purged-item">
              <div class="grow">
                <p class="muted small">
                  {field}
                  {record && record.label !== text ? ` · ${record.label}` : ''}
                </p>
                {text === undefined ? <p class="muted">…</p> : text ? <p class="purged-text"><del data-testid="renew-purged-text">{text}</del></p> : <p class="muted">{t('renew.left_out_empty')}</p>}
              </div>
              <button type="button" class="btn btn-ghost btn-small" data-testid="renew-purge-keep" aria-label={`${t('renew.keep')}: ${field}`} onClick={() => onKeep(p)}>
                {t('renew.keep')}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function RenewScreen(): JSX.Element {
  const { t } = useApp();
  const [purges, setPurges] = useState<Purge[]>([]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const preview = useLoad(() => api.renewalPreview(), []);
  // Cheap beside the preview, which reads every record: asked again as purges change.
  const texts = useLoad(() => (purges.length ? api.purgedTexts(purges) : Promise.resolve([])), [purges]);
  const lists = useLoad(() => Promise.all([api.listNeeds({}), api.listOffers(false)]), []);
  const records = lists.data ? purgeRecords(...lists.data) : [];
  const conflicts = preview.data?.conflicts_open ?? 0;

  const renew = async () => {
    setBusy(true);
    const done = await run(() => api.renew(purges));
    setBusy(false);
    setConfirming(false);
    if (done === undefined) return;
    toast({ text: t('renew.done') });
    navigate(href.settings());
  };

  return (
    <div class="screen">
      <BackLink to={href.settings()} label={t('settings.title')} />
      <ScreenTitle sub={t('renew.explain')}>{t('renew.title')}</ScreenTitle>
      {/* What stops renewing comes first. */}
      {conflicts ? (
        <div class="notice notice-warn" role="status" data-testid="renew-conflicts">
          <Icon name="conflict" size={20} />
          <div>
            <p>{t('renew.conflicts', { count: conflicts })}</p>
            <a href={href.conflicts()} data-testid="renew-conflicts-open">{t('renew.conflicts_link')}</a>
          </div>
        </div>
      ) : null}
      {preview.error ? <LoadError error={preview.error} retry={preview.reload} /> : null}
      {!preview.data && preview.loading ? <Loading text={t('renew.reading')} /> : null}
      {preview.data ? <Preview preview={preview.data} /> : null}
      <section class="card stack" aria-labelledby="renew-purge-title">
        <h2 id="renew-purge-title">{t('renew.purge_title')}</h2>
        <p class="muted">{t('renew.purge_explain')}</p>
        {lists.error ? <LoadError error={lists.error} retry={lists.reload} /> : null}
        <PurgePicker records={records} purges={purges} onToggle={(p) => setPurges(togglePurge(purges, p))} />
        {texts.error ? <LoadError error={texts.error} retry={texts.reload} /> : null}
        {purges.length ? <LeftOut purges={purges} records={records} texts={texts.data} onKeep={(p) => setPurges(removePurge(purges, p))} /> : null}
      </section>
      <button type="button" class="btn btn-primary btn-block" data-testid="renew-submit" disabled={!preview.data || preview.loading || !!preview.error || texts.loading || !!texts.error || conflicts > 0 || busy} onClick={() => setConfirming(true)}>
        {t('renew.submit')}
      </button>
      {confirming ? (
        <ConfirmDialog
          id="renew-dialog"
          title={t('renew.confirm_title')}
          text={busy ? t('renew.renewing') : [t('renew.confirm_text'), purges.length ? t('renew.confirm_purged', { count: purges.length }) : ''].filter(Boolean).join(' ')}
          confirmLabel={t('renew.confirm')}
          busy={busy}
          onConfirm={() => void renew()}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </div>
  );
}
