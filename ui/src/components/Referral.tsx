// Referrals between the groups this device is in: where a need was sent and how far it has come
// there, where a need came from, and the organizers' actions (send one, accept or return one).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { GroupSummary, NeedDetail } from '../api/generated';
import { isActiveNeed } from '../logic/time';
import { actionText } from '../logic/words';
import { isOrganizer, run, toast, useApp } from '../store';
import { Field, fieldAria, useLoad } from './ui';
import { Icon } from './Icon';

/** Sending the need to another group on this device: which group, which of its areas, a note. */
function ReferForm({ d, groups, close }: { d: NeedDetail; groups: GroupSummary[]; close: () => void }): JSX.Element {
  const { t } = useApp();
  const [to, setTo] = useState(groups[0].id);
  const target = groups.find((g) => g.id === to) ?? groups[0];
  const [area, setArea] = useState('');
  const [note, setNote] = useState('');
  const [withContact, setWithContact] = useState(false);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);
  const shownArea = target.areas.includes(area) || !target.areas.length ? area : '';
  // Details go only when the person agreed to share them with whoever helps, and an organizer says so.
  const canShare = d.contact === 'readable' && !d.need.contact_organizers_only;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const sent = await run(() => api.referNeed(d.need.id, to, shownArea.trim() || null, note, canShare && withContact));
    setBusy(false);
    if (!sent) return;
    toast({ text: t('referral.sent', { title: d.need.title, group: target.name ?? '' }) });
    close();
  };
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="refer-title" data-testid="refer-form">
      <h3 id="refer-title">{t('referral.form_title')}</h3>
      <Field id="refer-group" label={t('referral.to_group')} errorTestid="error-refer-group">
        <select {...fieldAria('refer-group')} ref={first} data-testid="refer-group" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </Field>
      <Field id="refer-area" label={t('referral.area')} errorTestid="error-refer-area" hint={t('referral.area_hint', { area: d.need.area })}>
        {target.areas.length ? (
          <select {...fieldAria('refer-area', null, t('referral.area_hint', { area: d.need.area }))} data-testid="refer-area" value={shownArea} onChange={(e) => setArea(e.currentTarget.value)}>
            <option value="">{t('referral.same_area', { area: d.need.area })}</option>
            {target.areas.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        ) : (
          <input {...fieldAria('refer-area', null, t('referral.area_hint', { area: d.need.area }))} data-testid="refer-area" type="text" value={area} placeholder={d.need.area} onInput={(e) => setArea(e.currentTarget.value)} />
        )}
      </Field>
      <Field id="refer-note" label={t('referral.note')} errorTestid="error-refer-note" hint={t('referral.note_hint')}>
        <textarea {...fieldAria('refer-note', null, t('referral.note_hint'))} data-testid="refer-note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      {canShare ? (
        <div class="check-row">
          <input id="refer-with-contact" data-testid="refer-with-contact" type="checkbox" aria-describedby="refer-with-contact-hint" checked={withContact} onChange={(e) => setWithContact(e.currentTarget.checked)} />
          <label for="refer-with-contact">{t('referral.send_contact')}</label>
          <p id="refer-with-contact-hint" class="hint">{t('referral.with_contact')}</p>
        </div>
      ) : d.contact === 'none' ? null : (
        <p class="muted" data-testid="refer-no-contact">{d.need.contact_organizers_only ? t('referral.no_contact') : t('referral.no_contact_here')}</p>
      )}
      <div class="action-row">
        <button type="submit" class="btn btn-primary" data-testid="refer-submit" disabled={busy}>
          <Icon name="send" size={18} />
          {busy ? t('common.working') : t('referral.send', { group: target.name ?? '' })}
        </button>
        <button type="button" class="btn btn-ghost" onClick={close}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** "Refer to another group", for organizers, while the need still takes volunteers and the
 * device is in another group. */
export function ReferAction({ d }: { d: NeedDetail }): JSX.Element | null {
  const { t } = useApp();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const { data } = useLoad(() => api.listGroups(), []);
  const others = (data ?? []).filter((g) => !g.current && g.name !== null);
  if (!others.length) return null;
  const close = () => {
    setOpen(false);
    // Back to where the person was, once the button is there again.
    setTimeout(() => button.current?.focus(), 0);
  };
  if (open) return <ReferForm d={d} groups={others} close={close} />;
  return (
    <button type="button" ref={button} class="btn btn-secondary btn-block" data-testid="refer-open" onClick={() => setOpen(true)}>
      <Icon name="send" size={20} />
      {t('referral.open')}
    </button>
  );
}

/** Accept or return a need another group sent here (organizers). */
function AnswerActions({ d }: { d: NeedDetail }): JSX.Element {
  const { t } = useApp();
  const [returning, setReturning] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = d.need.referred_from?.group_name ?? '';
  const returnButton = useRef<HTMLButtonElement>(null);
  const reasonField = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (returning) reasonField.current?.focus();
  }, [returning]);
  const cancelReturn = () => {
    setReturning(false);
    setTimeout(() => returnButton.current?.focus(), 0);
  };
  const answer = async (why: string | null) => {
    if (why !== null && !why.trim()) {
      setError(t('referral.reason_needed'));
      reasonField.current?.focus();
      return;
    }
    setBusy(true);
    const done = await run(() => api.answerReferral(d.need.id, why));
    setBusy(false);
    if (done) toast({ text: why === null ? t('referral.accepted_toast', { group: from }) : t('referral.returned_toast', { group: from }) });
  };
  if (returning) {
    return (
      <form class="form" onSubmit={(e) => { e.preventDefault(); void answer(reason); }} noValidate>
        <Field id="referral-reason" label={t('referral.reason', { group: from })} error={error} errorTestid="error-referral-reason">
          <textarea {...fieldAria('referral-reason', error)} ref={reasonField} data-testid="referral-reason" rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
        <div class="action-row">
          <button type="submit" class="btn btn-danger-outline" data-testid="referral-return-submit" disabled={busy}>
            {t('referral.return_to', { group: from })}
          </button>
          <button type="button" class="btn btn-ghost" onClick={cancelReturn}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <div class="action-row">
      {d.need.referred_from?.accepted_at ? null : (
        <button type="button" class="btn btn-primary" data-testid="referral-accept" disabled={busy} onClick={() => void answer(null)}>
          {t('referral.accept')}
        </button>
      )}
      <button type="button" ref={returnButton} class="btn btn-secondary" data-testid="referral-return" disabled={busy} onClick={() => setReturning(true)}>
        {t('referral.return')}
      </button>
    </div>
  );
}

export function ReferralPanel({ d }: { d: NeedDetail }): JSX.Element | null {
  const app = useApp();
  const { t } = app;
  const organizer = isOrganizer(app);
  const { referral, referred_from: from } = d.need;
  return (
    <>
      {referral ? (
        <section class="card referral" data-testid="referral-card" aria-labelledby="referral-title">
          <h2 id="referral-title" class="with-icon">
            <Icon name="send" size={20} />
            {t('referral.sent_to', { group: referral.group_name })}
          </h2>
          <p>
            <span class={`badge referral-${referral.progress}`} data-testid="referral-progress">
              {t(`referral_progress.${referral.progress}`)}
            </span>{' '}
            <span class="muted">{t.date(referral.progress_at)}</span>
          </p>
          {referral.reason ? <p data-testid="referral-reason-shown">{t('referral.their_reason', { reason: referral.reason })}</p> : null}
          <p class="muted small">{t('referral.sent_on', { date: t.date(referral.at), area: referral.area })}</p>
        </section>
      ) : null}
      {from ? (
        <section class="card referral" data-testid="referred-from-card" aria-labelledby="referred-from-title">
          <h2 id="referred-from-title" class="with-icon">
            <Icon name="people" size={20} />
            {t('referral.from', { group: from.group_name })}
          </h2>
          {from.note ? <p class="description">“{from.note}”</p> : null}
          <p data-testid="referred-from-state">
            {from.returned_at
              ? t('referral.returned_on', { date: t.date(from.returned_at), reason: from.reason })
              : from.accepted_at
                ? t('referral.accepted_on', { date: t.date(from.accepted_at) })
                : t('referral.waiting_answer')}
          </p>
          {from.history.length ? (
            <details>
              <summary>{t('referral.history_before', { group: from.group_name })}</summary>
              <ul class="changes">
                {from.history.map((step, i) => (
                  <li key={i}>
                    {t.date(step.at)}: {actionText(step.action, t)}
                    {step.status ? ` (${t(`need_status.${step.status}`)})` : ''}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {organizer && !from.returned_at && isActiveNeed(d.need.status) ? <AnswerActions d={d} /> : null}
        </section>
      ) : null}
    </>
  );
}
