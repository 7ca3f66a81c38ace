import type { JSX } from 'preact';
import { dismissToast, holdToast, showError, useApp, type Toast } from '../store';
import { Icon } from './Icon';

function ToastView({ toast }: { toast: Toast }): JSX.Element {
  const { t } = useApp();
  const undo = async () => {
    dismissToast(toast.id);
    try {
      await toast.undo?.();
    } catch (e) {
      showError(e);
    }
  };
  return (
    <div
      class={`toast${toast.error ? ' toast-error' : ''}${toast.warning ? ' toast-warn' : ''}`}
      role="status"
      aria-atomic="true"
      data-testid="toast"
      onMouseEnter={() => holdToast(toast.id, true)}
      onMouseLeave={() => holdToast(toast.id, false)}
      onFocusIn={() => holdToast(toast.id, true)}
      onFocusOut={() => holdToast(toast.id, false)}
    >
      {toast.warning ? <Icon name="alert" size={20} /> : null}
      <p class="toast-text" data-testid={toast.warning ? 'toast-warning' : undefined}>
        {toast.text}
      </p>
      {toast.link ? (
        <a class="toast-action" href={toast.link.href} onClick={() => dismissToast(toast.id)}>
          {toast.link.text}
        </a>
      ) : null}
      {toast.undo ? (
        <button type="button" class="toast-action" data-testid="toast-undo" onClick={() => void undo()}>
          {t('common.undo')}
        </button>
      ) : null}
      <button type="button" class="toast-close" data-testid="toast-close" onClick={() => dismissToast(toast.id)} aria-label={t('common.dismiss')}>
        <Icon name="close" size={18} />
      </button>
    </div>
  );
}

/** Toasts sit above the tab bar; each is its own polite status region. */
export function Toasts(): JSX.Element {
  const app = useApp();
  return (
    <div class="toasts" aria-label={app.t('common.notifications')}>
      {app.toasts.map((x) => (
        <ToastView key={x.id} toast={x} />
      ))}
    </div>
  );
}
