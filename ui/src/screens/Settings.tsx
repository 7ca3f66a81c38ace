import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { GroupInfo } from '../api/generated';
import { BackLink, Field, fieldAria, ScreenTitle } from '../components/ui';
import { ExportLists } from '../components/ExportLists';
import { OldRecords } from '../components/OldRecords';
import { LANGS, type Lang } from '../i18n';
import { href } from '../router';
import { getState, isOrganizer, setLang, setState, showBanner, toast, useApp } from '../store';
import { shortId } from '../logic/time';
import { renewalDue, scheduleChoices } from '../logic/renew';
import { MAX_RETENTION_DAYS } from '../api/generated';
import { formFieldOf, RETENTION_FIELDS, validateRetentionDays, type FieldError, type RetentionField } from '../logic/validation';
import { describeError, errorText } from '../logic/words';

const NAMES: Record<Lang, string> = { en: 'English', es: 'Español' };

const RETENTION_IDS: Record<RetentionField, string> = { expiry_days: 'retention-expiry-days', grace_days: 'retention-grace-days' };

/** Organizers: how long contact details are kept after a need closes, and how long an open need
 * waits past 'needed by' before it expires. */
function RetentionForm({ group }: { group: GroupInfo }): JSX.Element {
  const { t } = useApp();
  const [days, setDays] = useState<Record<RetentionField, string>>({ expiry_days: String(group.expiry_days), grace_days: String(group.grace_days) });
  const [errors, setErrors] = useState<Partial<Record<RetentionField, string>>>({});
  const [busy, setBusy] = useState(false);

  const errText = (e: FieldError | undefined) => (e ? errorText(t, e.code, e.params) ?? e.code : undefined);
  const check = (): Partial<Record<RetentionField, string>> => ({
    expiry_days: errText(validateRetentionDays(days.expiry_days)),
    grace_days: errText(validateRetentionDays(days.grace_days)),
  });
  const focusFirst = (errs: Partial<Record<RetentionField, string>>): boolean => {
    const first = RETENTION_FIELDS.find((f) => errs[f]);
    if (first) document.getElementById(RETENTION_IDS[first])?.focus();
    return !!first;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = check();
    setErrors(errs);
    if (focusFirst(errs)) return;
    setBusy(true);
    try {
      const updated = await api.setRetention(Number(days.expiry_days.trim()), Number(days.grace_days.trim()));
      showBanner(null);
      const status = getState().status;
      if (status) setState({ status: { ...status, group: updated } });
      setDays({ expiry_days: String(updated.expiry_days), grace_days: String(updated.grace_days) });
      toast({ text: t('settings.retention_saved', { count: updated.expiry_days }) });
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, RETENTION_FIELDS) as RetentionField | null;
      if (f) {
        const errs = { [f]: shown.text };
        setErrors(errs);
        focusFirst(errs);
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };
  const input = (f: RetentionField, hint: string) => (
    <input
      {...fieldAria(RETENTION_IDS[f], errors[f], hint)}
      data-testid={RETENTION_IDS[f]}
      type="number"
      inputMode="numeric"
      min={1}
      max={MAX_RETENTION_DAYS}
      step={1}
      value={days[f]}
      onInput={(e) => {
        const v = e.currentTarget.value;
        setDays((prev) => ({ ...prev, [f]: v }));
        if (errors[f]) setErrors((prev) => ({ ...prev, [f]: errText(validateRetentionDays(v)) }));
      }}
      onBlur={() => setErrors((prev) => ({ ...prev, [f]: errText(validateRetentionDays(days[f])) }))}
    />
  );
  return (
    <form class="form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="retention-title">
      <Field id={RETENTION_IDS.expiry_days} label={t('settings.expiry_days')} hint={t('settings.expiry_days_hint')} error={errors.expiry_days} errorTestid="error-expiry-days" errorAlias="error-expiry_days">
        {input('expiry_days', t('settings.expiry_days_hint'))}
      </Field>
      <Field id={RETENTION_IDS.grace_days} label={t('settings.grace_days')} hint={t('settings.grace_days_hint')} error={errors.grace_days} errorTestid="error-grace-days" errorAlias="error-grace_days">
        {input('grace_days', t('settings.grace_days_hint'))}
      </Field>
      <button type="submit" class="btn btn-primary btn-block" data-testid="retention-save" disabled={busy}>
        {busy ? t('common.working') : t('settings.retention_save')}
      </button>
    </form>
  );
}

/** Every time zone this device knows, for suggestions while typing; the backend has the last word. */
function knownTimeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone')];
  } catch {
    return ['UTC'];
  }
}

/** Organizers: where the group is. A date typed alone means the end of that day there. */
function TimeZoneForm({ group }: { group: GroupInfo }): JSX.Element {
  const { t } = useApp();
  const [zone, setZone] = useState(group.time_zone);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!zone.trim()) {
      setError(errorText(t, 'bad_time_zone'));
      document.getElementById('time-zone')?.focus();
      return;
    }
    setBusy(true);
    try {
      const updated = await api.setTimeZone(zone.trim());
      showBanner(null);
      setError(null);
      const status = getState().status;
      if (status) setState({ status: { ...status, group: updated } });
      setZone(updated.time_zone);
      toast({ text: t('settings.time_zone_saved', { zone: updated.time_zone }) });
    } catch (err) {
      const shown = describeError(err, getState().t);
      if (shown.field === 'time_zone') {
        setError(shown.text);
        document.getElementById('time-zone')?.focus();
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="time-zone-title">
      <Field id="time-zone" label={t('settings.time_zone')} hint={t('settings.time_zone_hint', { here })} error={error} errorTestid="error-time-zone" errorAlias="error-time_zone">
        <input
          {...fieldAria('time-zone', error, t('settings.time_zone_hint', { here }))}
          data-testid="time-zone-input"
          type="text"
          list="time-zone-list"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          value={zone}
          onInput={(e) => setZone(e.currentTarget.value)}
        />
      </Field>
      <datalist id="time-zone-list">
        {knownTimeZones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <button type="submit" class="btn btn-primary btn-block" data-testid="time-zone-save" disabled={busy}>
        {busy ? t('common.working') : t('settings.time_zone_save')}
      </button>
    </form>
  );
}

/** Organizers: how often the group's record is renewed, and when it is next due. */
function RenewalSchedule({ months, dueAt }: { months: number; dueAt: string | null }): JSX.Element {
  const { t } = useApp();
  const [busy, setBusy] = useState(false);
  const change = async (value: number) => {
    setBusy(true);
    try {
      setState({ status: await api.setRenewalSchedule(value) });
      showBanner(null);
      toast({ text: value ? t('renew.schedule_saved', { count: value }) : t('renew.schedule_off') });
    } catch (err) {
      showBanner(describeError(err, getState().t).text);
    } finally {
      setBusy(false);
    }
  };
  const due = dueAt ? t(renewalDue(dueAt, new Date()) ? 'renew.due_now' : 'renew.due_on', { date: t.date(dueAt) }) : '';
  return (
    <div class="field">
      <label for="renew-every">{t('renew.every')}</label>
      <p class="hint" id="renew-every-hint">
        {t('renew.every_hint')}
      </p>
      <select id="renew-every" data-testid="renew-every" aria-describedby="renew-every-hint renew-due" value={String(months)} disabled={busy} onChange={(e) => void change(Number(e.currentTarget.value))}>
        {scheduleChoices(months).map((m) => (
          <option key={m} value={String(m)}>
            {m ? t('renew.every_months', { count: m }) : t('renew.every_never')}
          </option>
        ))}
      </select>
      <p id="renew-due" data-testid="renew-due">
        {due}
      </p>
    </div>
  );
}

export function SettingsScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  return (
    <div class="screen">
      <BackLink to={href.needs()} label={t('settings.back')} />
      <ScreenTitle>{t('settings.title')}</ScreenTitle>
      <section class="card form">
        <div class="field">
          <label for="lang-select">{t('settings.language')}</label>
          <p class="hint" id="lang-select-hint">
            {t('settings.language_hint')}
          </p>
          <select id="lang-select" data-testid="lang-select" value={app.lang} aria-describedby="lang-select-hint" onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            {LANGS.map((l) => (
              <option key={l} value={l} lang={l}>
                {NAMES[l]}
              </option>
            ))}
          </select>
        </div>
      </section>
      {app.status?.group ? (
        <section class="card">
          <h2>{t('settings.group')}</h2>
          <dl class="facts">
            <div class="fact">
              <dt>{t('settings.group_name')}</dt>
              <dd>{app.status.group.name}</dd>
            </div>
            {app.status.me ? (
              <div class="fact">
                <dt>{t('settings.you')}</dt>
                <dd>
                  {app.status.me.display_name} · {t(`role.${app.status.me.role}`)}
                </dd>
              </div>
            ) : null}
            <div class="fact">
              <dt>{t('settings.areas')}</dt>
              <dd>{app.status.group.areas.length ? t.list(app.status.group.areas) : t('settings.areas_any')}</dd>
            </div>
            <div class="fact">
              <dt>{t('settings.time_zone')}</dt>
              <dd data-testid="group-time-zone">{app.status.group.time_zone}</dd>
            </div>
            <div class="fact">
              <dt>{t('sync.device_id')}</dt>
              <dd>
                <code>{shortId(app.status.device_id)}</code>
              </dd>
            </div>
          </dl>
          {isOrganizer(app) ? (
            <>
              <h3 class="sub-heading" id="time-zone-title">{t('settings.time_zone_title')}</h3>
              <TimeZoneForm group={app.status.group} />
            </>
          ) : null}
          <h3 class="sub-heading" id="retention-title">{t('settings.retention')}</h3>
          <p data-testid="retention-expiry">{t('settings.retention_expiry', { count: app.status.group.expiry_days })}</p>
          <p data-testid="retention-grace">{t('settings.retention_grace', { count: app.status.group.grace_days })}</p>
          {isOrganizer(app) ? <RetentionForm group={app.status.group} /> : null}
        </section>
      ) : null}
      {app.status?.group && isOrganizer(app) ? (
        <section class="card stack" aria-labelledby="renew-open-title">
          <h2 id="renew-open-title">{t('renew.settings_title')}</h2>
          <p class="muted">{t('renew.explain')}</p>
          <RenewalSchedule months={app.status.group.renew_every_months} dueAt={app.status.renewal_due_at} />
          <a class="btn btn-secondary" href={href.renew()} data-testid="renew-open">
            {t('renew.open')}
          </a>
        </section>
      ) : null}
      {app.status?.group ? <OldRecords /> : null}
      {app.status?.group ? <ExportLists /> : null}
      <section class="card about">
        <h2>{t('settings.about')}</h2>
        <p>{t('settings.about_text')}</p>
        <p class="muted">{t('settings.privacy')}</p>
      </section>
    </div>
  );
}
