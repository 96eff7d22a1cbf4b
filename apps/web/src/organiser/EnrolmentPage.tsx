import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { completeEnrolment, startEnrolment, type EnrolmentStart } from '../api/authApi.ts';
import { ENROLMENT_PATH, SIGN_IN_PATH } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { CopyField } from './CopyField.tsx';
import {
  groupSecret,
  passwordProblem,
  PASSWORD_MAX_LENGTH,
  readEnrolmentToken,
  type PasswordProblem,
} from './enrolment.ts';
import { failureMessageKey } from './failureMessages.ts';
import './organiser.css';

type View =
  | { name: 'missing-token' }
  | { name: 'starting' }
  | { name: 'start-failed'; error: ParseKeys }
  | { name: 'setup'; start: EnrolmentStart }
  | { name: 'done'; recoveryCodes: string[] };

const PASSWORD_MESSAGES: Record<PasswordProblem, ParseKeys> = {
  'too-short': 'organiser.enrol.passwordTooShort',
  'too-long': 'organiser.enrol.passwordTooLong',
  mismatch: 'organiser.enrol.passwordMismatch',
};

/**
 * `/inscription#t=<token>`: an invited organiser adds the TOTP key to an
 * authenticator app, chooses a password, proves the app works, and gets the
 * recovery codes, shown once.
 */
export function EnrolmentPage(): ReactNode {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  // Read once, then kept in memory only: the effect below takes it out of the address bar.
  const [token] = useState(() => readEnrolmentToken(window.location.hash));
  const [view, setView] = useState<View>(() => (token ? { name: 'starting' } : { name: 'missing-token' }));
  const started = useRef(false);
  useDocumentTitle(t('organiser.enrol.title'));

  useEffect(() => {
    if (window.location.hash !== '') {
      // Out of the address bar and the history: the token is a credential.
      window.history.replaceState(null, '', ENROLMENT_PATH);
    }
    heading.current?.focus();
  }, []);

  useEffect(() => {
    // Once per page, even when React runs effects twice: each start may make a new TOTP key.
    if (token === null || started.current) {
      return;
    }
    started.current = true;
    startEnrolment(token).then(
      (start) => setView({ name: 'setup', start }),
      (failure: unknown) =>
        setView({ name: 'start-failed', error: failureMessageKey(failure, 'enrolment-start') }),
    );
  }, [token]);

  // The codes replace the form the focus was in: start reading from the new heading.
  useEffect(() => {
    if (view.name === 'done') {
      heading.current?.focus();
    }
  }, [view.name]);

  const body = ((): ReactNode => {
    switch (view.name) {
      case 'missing-token':
        return (
          <p className="notice notice-error" role="alert" data-testid="enrol-missing-token">
            {t('organiser.enrol.missingToken')}
          </p>
        );
      case 'starting':
        return (
          <p className="organiser-status" role="status">
            {t('organiser.enrol.starting')}
          </p>
        );
      case 'start-failed':
        return (
          <p className="notice notice-error" role="alert" data-testid="enrol-error">
            {t(view.error)}
          </p>
        );
      case 'setup':
        return token ? (
          <EnrolmentForm
            token={token}
            start={view.start}
            onDone={(recoveryCodes) => setView({ name: 'done', recoveryCodes })}
          />
        ) : null;
      case 'done':
        return <RecoveryCodes codes={view.recoveryCodes} />;
      default: {
        const unreachable: never = view;
        return unreachable;
      }
    }
  })();

  return (
    <section className="organiser-page organiser-narrow" data-testid="enrolment-page">
      <h1 ref={heading} tabIndex={-1}>
        {view.name === 'done' ? t('organiser.enrol.doneTitle') : t('organiser.enrol.title')}
      </h1>
      {body}
    </section>
  );
}

function EnrolmentForm(props: {
  token: string;
  start: EnrolmentStart;
  onDone: (recoveryCodes: string[]) => void;
}): ReactNode {
  const { t } = useTranslation();
  const ids = {
    password: useId(),
    passwordHint: useId(),
    passwordError: useId(),
    confirm: useId(),
    code: useId(),
    codeError: useId(),
  };
  const passwordInput = useRef<HTMLInputElement>(null);
  const confirmInput = useRef<HTMLInputElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<PasswordProblem | null>(null);
  const [codeInvalid, setCodeInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const passwordIssue = passwordProblem(password, confirmation);
    const typedCode = code.replace(/\s/g, '');
    const codeIssue = !/^\d{6}$/.test(typedCode);
    setProblem(passwordIssue);
    setCodeInvalid(codeIssue);
    if (passwordIssue) {
      (passwordIssue === 'mismatch' ? confirmInput : passwordInput).current?.focus();
      return;
    }
    if (codeIssue) {
      codeInput.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const { recoveryCodes } = await completeEnrolment({ token: props.token, password, code: typedCode });
      props.onDone(recoveryCodes);
    } catch (failure) {
      const key = failureMessageKey(failure, 'enrolment-complete');
      setError(key);
      setBusy(false);
      if (key === 'organiser.enrol.codeRejected') {
        setCode('');
        codeInput.current?.focus();
      }
    }
  };

  const passwordErrorFor = (field: 'password' | 'confirm'): boolean =>
    problem !== null && (problem === 'mismatch') === (field === 'confirm');

  return (
    <form
      className="organiser-card"
      onSubmit={(event) => void submit(event)}
      noValidate
      data-testid="enrol-form"
    >
      <p>{t('organiser.enrol.account', { name: props.start.displayName, email: props.start.email })}</p>
      <p className="notice notice-warning">{t('organiser.enrol.keepPage')}</p>
      {error ? (
        <p className="notice notice-error" role="alert" data-testid="enrol-error">
          {t(error)}
        </p>
      ) : null}

      <h2>{t('organiser.enrol.step1')}</h2>
      <p className="hint">{t('organiser.enrol.step1Hint')}</p>
      <CopyField
        label={t('organiser.enrol.secretLabel')}
        value={props.start.totpSecret.replace(/=+$/, '')}
        display={groupSecret(props.start.totpSecret)}
        copyLabel={t('organiser.enrol.copySecret')}
        valueTestId="enrol-totp-secret"
        copyTestId="copy-totp-secret"
        variant="code"
      />
      <p>
        <a href={props.start.otpauthUri} data-testid="enrol-otpauth-link">
          {t('organiser.enrol.otpauthLink')}
        </a>
      </p>

      <h2>{t('organiser.enrol.step2')}</h2>
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" name="username" autoComplete="username" value={props.start.email} readOnly hidden />
      <div className="field">
        <label htmlFor={ids.password}>{t('organiser.enrol.password')}</label>
        <input
          ref={passwordInput}
          id={ids.password}
          type="password"
          name="new-password"
          autoComplete="new-password"
          required
          maxLength={PASSWORD_MAX_LENGTH}
          value={password}
          data-testid="enrol-password"
          aria-invalid={passwordErrorFor('password') ? true : undefined}
          aria-describedby={
            passwordErrorFor('password') ? `${ids.passwordError} ${ids.passwordHint}` : ids.passwordHint
          }
          onChange={(event) => setPassword(event.target.value)}
        />
        <p className="hint" id={ids.passwordHint}>
          {t('organiser.enrol.passwordHint')}
        </p>
        {passwordErrorFor('password') && problem ? (
          <p className="field-error" id={ids.passwordError}>
            {t(PASSWORD_MESSAGES[problem])}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={ids.confirm}>{t('organiser.enrol.passwordConfirm')}</label>
        <input
          ref={confirmInput}
          id={ids.confirm}
          type="password"
          name="new-password-confirm"
          autoComplete="new-password"
          required
          maxLength={PASSWORD_MAX_LENGTH}
          value={confirmation}
          data-testid="enrol-password-confirm"
          aria-invalid={passwordErrorFor('confirm') ? true : undefined}
          aria-describedby={passwordErrorFor('confirm') ? ids.passwordError : undefined}
          onChange={(event) => setConfirmation(event.target.value)}
        />
        {passwordErrorFor('confirm') && problem ? (
          <p className="field-error" id={ids.passwordError}>
            {t(PASSWORD_MESSAGES[problem])}
          </p>
        ) : null}
      </div>

      <h2>{t('organiser.enrol.step3')}</h2>
      <div className="field">
        <label htmlFor={ids.code}>{t('organiser.enrol.code')}</label>
        <input
          ref={codeInput}
          id={ids.code}
          type="text"
          name="one-time-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          maxLength={7}
          className="organiser-code-input"
          value={code}
          data-testid="enrol-code"
          aria-invalid={codeInvalid ? true : undefined}
          aria-describedby={codeInvalid ? ids.codeError : undefined}
          onChange={(event) => setCode(event.target.value)}
        />
        {codeInvalid ? (
          <p className="field-error" id={ids.codeError}>
            {t('organiser.enrol.codeFormat')}
          </p>
        ) : null}
      </div>
      <button type="submit" className="button button-primary" disabled={busy} data-testid="enrol-submit">
        {busy ? t('organiser.enrol.submitting') : t('organiser.enrol.submit')}
      </button>
    </form>
  );
}

function RecoveryCodes(props: { codes: string[] }): ReactNode {
  const { t } = useTranslation();
  const ids = { saved: useId(), savedError: useId() };
  const [saved, setSaved] = useState(false);
  const [savedMissing, setSavedMissing] = useState(false);
  const checkbox = useRef<HTMLInputElement>(null);

  const proceed = (): void => {
    if (!saved) {
      setSavedMissing(true);
      checkbox.current?.focus();
      return;
    }
    navigate(SIGN_IN_PATH);
  };

  return (
    <div className="organiser-card" data-testid="recovery-codes">
      <p>{t('organiser.enrol.doneLead')}</p>
      <p className="notice notice-warning">{t('organiser.enrol.doneOnce')}</p>
      <CopyField
        label={t('organiser.enrol.codesLabel')}
        value={props.codes.join('\n')}
        display={props.codes.join('\n')}
        copyLabel={t('organiser.enrol.copyCodes')}
        valueTestId="recovery-codes-list"
        copyTestId="copy-recovery-codes"
        variant="code"
      />
      <label className="check" htmlFor={ids.saved}>
        <input
          ref={checkbox}
          id={ids.saved}
          type="checkbox"
          checked={saved}
          data-testid="recovery-codes-saved"
          aria-invalid={savedMissing && !saved ? true : undefined}
          aria-describedby={savedMissing && !saved ? ids.savedError : undefined}
          onChange={(event) => {
            setSaved(event.target.checked);
            setSavedMissing(false);
          }}
        />
        {t('organiser.enrol.saved')}
      </label>
      {savedMissing && !saved ? (
        <p className="field-error" id={ids.savedError}>
          {t('organiser.enrol.savedRequired')}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="enrol-continue"
          onClick={proceed}
        >
          {t('organiser.enrol.continue')}
        </button>
      </div>
    </div>
  );
}
