import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { AssignmentStatus, AssignmentView, Member } from '../api/generated';
import { HoursToConfirm } from '../components/HoursToConfirm';
import { Icon } from '../components/Icon';
import { Empty, FieldError, LoadError, Loading, ScreenTitle, StatusBadge, UrgencyBadge, useLoad } from '../components/ui';
import { parseHours, signedHours } from '../logic/hours';
import { assignmentActions } from '../logic/undo';
import { describeError, errorText } from '../logic/words';
import { href } from '../router';
import { changeStatus, getState, showBanner, toast, useApp } from '../store';

const ACTION_TESTID: Record<string, string> = { accepted: 'assignment-accept', declined: 'assignment-decline', done: 'assignment-done' };

/** Hours for a finished assignment (`a`), or for help given outside one (`a` null). */
function LogHoursForm({ a, members, onDone }: { a: AssignmentView | null; members: Member[]; onDone: () => void }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const me = app.status?.me?.id;
  const [amount, setAmount] = useState('');
  const [to, setTo] = useState('group');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Partial<Record<'hours' | 'to' | 'note', string>>>({});
  const [busy, setBusy] = useState(false);
  const base = `hours-${a?.id ?? 'other'}`;
  const check = (v: string) => {
    const p = parseHours(v);
    return p.ok ? undefined : errorText(t, p.code) ?? p.code;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const p = parseHours(amount);
    if (!p.ok) {
      setErrors({ hours: errorText(t, p.code) ?? p.code });
      document.getElementById(`${base}-amount`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await api.logHours({ assignment: a?.id ?? null, to, hours: p.text, note: note.trim() });
      showBanner(null);
      toast({ text: t('hours.logged_toast', { count: p.value, hours: t.number(p.value) }) });
      onDone();
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = shown.field === 'to' ? 'to' : shown.field === 'note' ? 'note' : (shown.field || ['not_quarter_hours', 'hours_out_of_range'].includes(shown.code)) ? 'hours' : null;
      if (f) {
        setErrors({ [f]: shown.text });
        document.getElementById(`${base}-${f === 'hours' ? 'amount' : f}`)?.focus();
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-form hours-form" onSubmit={(e) => void submit(e)} noValidate aria-label={t('hours.log_title')}>
      <div class="grid-2">
        <div class={`field${errors.hours ? ' has-error' : ''}`}>
          <label for={`${base}-amount`}>{t('hours.amount')}</label>
          <p class="hint" id={`${base}-amount-hint`}>{t('hours.amount_hint')}</p>
          <input
            id={`${base}-amount`}
            data-testid="hours-amount"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            aria-invalid={errors.hours ? 'true' : undefined}
            aria-describedby={`${base}-amount-hint${errors.hours ? ` ${base}-amount-error` : ''}`}
            onInput={(e) => {
              setAmount(e.currentTarget.value);
              if (errors.hours) setErrors((prev) => ({ ...prev, hours: check(e.currentTarget.value) }));
            }}
            onBlur={() => amount && setErrors((prev) => ({ ...prev, hours: check(amount) }))}
          />
          <FieldError id={`${base}-amount`} error={errors.hours} testid="error-hours" />
        </div>
        <div class={`field${errors.to ? ' has-error' : ''}`}>
          <label for={`${base}-to`}>{t('hours.to')}</label>
          <p class="hint" id={`${base}-to-hint`}>{t('hours.to_hint')}</p>
          <select id={`${base}-to`} data-testid="hours-to" value={to} aria-describedby={`${base}-to-hint`} onChange={(e) => setTo(e.currentTarget.value)}>
            <option value="group">{t('hours.the_group')}</option>
            {members.filter((m) => m.id !== me && !m.removed_at).map((m) => (
              <option key={m.id} value={m.id}>
                {m.display_name}
              </option>
            ))}
          </select>
          <FieldError id={`${base}-to`} error={errors.to} testid="error-to" />
        </div>
      </div>
      <div class={`field${errors.note ? ' has-error' : ''}`}>
        <label for={`${base}-note`}>
          {t('hours.note')} <span class="optional">({t('common.optional')})</span>
        </label>
        <input id={`${base}-note`} data-testid="hours-note" type="text" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        <FieldError id={`${base}-note`} error={errors.note} testid="error-note" />
      </div>
      <div class="action-row">
        <button type="submit" class="btn btn-primary" data-testid="hours-submit" disabled={busy}>
          {t('hours.submit')}
        </button>
        <button type="button" class="btn btn-ghost" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function AssignmentItem({ a, members }: { a: AssignmentView; members: Member[] }): JSX.Element {
  const { t } = useApp();
  const [busy, setBusy] = useState(false);
  const [logging, setLogging] = useState(false);
  const setStatus = async (to: AssignmentStatus) => {
    setBusy(true);
    await changeStatus({ kind: 'assignment', from: a.status, to }, (s) => api.setAssignmentStatus(a.id, s), (s) =>
      t('assignment.status_changed', { title: a.need_title, status: t(`assignment_status.${s}`).toLocaleLowerCase(t.lang) }));
    setBusy(false);
  };
  return (
    <li class="item" data-testid="my-assignment" data-assignment-id={a.id}>
      <div class="item-top">
        <StatusBadge status={a.status} prefix="assignment_status" />
        <UrgencyBadge urgency={a.need_urgency} />
      </div>
      <h3 class="item-title">
        <a href={href.need(a.need)}>{a.need_title}</a>
      </h3>
      <p class="item-meta">
        <span class="with-icon">
          <Icon name="pin" size={14} />
          {a.need_area}
        </span>
        <span class="sep" aria-hidden="true">·</span>
        <span>{t('assignment.by', { name: a.assigned_by_name, when: t.relative(a.created_at) })}</span>
      </p>
      {a.note ? <p class="note">{a.note}</p> : null}
      <div class="action-row">
        {assignmentActions(a.status).map((to) => (
          <button
            type="button"
            key={to}
            class={`btn btn-small ${to === 'declined' ? 'btn-danger-outline' : to === 'accepted' ? 'btn-primary' : 'btn-secondary'}`}
            data-testid={ACTION_TESTID[to]}
            disabled={busy}
            onClick={() => void setStatus(to)}
          >
            {t(`assignment.action.${to}`)}
          </button>
        ))}
        {a.status === 'done' && !a.hours_logged && !logging ? (
          <button type="button" class="btn btn-secondary btn-small" data-testid="hours-open" onClick={() => setLogging(true)}>
            <Icon name="clock" size={18} />
            {t('hours.log')}
          </button>
        ) : null}
        {a.hours_logged ? <span class="muted small with-icon"><Icon name="check" size={16} />{t('hours.already_logged')}</span> : null}
      </div>
      {logging && a.status === 'done' ? <LogHoursForm a={a} members={members} onDone={() => setLogging(false)} /> : null}
    </li>
  );
}

function Balance({ members }: { members: Member[] }): JSX.Element {
  const { t } = useApp();
  const { data, error, reload } = useLoad(() => api.myHours(), []);
  const [showAll, setShowAll] = useState(false);
  const [logging, setLogging] = useState(false);
  if (error) return <LoadError error={error} retry={reload} />;
  if (!data) return <Loading />;
  const fmt = (n: number) => t.number(n);
  const lines = showAll ? data.lines : data.lines.slice(-5);
  return (
    <section class="section" aria-labelledby="balance-title">
      <h2 id="balance-title">{t('hours.balance_title')}</h2>
      <div class="balance card">
        <div class="balance-net">
          <span class="balance-label">{t('hours.net')}</span>
          <span class={`balance-value${data.net < 0 ? ' neg' : ''}`} data-testid="my-balance">
            {signedHours(data.net, fmt)}
          </span>
          <span class="balance-unit">{t('hours.unit', { count: Math.abs(data.net) })}</span>
        </div>
        <dl class="balance-split">
          <div>
            <dt>{t('hours.given')}</dt>
            <dd>{fmt(data.given)}</dd>
          </div>
          <div>
            <dt>{t('hours.received')}</dt>
            <dd>{fmt(data.received)}</dd>
          </div>
        </dl>
      </div>
      {logging ? (
        <LogHoursForm a={null} members={members} onDone={() => setLogging(false)} />
      ) : (
        <button type="button" class="btn btn-secondary" data-testid="hours-log" onClick={() => setLogging(true)}>
          {t('hours.log')}
        </button>
      )}
      {data.lines.length ? (
        <>
          <h3 class="sub-heading">{t('hours.statement')}</h3>
          <div class="table-wrap">
            <table class="statement">
              <thead>
                <tr>
                  <th scope="col">{t('hours.col_when')}</th>
                  <th scope="col">{t('hours.col_with')}</th>
                  <th scope="col" class="num">{t('hours.col_hours')}</th>
                  <th scope="col" class="num">{t('hours.col_balance')}</th>
                </tr>
              </thead>
              <tbody>
                {[...lines].reverse().map((l) => (
                  <tr key={l.entry} class={`entry-${l.status}`}>
                    <td>{t.date(l.at, { day: 'numeric', month: 'short' })}</td>
                    <td>
                      {l.with === 'group' ? t('hours.the_group') : l.with_name}
                      {l.status !== 'confirmed' ? <span class="block small muted">{t(`entry_status.${l.status}`)}</span> : null}
                      {l.note ? <span class="block small muted">{l.note}</span> : null}
                    </td>
                    <td class="num">{signedHours(l.hours, fmt)}</td>
                    <td class="num">{fmt(l.balance)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.lines.length > 5 ? (
            <button type="button" class="btn btn-ghost btn-small" onClick={() => setShowAll(!showAll)}>
              {showAll ? t('hours.show_recent') : t('hours.show_all', { count: data.lines.length })}
            </button>
          ) : null}
        </>
      ) : data.opening === 0 ? (
        <p class="muted">{t('hours.no_lines')}</p>
      ) : null}
      {data.opening !== 0 ? (
        <p class="small muted" data-testid="hours-opening">
          {t('hours.opening', { hours: signedHours(data.opening, fmt) })}
        </p>
      ) : null}
    </section>
  );
}

export function MineScreen(): JSX.Element {
  const { t } = useApp();
  const { data, error, loading, reload } = useLoad(() => api.myAssignments(), []);
  const members = useLoad(() => api.listMembers(), []);
  const order: Record<AssignmentStatus, number> = { proposed: 0, accepted: 1, done: 2, declined: 3, cancelled: 4 };
  const list = data ? [...data].sort((a, b) => order[a.status] - order[b.status] || b.updated_at.localeCompare(a.updated_at)) : undefined;
  return (
    <div class="screen">
      <ScreenTitle>{t('mine.title')}</ScreenTitle>
      <section aria-labelledby="my-assignments-title">
        <h2 id="my-assignments-title">{t('mine.assignments')}</h2>
        {error ? <LoadError error={error} retry={reload} /> : null}
        {!list && loading ? <Loading /> : null}
        {list ? (
          list.length === 0 ? (
            <Empty title={t('mine.empty')} icon="mine">
              <p>{t('mine.empty_body')}</p>
              <a class="btn btn-secondary" href={href.offerNew()}>
                {t('offers.add')}
              </a>
            </Empty>
          ) : (
            <ul class="list">
              {list.map((a) => (
                <AssignmentItem key={a.id} a={a} members={members.data ?? []} />
              ))}
            </ul>
          )
        ) : null}
      </section>
      <HoursToConfirm title={t('hours.to_confirm')} />
      <Balance members={members.data ?? []} />
    </div>
  );
}
