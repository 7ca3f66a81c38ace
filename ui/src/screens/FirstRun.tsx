import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/commands';
import type { Role, Status } from '../api/generated';
import { Field, fieldAria, Hero, LanguageLink } from '../components/ui';
import { BundleControls, ConnectForm, LastDigest } from '../components/SyncControls';
import { Icon } from '../components/Icon';
import { QrScanner, useHasCamera } from '../components/QrScanner';
import { validateName, validatePassphrase, formFieldOf, type FieldError as FE, type PassphraseField } from '../logic/validation';
import { describeError, errorText } from '../logic/words';
import { getState, loadStatus, refreshCounts, setState, showBanner, toast, useApp } from '../store';
import { href } from '../router';
import { UnlockScreen } from './Unlock';

type FormField = 'group_name' | 'your_name' | 'invite' | PassphraseField;
type Errors = Partial<Record<FormField, string>>;

function useErrText() {
  const { t } = useApp();
  return (e: FE | undefined) => (e ? errorText(t, e.code, e.params) ?? e.code : undefined);
}

/** The first field with an error, in form order, gets the focus. */
function focusFirst(errs: Errors, ids: Partial<Record<FormField, string>>): boolean {
  const first = (Object.keys(ids) as FormField[]).find((f) => errs[f]);
  if (first) document.getElementById(ids[first] ?? '')?.focus();
  return first !== undefined;
}

/** The passphrase typed twice, for the create and join forms, when the status asks for one.
 * Ids: `${prefix}-passphrase` and `${prefix}-passphrase-confirm`. */
function PassphraseFields(props: {
  prefix: 'create' | 'join';
  passphrase: string;
  confirm: string;
  setPassphrase: (v: string) => void;
  setConfirm: (v: string) => void;
  errors: Errors;
  setErrors: (f: (prev: Errors) => Errors) => void;
}): JSX.Element {
  const { t } = useApp();
  const errText = useErrText();
  const { prefix, errors } = props;
  const id = `${prefix}-passphrase`;
  const confirmId = `${prefix}-passphrase-confirm`;
  return (
    <>
      <Field id={id} label={t('first.passphrase')} hint={t('first.passphrase_hint')} error={errors.passphrase} errorTestid={`error-${id}`} errorAlias="error-passphrase">
        <input
          {...fieldAria(id, errors.passphrase, t('first.passphrase_hint'))}
          data-testid={id}
          type="password"
          autoComplete="new-password"
          autoCapitalize="off"
          spellcheck={false}
          value={props.passphrase}
          onInput={(e) => props.setPassphrase(e.currentTarget.value)}
          onBlur={() => props.passphrase && props.setErrors((prev) => ({ ...prev, passphrase: undefined }))}
        />
      </Field>
      <Field id={confirmId} label={t('first.passphrase_confirm')} error={errors.passphrase_confirm} errorTestid={`error-${confirmId}`} errorAlias="error-passphrase_confirm">
        <input
          {...fieldAria(confirmId, errors.passphrase_confirm)}
          data-testid={confirmId}
          type="password"
          autoComplete="new-password"
          autoCapitalize="off"
          spellcheck={false}
          value={props.confirm}
          onInput={(e) => props.setConfirm(e.currentTarget.value)}
          onBlur={() => props.confirm && props.setErrors((prev) => ({ ...prev, passphrase_confirm: errText(validatePassphrase(props.passphrase, props.confirm).passphrase_confirm) }))}
        />
      </Field>
    </>
  );
}

const CREATE_IDS: Partial<Record<FormField, string>> = {
  group_name: 'create-group-name', your_name: 'create-your-name', passphrase: 'create-passphrase', passphrase_confirm: 'create-passphrase-confirm',
};
const JOIN_IDS: Partial<Record<FormField, string>> = {
  invite: 'join-invite', your_name: 'join-name', passphrase: 'join-passphrase', passphrase_confirm: 'join-passphrase-confirm',
};

export function CreateForm({ asks }: { asks: boolean }): JSX.Element {
  const { t } = useApp();
  const errText = useErrText();
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('organizer');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const check = (): Errors => {
    const pass = asks ? validatePassphrase(passphrase, confirm) : {};
    return {
      group_name: errText(validateName(group)),
      your_name: errText(validateName(name)),
      passphrase: errText(pass.passphrase),
      passphrase_confirm: errText(pass.passphrase_confirm),
    };
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const errs = check();
    setErrors(errs);
    if (focusFirst(errs, CREATE_IDS)) return;
    setBusy(true);
    try {
      const status = await api.createGroup(group.trim(), name.trim(), role, asks ? passphrase : null);
      showBanner(null);
      setState({ status });
      void refreshCounts();
      location.hash = href.needs();
    } catch (err) {
      const shown = describeError(err, getState().t);
      const f = formFieldOf(shown.field, asks ? ['group_name', 'your_name', 'passphrase'] : ['group_name', 'your_name']) as FormField | null;
      if (f) {
        const errs = { [f]: shown.text };
        setErrors(errs);
        focusFirst(errs, CREATE_IDS);
      } else showBanner(shown.text);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="create-title">
      <h2 id="create-title">{t('first.create_title')}</h2>
      <p class="muted">{t('first.create_explain')}</p>
      <Field id="create-group-name" label={t('first.group_name')} error={errors.group_name} errorTestid="error-group-name" errorAlias="error-group_name">
        <input
          {...fieldAria('create-group-name', errors.group_name)}
          data-testid="create-group-name"
          type="text"
          autoComplete="off"
          value={group}
          onInput={(e) => setGroup(e.currentTarget.value)}
          onBlur={() => setErrors((prev) => ({ ...prev, group_name: errText(validateName(group)) }))}
        />
      </Field>
      <Field id="create-your-name" label={t('first.your_name')} hint={t('first.your_name_hint')} error={errors.your_name} errorTestid="error-your-name" errorAlias="error-your_name">
        <input
          {...fieldAria('create-your-name', errors.your_name, t('first.your_name_hint'))}
          data-testid="create-your-name"
          type="text"
          autoComplete="name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          onBlur={() => setErrors((prev) => ({ ...prev, your_name: errText(validateName(name)) }))}
        />
      </Field>
      <Field id="create-role" label={t('first.role')} hint={t('first.role_hint')} errorTestid="error-role">
        <select {...fieldAria('create-role', null, t('first.role_hint'))} data-testid="create-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          <option value="organizer">{t('role.organizer')}</option>
          <option value="volunteer">{t('role.volunteer')}</option>
        </select>
      </Field>
      {asks ? (
        <PassphraseFields prefix="create" passphrase={passphrase} confirm={confirm} setPassphrase={setPassphrase} setConfirm={setConfirm} errors={errors} setErrors={setErrors} />
      ) : null}
      <button type="submit" class="btn btn-primary btn-block" data-testid="create-submit" disabled={busy}>
        {busy ? t('common.working') : t('first.create_submit')}
      </button>
    </form>
  );
}

export function JoinForm({ asks }: { asks: boolean }): JSX.Element {
  const { t } = useApp();
  const errText = useErrText();
  const [invite, setInvite] = useState('');
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const hasCamera = useHasCamera();
  const [scanning, setScanning] = useState(false);
  // Where the focus goes once the scanner panel has closed (the scan button only exists then).
  const focusAfterScan = useRef<string | null>(null);
  useEffect(() => {
    if (scanning || !focusAfterScan.current) return;
    document.getElementById(focusAfterScan.current)?.focus();
    focusAfterScan.current = null;
  }, [scanning]);
  const closeScanner = (focusId: string) => {
    focusAfterScan.current = focusId;
    setScanning(false);
  };
  const scanned = (text: string) => {
    setInvite(text);
    setErrors((prev) => ({ ...prev, invite: undefined }));
    toast({ text: t('first.scan_done') });
    closeScanner('join-name');
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const pass = asks ? validatePassphrase(passphrase, confirm) : {};
    const errs: Errors = {
      invite: invite.trim() ? undefined : errText({ code: 'empty' }),
      your_name: errText(validateName(name)),
      passphrase: errText(pass.passphrase),
      passphrase_confirm: errText(pass.passphrase_confirm),
    };
    setErrors(errs);
    if (focusFirst(errs, JOIN_IDS)) return;
    setBusy(true);
    try {
      const status = await api.joinGroup(invite.trim(), name.trim(), asks ? passphrase : null);
      showBanner(null);
      setState({ status });
      void refreshCounts();
    } catch (err) {
      const shown = describeError(err, getState().t);
      const known = asks ? ['invite', 'your_name', 'passphrase'] : ['invite', 'your_name'];
      const f = (formFieldOf(shown.field, known) ?? (['invite_invalid', 'tampered', 'wrong_group'].includes(shown.code) ? 'invite' : null)) as FormField | null;
      if (f) {
        const errs = { [f]: shown.text };
        setErrors(errs);
        focusFirst(errs, JOIN_IDS);
      } else showBanner(shown.text);
      // The device may have joined before something later failed: the status says where it stands.
      void loadStatus();
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="join-title">
      <h2 id="join-title">{t('first.join_title')}</h2>
      <p class="muted">{t('first.join_explain')}</p>
      <Field id="join-invite" label={t('first.invite')} hint={t('first.invite_hint')} error={errors.invite} errorTestid="error-invite">
        <textarea
          {...fieldAria('join-invite', errors.invite, t('first.invite_hint'))}
          data-testid="join-invite"
          rows={3}
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          value={invite}
          onInput={(e) => setInvite(e.currentTarget.value)}
        />
      </Field>
      {scanning ? (
        <QrScanner onResult={scanned} onCancel={() => closeScanner('join-scan')} />
      ) : hasCamera ? (
        <button type="button" id="join-scan" class="btn btn-secondary" data-testid="join-scan" onClick={() => setScanning(true)}>
          <Icon name="qr" size={20} />
          {t('first.scan')}
        </button>
      ) : null}
      <Field id="join-name" label={t('first.your_name')} error={errors.your_name} errorTestid="error-join-name" errorAlias="error-your_name">
        <input
          {...fieldAria('join-name', errors.your_name)}
          data-testid="join-name"
          type="text"
          autoComplete="name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          onBlur={() => name && setErrors((prev) => ({ ...prev, your_name: errText(validateName(name)) }))}
        />
      </Field>
      {asks ? (
        <PassphraseFields prefix="join" passphrase={passphrase} confirm={confirm} setPassphrase={setPassphrase} setConfirm={setConfirm} errors={errors} setErrors={setErrors} />
      ) : null}
      <button type="submit" class="btn btn-primary btn-block" data-testid="join-submit" disabled={busy}>
        {busy ? t('common.working') : t('first.join_submit')}
      </button>
    </form>
  );
}

function Waiting({ status }: { status: Status }): JSX.Element {
  const { t } = useApp();
  return (
    <div class="stack-lg">
      <div class="hero">
        <h1 tabIndex={-1}>{t('first.waiting_title')}</h1>
        <p>{t('first.waiting_explain', { group: status.group?.name ?? t('first.the_group') })}</p>
        <ol class="steps">
          <li>{t('first.waiting_step1')}</li>
          <li>{t('first.waiting_step2')}</li>
        </ol>
        {status.listening ? <p class="muted">{t('sync.listening_at', { address: status.listening })}</p> : null}
      </div>
      <ConnectForm />
      <LastDigest />
      <BundleControls exportable={false} />
      <p class="center">
        <a href={href.groups()} class="link-btn" data-testid="waiting-groups">
          <Icon name="swap" size={18} /> {t('groups.title')}
        </a>
      </p>
    </div>
  );
}

export function FirstRun({ status }: { status: Status }): JSX.Element {
  const { t } = useApp();
  if (status.state === 'waiting') return <Waiting status={status} />;
  if (status.state === 'locked') return <UnlockScreen status={status} />;
  return (
    <div class="stack-lg">
      <Hero icon="people" title={t('first.welcome')} text={t('first.intro')} />
      <CreateForm asks={status.asks_passphrase} />
      <div class="or" aria-hidden="true">
        <span>{t('first.or')}</span>
      </div>
      <JoinForm asks={status.asks_passphrase} />
      <LanguageLink />
    </div>
  );
}
