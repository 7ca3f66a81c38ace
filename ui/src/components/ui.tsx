// Small shared pieces: form fields with their labels and errors, badges, empty states, loading.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Category, Urgency } from '../api/generated';
import { useApp } from '../store';
import { describeError } from '../logic/words';
import { Icon } from './Icon';
import { href } from '../router';

/** Loads data when the inputs or the data version change; keeps the old data while reloading. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: string | null; loading: boolean; reload: () => void } {
  const app = useApp();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const my = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => {
        if (my !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (my !== seq.current) return;
        setError(describeError(e, app.t).text);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, app.version, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

/** aria props tying an input to its hint and error. */
export function fieldAria(id: string, error?: string | null, hint?: string | null): Record<string, string | boolean | undefined> {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return {
    id,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy || undefined,
  };
}

/** The error under a field. `testid` is error-<field>; `alias` adds an outer error-<server field>. */
export function FieldError({ id, error, testid, alias }: { id: string; error?: string | null; testid: string; alias?: string }): JSX.Element | null {
  if (!error) return null;
  const inner = (
    <span class="field-error-text" data-testid={testid}>
      {error}
    </span>
  );
  return (
    <p class="field-error" id={`${id}-error`}>
      <Icon name="alert" size={16} />
      {alias && alias !== testid ? <span data-testid={alias}>{inner}</span> : inner}
    </p>
  );
}

export function Field(props: {
  id: string;
  label: string;
  hint?: string | null;
  error?: string | null;
  errorTestid: string;
  errorAlias?: string;
  optional?: boolean;
  children: ComponentChildren;
}): JSX.Element {
  const app = useApp();
  return (
    <div class={`field${props.error ? ' has-error' : ''}`}>
      <label for={props.id}>
        {props.label}
        {props.optional ? <span class="optional"> ({app.t('common.optional')})</span> : null}
      </label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.children}
      <FieldError id={props.id} error={props.error} testid={props.errorTestid} alias={props.errorAlias} />
    </div>
  );
}

export function UrgencyBadge({ urgency }: { urgency: Urgency }): JSX.Element {
  const { t } = useApp();
  const marks: Record<Urgency, string> = { critical: '!!', high: '!', normal: '', low: '' };
  return (
    <span class={`badge urgency-${urgency}`}>
      {marks[urgency] ? <span aria-hidden="true" class="badge-mark">{marks[urgency]}</span> : null}
      {t(`urgency.${urgency}`)}
    </span>
  );
}

export function StatusBadge({ status, prefix = 'need_status' }: { status: string; prefix?: string }): JSX.Element {
  const { t } = useApp();
  return <span class={`badge status status-${status}`}>{t.maybe(`${prefix}.${status}`) ?? status}</span>;
}

/** A need's title; one an organizer left out when renewing the record reads as such, not blank. */
export function NeedTitle({ title }: { title: string }): JSX.Element {
  const { t } = useApp();
  return title ? <>{title}</> : <em class="muted">{t('need.title_left_out')}</em>;
}

export function CategoryText({ category }: { category: Category }): JSX.Element {
  const { t } = useApp();
  return <span class="category">{t(`category.${category}`)}</span>;
}

export function Empty({ title, children, icon = 'needs' }: { title: string; children?: ComponentChildren; icon?: string }): JSX.Element {
  return (
    <div class="empty">
      <div class="empty-icon">
        <Icon name={icon} size={32} />
      </div>
      <p class="empty-title">{title}</p>
      {children ? <div class="empty-body">{children}</div> : null}
    </div>
  );
}

/** A spinner, saying what is loading when it may take a while. */
export function Loading({ text }: { text?: string }): JSX.Element {
  const { t } = useApp();
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {text ?? t('common.loading')}
    </p>
  );
}

export function LoadError({ error, retry }: { error: string; retry: () => void }): JSX.Element {
  const { t } = useApp();
  return (
    <div class="notice notice-error" role="alert">
      <p>{error}</p>
      <button type="button" class="btn btn-secondary" onClick={retry}>
        {t('common.retry')}
      </button>
    </div>
  );
}

/** A screen's heading; takes the focus when the screen opens, so screen readers announce it. */
export function ScreenTitle({ children, testid, sub }: { children: ComponentChildren; testid?: string; sub?: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && !el.contains(document.activeElement) && (document.activeElement === document.body || document.activeElement === null)) {
      el.focus({ preventScroll: true });
    }
  }, []);
  return (
    <div class="screen-title">
      <h1 ref={ref} tabIndex={-1} data-testid={testid}>
        {children}
      </h1>
      {sub ? <p class="screen-sub">{sub}</p> : null}
    </div>
  );
}

export function BackLink({ to, label }: { to: string; label: string }): JSX.Element {
  return (
    <a class="back-link" href={to}>
      <Icon name="back" size={20} />
      {label}
    </a>
  );
}

/** The big icon, title and line that open the screens shown before the group is ready. */
export function Hero({ icon, title, text }: { icon: string; title: string; text: string }): JSX.Element {
  return (
    <div class="hero">
      <div class="hero-mark" aria-hidden="true">
        <Icon name={icon} size={34} />
      </div>
      <h1 tabIndex={-1}>{title}</h1>
      <p>{text}</p>
    </div>
  );
}

/** The way to Settings' language switch, from screens without the tab bar. */
export function LanguageLink(): JSX.Element {
  const { t } = useApp();
  return (
    <p class="center">
      <a href={href.settings()} class="link-btn">
        <Icon name="globe" size={18} /> {t('settings.language')}
      </a>
    </p>
  );
}
