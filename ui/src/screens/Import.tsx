// The import wizard: a sheet of requests (Google Form, Airtable, any CSV), of volunteers, or a
// TimeOverflow transfers file, in three steps. The file is read and mapped on the Rust side; every
// step shows a dry run, and nothing is written until the organizer presses Import on a plan with
// no errors and no questions left.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { listen } from '@tauri-apps/api/event';
import { api } from '../api/commands';
import {
  CHANNELS, EVENTS, MEMBER_IMPORT_TARGETS, NEED_IMPORT_TARGETS,
  type Channel, type ImportChoices, type ImportKind, type ImportPreview, type ImportProgressEvent, type Imported, type Question, type Target,
} from '../api/generated';
import { lineNoteText, linesText, meanings } from '../logic/import';
import { Icon } from '../components/Icon';
import { BackLink, ScreenTitle, useLoad } from '../components/ui';
import type { MessageKey, Translator } from '../i18n';
import { href } from '../router';
import { run, useApp } from '../store';

type Step = 'file' | 'columns' | 'check' | 'done';
const KINDS: ImportKind[] = ['needs', 'members', 'hours'];

/** Nothing decided yet about a file but what it holds and the preset to start from. */
function freshChoices(kind: ImportKind, preset: string | null): ImportChoices {
  return { kind, preset, columns: [], values: [], day_first: null, default_area: null, default_channel: null, keep_public: [], import_duplicates: null, save_preset: null };
}

export function ImportScreen(): JSX.Element {
  const app = useApp();
  const { t } = app;
  const areas = app.status?.group?.areas ?? [];
  const presets = useLoad(() => api.importPresets(), []);
  const [step, setStep] = useState<Step>('file');
  const [file, setFile] = useState<{ name: string; bytes: number[] } | null>(null);
  const [choices, setChoices] = useState<ImportChoices>(() => freshChoices('needs', null));
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgressEvent | null>(null);
  const [done, setDone] = useState<Imported | null>(null);
  // Each step starts at its top, with the focus on its heading (the button pressed is gone).
  useEffect(() => {
    window.scrollTo(0, 0);
    document.getElementById(`import-${step}-title`)?.focus();
  }, [step]);
  const latest = useRef(0);

  // Every choice made re-runs the dry run on the Rust side; a choice counts once its dry run
  // is shown, and only the newest dry run is.
  const check = async (bytes: number[], next: ImportChoices) => {
    const mine = ++latest.current;
    setBusy(true);
    const out = await run(() => api.previewImport(bytes, next));
    if (mine !== latest.current) return undefined;
    setBusy(false);
    if (out) {
      setChoices(next);
      setPreview(out);
    }
    return out;
  };
  const choose = (change: Partial<ImportChoices>) => {
    if (file) void check(file.bytes, { ...choices, ...change });
  };
  const setColumn = (column: number, target: Target) => choose({ columns: [...choices.columns.filter(([c]) => c !== column), [column, target]] });
  const answer = (target: Target, value: string, meaning: string) =>
    choose({ values: [...choices.values.filter((v) => !(v.target === target && v.value === value)), { target, value, meaning }] });

  const pick = async (input: HTMLInputElement) => {
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
    const fresh = freshChoices(choices.kind, choices.preset);
    if (await check(bytes, fresh)) {
      setFile({ name: chosen.name, bytes });
      // A transfers file's columns are fixed: nothing to map.
      setStep(fresh.kind === 'hours' ? 'check' : 'columns');
    }
  };

  const apply = async () => {
    if (!file) return;
    setBusy(true);
    const unlisten = await listen<ImportProgressEvent>(EVENTS.importProgress, (e) => setProgress(e.payload)).catch(() => null);
    const out = await run(() => api.applyImport(file.bytes, choices));
    unlisten?.();
    setBusy(false);
    setProgress(null);
    if (out) {
      setDone(out);
      setStep('done');
    }
  };

  const restart = () => {
    setChoices(freshChoices(choices.kind, choices.preset));
    setFile(null);
    setPreview(null);
    setDone(null);
    setStep('file');
  };

  return (
    <div class="screen">
      <BackLink to={href.organize()} label={t('nav.organize')} />
      <ScreenTitle testid="import-title" sub={step === 'file' ? t('import.explain') : undefined}>{t('import.title')}</ScreenTitle>
      <ol class="wizard-steps" aria-label={t('import.steps')}>
        {(['file', 'columns', 'check'] as const).filter((s) => s !== 'columns' || choices.kind !== 'hours').map((s, i) => (
          <li key={s} class={step === s ? 'current' : ''} aria-current={step === s ? 'step' : undefined}>
            <span class="step-n">{i + 1}</span> {t(`import.step_${s}` as MessageKey)}
          </li>
        ))}
      </ol>

      {step === 'file' ? (
        <section class="card stack">
          <fieldset class="kinds">
            <legend>{t('import.kind')}</legend>
            {KINDS.map((kind) => (
              <div class="check-row" key={kind}>
                <input id={`import-kind-${kind}`} data-testid={`import-kind-${kind}`} type="radio" name="import-kind" checked={choices.kind === kind} onChange={() => setChoices({ ...choices, kind })} />
                <label for={`import-kind-${kind}`}>
                  {t(`import.kind.${kind}` as MessageKey)}
                  <span class="block muted small">{t(`import.kind_hint.${kind}` as MessageKey)}</span>
                </label>
              </div>
            ))}
          </fieldset>
          {choices.kind === 'needs' ? (
            <>
              <label for="import-preset">{t('import.preset')}</label>
              <select id="import-preset" data-testid="import-preset" value={choices.preset ?? ''} onChange={(e) => setChoices({ ...choices, preset: e.currentTarget.value || null })}>
                <option value="">{t('import.preset_none')}</option>
                {(presets.data ?? []).map((p) => (
                  <option key={p} value={p}>
                    {p === 'google-form' ? t('import.preset_google_form') : p === 'airtable' ? t('import.preset_airtable') : p}
                  </option>
                ))}
              </select>
            </>
          ) : null}
          <div class="file-field">
            <label for="import-file" class="btn btn-primary file-label">
              <Icon name="upload" size={20} />
              {t('import.choose_file')}
            </label>
            <input id="import-file" class="file-input" data-testid="import-file" type="file" accept=".csv,.tsv,.txt,text/csv" disabled={busy} onChange={(e) => void pick(e.currentTarget)} />
          </div>
          <p class="muted small">{t('import.file_hint')}</p>
        </section>
      ) : null}

      {step === 'columns' && preview && file ? (
        <section class="stack" aria-labelledby="import-columns-title">
          <p class="muted" data-testid="import-file-summary">
            {t('import.file_summary', { name: file.name, count: preview.rows, encoding: preview.encoding })}
          </p>
          <h2 id="import-columns-title" tabIndex={-1}>{t('import.columns_title')}</h2>
          <p class="muted">{t(choices.kind === 'members' ? 'import.columns_explain_members' : 'import.columns_explain')}</p>
          <ul class="list compact">
            {preview.columns.map((c, i) => (
              <li key={i} class="item import-column" data-testid="import-column">
                <label for={`import-col-${i}`} class="item-title-sm">{c.header}</label>
                {c.samples.length ? <p class="muted small clip">{c.samples.join(' · ')}</p> : null}
                <div class="row-item">
                  <select id={`import-col-${i}`} data-testid="import-column-target" class="grow" value={c.target} disabled={busy} onChange={(e) => setColumn(i, e.currentTarget.value as Target)}>
                    {(choices.kind === 'members' ? MEMBER_IMPORT_TARGETS : NEED_IMPORT_TARGETS).map((target) => (
                      <option key={target} value={target}>
                        {t(`import.target.${choices.kind === 'members' && (target === 'phone' || target === 'email') ? `${target}_not_kept` : target}` as MessageKey)}
                      </option>
                    ))}
                  </select>
                  {c.sealed ? (
                    <span class="badge badge-private" data-testid="import-column-private">
                      <Icon name="lock" size={14} /> {t(choices.kind === 'members' ? 'import.not_kept' : 'import.private')}
                    </span>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
          <div class="sticky-actions">
            <button type="button" class="btn btn-primary btn-block" data-testid="import-to-check" disabled={busy} onClick={() => setStep('check')}>
              {t('import.to_check')}
            </button>
          </div>
        </section>
      ) : null}

      {step === 'check' && preview && file ? (
        <section class="stack" aria-labelledby="import-check-title">
          {choices.kind !== 'hours' ? (
            <button type="button" class="btn btn-ghost btn-small" onClick={() => setStep('columns')}>
              {t('import.back_to_columns')}
            </button>
          ) : null}
          <h2 id="import-check-title" tabIndex={-1}>{t('import.check_title')}</h2>
          <dl class="import-counts" data-testid="import-counts" aria-live="polite">
            <div><dt>{t(`import.count_new.${choices.kind}` as MessageKey)}</dt><dd data-testid="import-new">{preview.questions.length ? '?' : preview.new}</dd></div>
            <div><dt>{t('import.count_held')}</dt><dd>{preview.held_already}</dd></div>
            <div><dt>{t('import.count_skipped')}</dt><dd>{preview.skipped.length}</dd></div>
            <div class={preview.errors.length ? 'bad' : ''}><dt>{t('import.count_errors')}</dt><dd data-testid="import-errors">{preview.errors.length}</dd></div>
          </dl>
          {preview.questions.length ? <p class="notice notice-warn">{t('import.questions_first')}</p> : null}
          {preview.not_kept.length ? <p class="notice" data-testid="import-not-kept">{t('import.not_kept_explain', { columns: t.list(preview.not_kept) })}</p> : null}

          {preview.errors.length ? (
            <section class="card" aria-labelledby="import-errors-title">
              <h3 id="import-errors-title">{t('import.errors_title')}</h3>
              <p class="muted small">{t('import.errors_explain')}</p>
              <ul class="line-notes">
                {preview.errors.map((e) => (
                  <li key={e.line} data-testid="import-error">
                    <strong>{t('import.line', { line: e.line })}</strong> {lineNoteText(e, t)}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}

          {preview.questions.map((q, i) => (
            <QuestionCard key={`${q.kind}-${i}`} id={`import-q-${i}`} question={q} columns={preview.columns.map((c) => c.header)} areas={areas} busy={busy} t={t} choices={choices} answer={answer} choose={choose} />
          ))}

          {preview.skipped.length ? (
            <details class="card">
              <summary>{t('import.skipped_title', { count: preview.skipped.length })}</summary>
              <ul class="line-notes">
                {preview.skipped.map((s) => (
                  <li key={s.line}>
                    <strong>{t('import.line', { line: s.line })}</strong> {lineNoteText(s, t)}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}

          {choices.kind === 'needs' ? (
          <section class="card stack">
            <label for="import-channel">{t('import.default_channel')}</label>
            <select id="import-channel" value={choices.default_channel ?? ''} disabled={busy} onChange={(e) => choose({ default_channel: (e.currentTarget.value || null) as Channel | null })}>
              <option value="">{t('import.channel_unknown')}</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>{t(`channel.${c}` as MessageKey)}</option>
              ))}
            </select>
            <label for="import-save-preset">{t('import.save_preset')}</label>
            <input id="import-save-preset" data-testid="import-save-preset" disabled={busy} value={choices.save_preset ?? ''} placeholder={t('import.save_preset_placeholder')} onInput={(e) => setChoices({ ...choices, save_preset: e.currentTarget.value || null })} />
          </section>
          ) : null}

          {busy && progress ? (
            <div class="sync-progress" role="status">
              <progress max={progress.of} value={progress.done} />
              <p class="progress-text">{t('import.progress', { done: progress.done, of: progress.of })}</p>
            </div>
          ) : null}
          <div class="sticky-actions">
            <button type="button" class="btn btn-primary btn-block" data-testid="import-apply" disabled={busy || !preview.ready || preview.new === 0} onClick={() => void apply()}>
              {preview.ready ? t(`import.apply.${choices.kind}` as MessageKey, { count: preview.new }) : t('import.apply_blocked')}
            </button>
          </div>
        </section>
      ) : null}

      {step === 'done' && done ? (
        <section class="card stack" role="status" data-testid="import-done">
          <h2 id="import-done-title" tabIndex={-1}>{t(`import.done_title.${choices.kind}` as MessageKey, { count: done.added })}</h2>
          {choices.kind === 'needs' ? <p>{t('import.done_sealed', { count: done.contacts_sealed })}</p> : null}
          {done.contacts_not_kept ? <p class="muted">{t('import.done_not_kept', { count: done.contacts_not_kept })}</p> : null}
          <a class="btn btn-primary" href={choices.kind === 'needs' ? href.needs() : href.members()}>{t(choices.kind === 'needs' ? 'import.see_needs' : 'import.see_members')}</a>
          <button type="button" class="btn btn-secondary" onClick={restart}>{t('import.another')}</button>
        </section>
      ) : null}
    </div>
  );
}

/** One thing only the organizer can decide, with the controls to decide it. */
function QuestionCard(props: {
  id: string;
  question: Question;
  /** The file's headers, in order: a column is chosen by its place. */
  columns: string[];
  areas: string[];
  busy: boolean;
  t: Translator;
  choices: ImportChoices;
  answer: (target: Target, value: string, meaning: string) => void;
  choose: (change: Partial<ImportChoices>) => void;
}): JSX.Element {
  const { id, question: q, columns, areas, busy, t, choices, answer, choose } = props;
  const where = <p class="muted small">{linesText(q.lines, t)}</p>;
  const select = (id: string, options: [string, string][], onPick: (v: string) => void) => (
    <select id={id} data-testid="import-answer" disabled={busy} value="" onChange={(e) => e.currentTarget.value && onPick(e.currentTarget.value)}>
      <option value="">{t('import.choose')}</option>
      {options.map(([value, label]) => (
        <option key={value} value={value}>{label}</option>
      ))}
    </select>
  );
  // A group with no list of areas takes any name: the organizer types it.
  const areaInput = (id: string, onPick: (v: string) => void) =>
    areas.length ? select(id, meanings('area', areas, t), onPick) : (
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const typed = (new FormData(e.currentTarget).get('area') as string | null)?.trim();
          if (typed) onPick(typed);
        }}
      >
        <input id={id} name="area" data-testid="import-answer" disabled={busy} onChange={(e) => e.currentTarget.value.trim() && onPick(e.currentTarget.value.trim())} />
        <button type="submit" class="btn btn-secondary" disabled={busy}>{t('import.use_area')}</button>
      </form>
    );
  let body: JSX.Element;
  switch (q.kind) {
    case 'unknown_value':
      body = (
        <>
          <label for={id}>{t('import.q_unknown_value', { value: q.value, column: t(`import.target.${q.target}` as MessageKey) })}</label>
          {where}
          {q.target === 'area' ? areaInput(id, (m) => answer('area', q.value, m)) : select(id, meanings(q.target, areas, t), (m) => answer(q.target, q.value, m))}
        </>
      );
      break;
    case 'unknown_area':
      body = (
        <>
          <label for={id}>{t('import.q_unknown_area', { value: q.value })}</label>
          {where}
          {areaInput(id, (m) => answer('area', q.value, m))}
        </>
      );
      break;
    case 'no_area':
      body = (
        <>
          <label for={id}>{t('import.q_no_area')}</label>
          {where}
          {areaInput(id, (m) => choose({ default_area: m }))}
        </>
      );
      break;
    case 'date_order':
      body = (
        <fieldset>
          <legend>{t('import.q_date_order', { column: q.column })}</legend>
          {where}
          <div class="action-row">
            <button type="button" class="btn btn-secondary" data-testid="import-day-first" disabled={busy} onClick={() => choose({ day_first: true })}>{t('import.day_first')}</button>
            <button type="button" class="btn btn-secondary" data-testid="import-month-first" disabled={busy} onClick={() => choose({ day_first: false })}>{t('import.month_first')}</button>
          </div>
        </fieldset>
      );
      break;
    case 'looks_private':
      body = (
        <fieldset>
          <legend>{t('import.q_looks_private', { column: q.column })}</legend>
          {where}
          <div class="action-row">
            <button type="button" class="btn btn-primary" data-testid="import-seal" disabled={busy} onClick={() => {
              const column = columns.indexOf(q.column);
              choose({ columns: [...choices.columns.filter(([c]) => c !== column), [column, 'notes']] });
            }}>{t('import.seal_it')}</button>
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => choose({ keep_public: [...choices.keep_public, q.column] })}>{t('import.keep_public')}</button>
          </div>
        </fieldset>
      );
      break;
    case 'likely_duplicates':
      body = (
        <fieldset>
          <legend>{t('import.q_duplicates', { count: q.lines.length })}</legend>
          {where}
          <div class="action-row">
            <button type="button" class="btn btn-primary" data-testid="import-skip-duplicates" disabled={busy} onClick={() => choose({ import_duplicates: false })}>{t('import.skip_duplicates')}</button>
            <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => choose({ import_duplicates: true })}>{t('import.import_duplicates')}</button>
          </div>
        </fieldset>
      );
      break;
  }
  return (
    <div class="card question" data-testid="import-question">
      {body}
    </div>
  );
}
