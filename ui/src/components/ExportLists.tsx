// "The group's lists as a spreadsheet": needs, offers, members and hours as CSV files in the
// downloads folder. Contact details only for organizers who tick the box and confirm a warning,
// since a spreadsheet of phone numbers cannot be recalled once it leaves the phone.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { ListsWritten } from '../api/generated';
import { isOrganizer, run, useApp } from '../store';
import { ConfirmDialog } from './ConfirmDialog';
import { Icon } from './Icon';

export function ExportLists(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [withContacts, setWithContacts] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<ListsWritten | null>(null);

  const write = async () => {
    setConfirming(false);
    setBusy(true);
    const out = await run(() => api.exportLists(withContacts));
    setBusy(false);
    if (out) setWritten(out);
  };

  return (
    <section class="card stack" aria-labelledby="export-lists-title">
      <h2 id="export-lists-title">{t('export.title')}</h2>
      <p class="muted">{t('export.explain')}</p>
      {isOrganizer(app) ? (
        <div class="check-row">
          <input id="export-with-contacts" data-testid="export-with-contacts" type="checkbox" checked={withContacts} onChange={(e) => setWithContacts(e.currentTarget.checked)} />
          <label for="export-with-contacts">{t('export.with_contacts')}</label>
        </div>
      ) : null}
      <button type="button" class="btn btn-secondary" data-testid="export-lists" disabled={busy} onClick={() => (withContacts ? setConfirming(true) : void write())}>
        <Icon name="download" size={20} />
        {t('export.button')}
      </button>
      {written ? (
        <p class={`notice ${written.contacts ? 'notice-warn' : 'notice-ok'}`} role="status" data-testid="export-written">
          {t('export.written', { folder: written.folder, needs: written.needs, offers: written.offers, members: written.members, hours: written.hours })}
          {written.contacts ? ` ${t('export.written_contacts', { count: written.contacts })}` : ''}
        </p>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          id="export-contacts-dialog"
          title={t('export.confirm_title')}
          text={t('export.confirm_text')}
          confirmLabel={t('export.confirm')}
          onConfirm={() => void write()}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}
