import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Member, Role } from '../api/generated';
import { InvitePanel } from '../components/SyncControls';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import { languageName } from '../logic/words';
import { isOrganizer, run, toast, useApp } from '../store';

function MemberItem({ m, canManage, isMe, onRemove }: { m: Member; canManage: boolean; isMe: boolean; onRemove: (m: Member) => void }): JSX.Element {
  const { t } = useApp();
  const [busy, setBusy] = useState(false);
  const setRole = async (role: Role) => {
    setBusy(true);
    const out = await run(() => api.setMemberRole(m.id, role));
    setBusy(false);
    if (!out) return;
    toast({ text: t('members.role_changed', { name: m.display_name, role: t(`role.${role}`).toLocaleLowerCase(t.lang) }) });
  };
  const initials = m.display_name.trim().split(/\s+/).slice(0, 2).map((w) => w[0]?.toUpperCase() ?? '').join('');
  return (
    <li class={`item row-item member${m.removed_at ? ' removed' : ''}`} data-testid="member-item" data-member-id={m.id}>
      <span class="avatar" aria-hidden="true">{initials}</span>
      <div class="grow">
        <p class="item-title-sm">
          {m.display_name}
          {isMe ? <span class="muted"> ({t('members.you')})</span> : null}
        </p>
        <p class="item-top">
          <span class={`badge role-${m.role}`}>{t(`role.${m.role}`)}</span>
          {m.removed_at ? <span class="badge">{t('members.removed')}</span> : null}
        </p>
        {m.home_area || m.languages.length ? (
          <p class="muted small">{[m.home_area, ...m.languages.map((l) => languageName(l, t))].filter(Boolean).join(' · ')}</p>
        ) : null}
      </div>
      {canManage && !isMe && !m.removed_at ? (
        <div class="action-row member-actions">
          {m.role === 'volunteer' ? (
            <button type="button" class="btn btn-secondary btn-small" data-testid="member-make-organizer" disabled={busy} onClick={() => void setRole('organizer')} aria-label={t('members.make_organizer_for', { name: m.display_name })}>
              {t('members.make_organizer')}
            </button>
          ) : (
            <button type="button" class="btn btn-ghost btn-small" data-testid="member-make-volunteer" disabled={busy} onClick={() => void setRole('volunteer')} aria-label={t('members.make_volunteer_for', { name: m.display_name })}>
              {t('members.make_volunteer')}
            </button>
          )}
          <button type="button" class="btn btn-danger-outline btn-small" data-testid="member-remove" disabled={busy} onClick={() => onRemove(m)} aria-label={t('members.remove_for', { name: m.display_name })}>
            {t('members.remove')}
          </button>
        </div>
      ) : null}
    </li>
  );
}

export function MembersScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const { data, error, loading, reload } = useLoad(() => api.listMembers(), []);
  const me = app.status?.me?.id;
  const organizer = isOrganizer(app);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [renewToo, setRenewToo] = useState(false);
  const [busy, setBusy] = useState(false);
  const remove = async (m: Member, renew: boolean) => {
    setBusy(true);
    const out = await run(() => api.removeMember(m.id, renew));
    setBusy(false);
    setRemoving(null);
    setRenewToo(false);
    if (out === undefined) return;
    toast({ text: t(renew ? 'members.removed_renewed_toast' : 'members.removed_toast', { name: m.display_name }) });
  };
  const list = data ? [...data].sort((a, b) => Number(!!a.removed_at) - Number(!!b.removed_at) || (a.role === b.role ? a.display_name.localeCompare(b.display_name) : a.role === 'organizer' ? -1 : 1)) : undefined;
  return (
    <div class="screen">
      <ScreenTitle sub={data ? t('members.count', { count: data.filter((m) => !m.removed_at).length }) : null}>{t('members.title')}</ScreenTitle>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!list && loading ? <Loading /> : null}
      {list ? (
        <ul class="list compact">
          {list.map((m) => (
            <MemberItem key={m.id} m={m} canManage={organizer} isMe={m.id === me} onRemove={setRemoving} />
          ))}
        </ul>
      ) : null}
      <InvitePanel />
      {removing ? (
        <ConfirmDialog
          id="remove-dialog"
          title={t('members.remove_title', { name: removing.display_name })}
          text={t('members.remove_text')}
          confirmLabel={t('members.remove')}
          busy={busy}
          onConfirm={() => void remove(removing, renewToo)}
          onCancel={() => {
            setRemoving(null);
            setRenewToo(false);
          }}
        >
          <div class="check-row top">
            <input id="remove-renew" type="checkbox" data-testid="remove-renew" checked={renewToo} disabled={busy} onChange={(e) => setRenewToo(e.currentTarget.checked)} />
            <label for="remove-renew">{t('members.remove_renew')}</label>
          </div>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
