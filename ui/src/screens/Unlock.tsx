import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Status } from '../api/generated';
import { Field, fieldAria, Hero, LanguageLink } from '../components/ui';
import { Icon } from '../components/Icon';
import { describeError, errorText } from '../logic/words';
import { getState, refreshCounts, setState, showBanner, useApp } from '../store';

/** Shown while the device's encrypted database waits for its passphrase (status `locked`). When
 * the environment gives the passphrase there is no field: the button opens it with that one. */
export function UnlockScreen({ status }: { status: Status }): JSX.Element {
  const { t } = useApp();
  const asks = status.asks_passphrase;
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const focusField = () => document.getElementById('unlock-passphrase')?.focus();

  const submit = async (e: Event) => {
    e.preventDefault();
    if (asks && passphrase === '') {
      setError(errorText(t, 'empty') ?? undefined);
      focusField();
      return;
    }
    setBusy(true);
    try {
      const next = await api.unlock(asks ? passphrase : '');
      showBanner(null);
      setState({ status: next });
      void refreshCounts();
    } catch (err) {
      const shown = describeError(err, getState().t);
      // The typed text stays, so a slip can be fixed rather than typed again.
      if (asks && (shown.field === 'passphrase' || shown.code === 'wrong_key')) {
        setError(shown.text);
        focusField();
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="stack-lg">
      <Hero icon="lock" title={t('unlock.title')} text={asks ? t('unlock.explain') : t('unlock.explain_env')} />
      <form class="card form" onSubmit={(e) => void submit(e)} noValidate aria-label={t('unlock.title')}>
        {asks ? (
          <Field id="unlock-passphrase" label={t('unlock.passphrase')} error={error} errorTestid="error-passphrase">
            <input
              {...fieldAria('unlock-passphrase', error)}
              data-testid="unlock-passphrase"
              type="password"
              autoComplete="current-password"
              autoCapitalize="off"
              spellcheck={false}
              value={passphrase}
              onInput={(e) => setPassphrase(e.currentTarget.value)}
            />
          </Field>
        ) : null}
        <button type="submit" class="btn btn-primary btn-block" data-testid="unlock-submit" disabled={busy}>
          <Icon name="lock" size={20} />
          {busy ? t('common.working') : t('unlock.submit')}
        </button>
      </form>
      <LanguageLink />
    </div>
  );
}
