import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { HourEntryView } from '../api/generated';
import { describeError } from '../logic/words';
import { getState, run, showBanner, toast, useApp } from '../store';
import { LoadError, Loading, useLoad } from './ui';

function PendingItem({ entry }: { entry: HourEntryView }): JSX.Element {
  const { t } = useApp();
  const [disputing, setDisputing] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    const out = await run(() => api.confirmHours(entry.id));
    setBusy(false);
    if (out) {
      toast({ text: t('hours.confirmed_toast', { count: entry.hours, name: entry.from_name }) });
    }
  };
  const dispute = async (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) {
      setReasonError(t('hours.reason_needed'));
      document.getElementById(`dispute-${entry.id}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await api.disputeHours(entry.id, reason.trim());
      showBanner(null);
      setDisputing(false);
      toast({ text: t('hours.disputed_toast') });
    } catch (err) {
      const shown = describeError(err, getState().t);
      if (shown.field) setReasonError(shown.text);
      else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };
  // Spanish contracts "a el grupo" to "al grupo": the group gets a sentence of its own.
  const line = entry.to === 'group' ? 'hours.entry_line_group' : 'hours.entry_line';
  return (
    <li class="item" data-testid="hours-pending-item">
      <p class="item-title-sm">{t(line, { count: entry.hours, hours: t.number(entry.hours), from: entry.from_name, to: entry.to_name })}</p>
      <p class="muted small">
        {entry.category ? `${t(`category.${entry.category}`)} · ` : ''}
        {t.relative(entry.created_at)}
      </p>
      {entry.note ? <p class="note">“{entry.note}”</p> : null}
      {!disputing ? (
        <div class="action-row">
          <button type="button" class="btn btn-primary btn-small" data-testid="hours-confirm" disabled={busy} onClick={() => void confirm()}>
            {t('hours.confirm')}
          </button>
          <button type="button" class="btn btn-secondary btn-small" data-testid="hours-dispute" disabled={busy} onClick={() => setDisputing(true)}>
            {t('hours.dispute')}
          </button>
        </div>
      ) : (
        <form class="inline-form" onSubmit={(e) => void dispute(e)} noValidate>
          <div class={`field${reasonError ? ' has-error' : ''}`}>
            <label for={`dispute-${entry.id}`}>{t('hours.dispute_reason')}</label>
            <input
              id={`dispute-${entry.id}`}
              data-testid="hours-dispute-reason"
              type="text"
              autoFocus
              value={reason}
              aria-invalid={reasonError ? 'true' : undefined}
              aria-describedby={reasonError ? `dispute-${entry.id}-error` : undefined}
              onInput={(e) => {
                setReason(e.currentTarget.value);
                setReasonError(null);
              }}
            />
            {reasonError ? (
              <p class="field-error" id={`dispute-${entry.id}-error`} data-testid="error-reason">
                {reasonError}
              </p>
            ) : null}
          </div>
          <div class="action-row">
            <button type="submit" class="btn btn-danger btn-small" data-testid="hours-dispute-submit" disabled={busy}>
              {t('hours.dispute_send')}
            </button>
            <button type="button" class="btn btn-ghost btn-small" onClick={() => setDisputing(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}

export function HoursToConfirm({ title }: { title: string }): JSX.Element {
  const { t } = useApp();
  const { data, error, loading, reload } = useLoad(() => api.hoursToConfirm(), []);
  return (
    <section aria-labelledby="hours-pending-title" class="section">
      <h2 id="hours-pending-title">
        {title}
        {data?.length ? <span class="count-pill">{data.length}</span> : null}
      </h2>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        data.length === 0 ? (
          <p class="muted" data-testid="hours-pending-empty">{t('hours.none_pending')}</p>
        ) : (
          <ul class="list compact">
            {data.map((e) => (
              <PendingItem key={e.id} entry={e} />
            ))}
          </ul>
        )
      ) : null}
    </section>
  );
}
