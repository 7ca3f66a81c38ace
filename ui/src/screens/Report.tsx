import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import { BackLink, LoadError, Loading, ScreenTitle, useLoad } from '../components/ui';
import { Icon } from '../components/Icon';
import { PRESETS, presetDays, type Days, type Preset } from '../logic/period';
import { href } from '../router';
import { getState, showBanner, useApp } from '../store';
import { describeError } from '../logic/words';

/** The organizers' dashboard: the meeting report for a chosen period, to read on the phone or
 *  print. The report itself is built (and escaped) on the Rust side, the same page the CLI
 *  writes with `aidmesh report --html`. */
export function ReportScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [preset, setPreset] = useState<Preset | 'custom'>('four_weeks');
  const [custom, setCustom] = useState<Days>(() => presetDays('four_weeks', new Date()));
  const [by, setBy] = useState<'week' | 'month'>('week');
  const days = preset === 'custom' ? custom : presetDays(preset, new Date());
  const { data, error, loading, reload } = useLoad(() => api.meetingReport(days.first, days.last, by, app.lang), [days.first, days.last, by, app.lang]);
  return (
    <div class="screen">
      <div class="report-controls">
        <BackLink to={href.organize()} label={t('organize.title')} />
        <ScreenTitle testid="report-title">{t('report.title')}</ScreenTitle>
        <div class="field">
          <label for="report-period">{t('report.period')}</label>
          <select id="report-period" data-testid="report-period" value={preset} onChange={(e) => setPreset(e.currentTarget.value as Preset | 'custom')}>
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                {t(`report.preset.${p}`)}
              </option>
            ))}
            <option value="custom">{t('report.preset.custom')}</option>
          </select>
        </div>
        {preset === 'custom' ? (
          <div class="grid-2">
            <div class="field">
              <label for="report-first">{t('report.first_day')}</label>
              <input id="report-first" type="date" data-testid="report-first" value={custom.first} max={custom.last} onChange={(e) => setCustom({ ...custom, first: e.currentTarget.value })} />
            </div>
            <div class="field">
              <label for="report-last">{t('report.last_day')}</label>
              <input id="report-last" type="date" data-testid="report-last" value={custom.last} min={custom.first} onChange={(e) => setCustom({ ...custom, last: e.currentTarget.value })} />
            </div>
          </div>
        ) : null}
        <div class="segmented" role="group" aria-label={t('report.by')}>
          {(['week', 'month'] as const).map((b) => (
            <button key={b} type="button" class={by === b ? 'on' : ''} aria-pressed={by === b} data-testid={`report-by-${b}`} onClick={() => setBy(b)}>
              {t(b === 'week' ? 'report.by_week' : 'report.by_month')}
            </button>
          ))}
        </div>
        <button type="button" class="btn btn-secondary btn-block" data-testid="report-print" onClick={() => window.print()} disabled={!data}>
          <Icon name="chart" size={20} /> {t('report.print')}
        </button>
      </div>
      {error ? <LoadError error={error} retry={reload} /> : null}
      {!data && loading ? <Loading /> : null}
      {data ? <div class="report-page" data-testid="report-page" aria-busy={loading} dangerouslySetInnerHTML={{ __html: data }} /> : null}
      <NetworkPanel days={days} />
    </div>
  );
}

/** Totals shared between chapters: this group's to save, and other groups' added up with it. */
function NetworkPanel({ days }: { days: Days }): JSX.Element {
  const app = useApp();
  const { t } = app;
  const [saved, setSaved] = useState<string | null>(null);
  const [network, setNetwork] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
      showBanner(null);
    } catch (e) {
      showBanner(describeError(e, getState().t).text);
    } finally {
      setBusy(false);
    }
  };
  const add = (input: HTMLInputElement) =>
    attempt(async () => {
      const files = await Promise.all(Array.from(input.files ?? []).map(async (f) => Array.from(new Uint8Array(await f.arrayBuffer()))));
      input.value = '';
      if (files.length) setNetwork(await api.networkReport(files, app.lang));
    });
  return (
    <section class="card report-network" aria-labelledby="network-title">
      <h2 id="network-title">{t('report.network')}</h2>
      <p class="muted">{t('report.network_explain')}</p>
      <div class="stack">
        <button type="button" class="btn btn-secondary" data-testid="totals-export" disabled={busy} onClick={() => void attempt(async () => setSaved((await api.exportTotals(days.first, days.last)).path))}>
          <Icon name="download" size={20} /> {t('report.export_totals')}
        </button>
        {saved ? (
          <p class="notice notice-ok" role="status" data-testid="totals-saved">
            {t('report.exported_totals', { path: saved })}
          </p>
        ) : null}
        <div class="file-field">
          <label for="totals-add" class="btn btn-secondary file-label">
            <Icon name="upload" size={20} /> {t('report.add_totals')}
          </label>
          <input id="totals-add" class="file-input" data-testid="totals-add" type="file" multiple disabled={busy} onChange={(e) => void add(e.currentTarget)} />
        </div>
      </div>
      {network ? <div class="report-page" data-testid="network-page" dangerouslySetInnerHTML={{ __html: network }} /> : null}
    </section>
  );
}
