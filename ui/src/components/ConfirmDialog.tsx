// A modal question before an action that can't be undone. The focus starts on Cancel (the safe
// choice), stays inside while it is open (Tab cycles, Escape cancels) and goes back to where it
// was when it closes.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useApp } from '../store';

export function ConfirmDialog(props: {
  /** Prefix of the element ids and test ids: `${id}` (the dialog), `${id}-confirm`, `${id}-cancel`. */
  id: string;
  title: string;
  text: string;
  confirmLabel: string;
  busy?: boolean;
  /** More to choose before confirming (a checkbox), under the text. */
  children?: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
}): JSX.Element {
  const { t } = useApp();
  const box = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancel.current?.focus();
    return () => {
      if (before && before.isConnected) before.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      if (!props.busy) props.onCancel();
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled])')];
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && !props.busy && props.onCancel()}>
      <div
        ref={box}
        id={props.id}
        class="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${props.id}-title`}
        aria-describedby={`${props.id}-text`}
        data-testid={props.id}
        onKeyDown={onKeyDown}
      >
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <p id={`${props.id}-text`}>{props.text}</p>
        {props.children}
        <div class="dialog-actions">
          <button ref={cancel} type="button" id={`${props.id}-cancel`} class="btn btn-secondary" data-testid={`${props.id}-cancel`} disabled={props.busy} onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
          <button type="button" id={`${props.id}-confirm`} class="btn btn-danger" data-testid={`${props.id}-confirm`} disabled={props.busy} onClick={props.onConfirm}>
            {props.busy ? t('common.working') : props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
