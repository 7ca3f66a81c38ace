// "The old record on this phone": after a renewal the device keeps the record it left, for
// devices that have not moved over yet. Any member may delete it from their phone, once they
// know the phone can then no longer sync with devices still on it.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import { run, toast, useApp } from '../store';
import { ConfirmDialog } from './ConfirmDialog';
import { useLoad } from './ui';

export function OldRecords(): JSX.Element | null {
  const { t } = useApp();
  const { data } = useLoad(() => api.archiveInfo(), []);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!data?.archived) return null;

  const remove = async () => {
    setBusy(true);
    const deleted = await run(() => api.deleteArchive());
    setBusy(false);
    setConfirming(false);
    if (deleted !== undefined) toast({ text: t('archive.deleted', { count: deleted }) });
  };

  return (
    <section class="card stack" aria-labelledby="archive-title" data-testid="archive-section">
      <h2 id="archive-title">{t('archive.title')}</h2>
      <p class="muted">{t('archive.explain', { count: data.archived })}</p>
      <button type="button" class="btn btn-danger-outline" data-testid="archive-delete" onClick={() => setConfirming(true)}>
        {t('archive.delete')}
      </button>
      {confirming ? (
        <ConfirmDialog
          id="archive-dialog"
          title={t('archive.confirm_title')}
          text={t('archive.confirm_text')}
          confirmLabel={t('archive.confirm')}
          busy={busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}
