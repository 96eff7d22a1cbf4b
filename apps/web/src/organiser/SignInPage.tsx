import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { login, normaliseOneTimeCode, submitOneTimeCode } from '../api/authApi.ts';
import { returnPathFrom } from '../router/routes.ts';
import { navigate } from '../router/useRoute.ts';
import { useDocumentTitle } from '../ui/useDocumentTitle.ts';
import { failureMessageKey, isChallengeLost } from './failureMessages.ts';
import { sessionStore } from './SessionStore.ts';
import { useSession } from './useSession.ts';
import './organiser.css';

const TOTP_FORMAT = /^\d{6}$/;
const RECOVERY_FORMAT = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

type Step = { name: 'password' } | { name: 'code'; challenge: string; recovery: boolean };

type FieldError = 'email' | 'password' | 'code' | null;

/** `/connexion`: email and password, then the one-time code (or a recovery code). */
export function SignInPage(): ReactNode {
  const { t } = useTranslation();
  const ids = {
    heading: useId(),
    email: useId(),
    emailError: useId(),
    password: useId(),
    passwordError: useId(),
    code: useId(),
    codeHint: useId(),
    codeError: useId(),
    codeLead: useId(),
  };
  const session = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  const emailInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const [returnTo] = useState(() => returnPathFrom(window.location.search));
  const [step, setStep] = useState<Step>({ name: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);
  const [fieldError, setFieldError] = useState<FieldError>(null);
  /** The element to focus once the step or the error shows. */
  const [focusTarget, setFocusTarget] = useState<'email' | 'password' | 'code' | null>(null);
  useDocumentTitle(t('organiser.signIn.title'));

  useEffect(() => heading.current?.focus(), []);

  // Already signed in (another tab, or back from a page): straight on.
  useEffect(() => {
    if (session.status === 'signed-in') {
      navigate(returnTo, { replace: true });
    }
  }, [session.status, returnTo]);

  useEffect(() => {
    const input =
      focusTarget === 'email'
        ? emailInput.current
        : focusTarget === 'password'
          ? passwordInput.current
          : focusTarget === 'code'
            ? codeInput.current
            : null;
    input?.focus();
    input?.select();
    setFocusTarget(null);
  }, [focusTarget]);

  const submitPassword = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    if (email.trim() === '') {
      setFieldError('email');
      setFocusTarget('email');
      return;
    }
    if (password === '') {
      setFieldError('password');
      setFocusTarget('password');
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const { challenge } = await login(email.trim(), password);
      setPassword('');
      setCode('');
      setStep({ name: 'code', challenge, recovery: false });
      setFocusTarget('code');
    } catch (failure) {
      setError(failureMessageKey(failure, 'password'));
      setFocusTarget('password');
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (step.name !== 'code') {
      return;
    }
    setError(null);
    const typed = normaliseOneTimeCode(code);
    if (!(step.recovery ? RECOVERY_FORMAT : TOTP_FORMAT).test(typed)) {
      setFieldError('code');
      setFocusTarget('code');
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const signedIn = await submitOneTimeCode(step.challenge, typed);
      sessionStore.signedIn(signedIn);
      // The effect above moves on once the store says signed-in.
    } catch (failure) {
      setError(failureMessageKey(failure, 'one-time-code'));
      setCode('');
      if (isChallengeLost(failure)) {
        setStep({ name: 'password' });
        setFocusTarget('password');
      } else {
        setFocusTarget('code');
      }
    } finally {
      setBusy(false);
    }
  };

  const restart = (): void => {
    setStep({ name: 'password' });
    setError(null);
    setFieldError(null);
    setCode('');
    setFocusTarget('email');
  };

  const toggleRecovery = (): void => {
    if (step.name !== 'code') {
      return;
    }
    setStep({ ...step, recovery: !step.recovery });
    setCode('');
    setError(null);
    setFieldError(null);
    setFocusTarget('code');
  };

  const notice =
    session.status === 'signed-out' && session.cause === 'expired'
      ? t('organiser.errors.sessionExpired')
      : session.status === 'signed-out' && session.cause === 'signed-out'
        ? t('organiser.signIn.signedOut')
        : null;

  return (
    <section
      className="organiser-page organiser-narrow"
      aria-labelledby={ids.heading}
      data-testid="sign-in-page"
    >
      <h1 id={ids.heading} ref={heading} tabIndex={-1}>
        {t('organiser.signIn.title')}
      </h1>
      {notice && step.name === 'password' && !error ? (
        <p className="notice notice-warning" data-testid="sign-in-notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p className="notice notice-error" role="alert" data-testid="sign-in-error">
          {t(error)}
        </p>
      ) : null}

      {step.name === 'password' ? (
        <form className="organiser-card" onSubmit={(event) => void submitPassword(event)} noValidate>
          <p className="hint">{t('organiser.signIn.lead')}</p>
          <div className="field">
            <label htmlFor={ids.email}>{t('organiser.signIn.email')}</label>
            <input
              ref={emailInput}
              id={ids.email}
              type="email"
              name="email"
              autoComplete="username"
              inputMode="email"
              autoCapitalize="none"
              spellCheck={false}
              required
              maxLength={254}
              value={email}
              data-testid="sign-in-email"
              aria-invalid={fieldError === 'email' ? true : undefined}
              aria-describedby={fieldError === 'email' ? ids.emailError : undefined}
              onChange={(event) => setEmail(event.target.value)}
            />
            {fieldError === 'email' ? (
              <p className="field-error" id={ids.emailError}>
                {t('organiser.signIn.emailRequired')}
              </p>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor={ids.password}>{t('organiser.signIn.password')}</label>
            <input
              ref={passwordInput}
              id={ids.password}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              maxLength={256}
              value={password}
              data-testid="sign-in-password"
              aria-invalid={fieldError === 'password' ? true : undefined}
              aria-describedby={fieldError === 'password' ? ids.passwordError : undefined}
              onChange={(event) => setPassword(event.target.value)}
            />
            {fieldError === 'password' ? (
              <p className="field-error" id={ids.passwordError}>
                {t('organiser.signIn.passwordRequired')}
              </p>
            ) : null}
          </div>
          <button
            type="submit"
            className="button button-primary"
            disabled={busy}
            data-testid="sign-in-submit"
          >
            {busy ? t('organiser.signIn.submitting') : t('organiser.signIn.submit')}
          </button>
          <p className="hint organiser-after">{t('organiser.signIn.noAccount')}</p>
        </form>
      ) : (
        <form
          className="organiser-card"
          onSubmit={(event) => void submitCode(event)}
          noValidate
          data-testid="one-time-code-form"
        >
          <h2>{t('organiser.signIn.codeTitle')}</h2>
          <p id={ids.codeLead}>
            {step.recovery ? t('organiser.signIn.recoveryLead') : t('organiser.signIn.codeLead')}
          </p>
          <div className="field">
            <label htmlFor={ids.code}>
              {step.recovery ? t('organiser.signIn.recoveryCode') : t('organiser.signIn.code')}
            </label>
            <input
              ref={codeInput}
              id={ids.code}
              // Keyed: the browser's autofill hints differ between the two kinds of code.
              key={step.recovery ? 'recovery' : 'totp'}
              type="text"
              name={step.recovery ? 'recovery-code' : 'one-time-code'}
              inputMode={step.recovery ? 'text' : 'numeric'}
              autoComplete={step.recovery ? 'off' : 'one-time-code'}
              autoCapitalize="none"
              spellCheck={false}
              required
              maxLength={step.recovery ? 20 : 7}
              className="organiser-code-input"
              value={code}
              data-testid="one-time-code"
              aria-invalid={fieldError === 'code' ? true : undefined}
              aria-describedby={
                fieldError === 'code'
                  ? `${ids.codeError} ${ids.codeHint} ${ids.codeLead}`
                  : `${ids.codeHint} ${ids.codeLead}`
              }
              onChange={(event) => setCode(event.target.value)}
            />
            <p className="hint" id={ids.codeHint}>
              {step.recovery ? t('organiser.signIn.recoveryHint') : t('organiser.signIn.codeHint')}
            </p>
            {fieldError === 'code' ? (
              <p className="field-error" id={ids.codeError}>
                {step.recovery ? t('organiser.signIn.recoveryFormat') : t('organiser.signIn.codeFormat')}
              </p>
            ) : null}
          </div>
          <button
            type="submit"
            className="button button-primary"
            disabled={busy}
            data-testid="one-time-code-submit"
          >
            {busy ? t('organiser.signIn.verifying') : t('organiser.signIn.verify')}
          </button>
          <div className="actions">
            <button
              type="button"
              className="button button-ghost"
              data-testid="use-recovery-code"
              onClick={toggleRecovery}
            >
              {step.recovery ? t('organiser.signIn.useTotp') : t('organiser.signIn.useRecovery')}
            </button>
            <button
              type="button"
              className="button button-ghost"
              data-testid="sign-in-restart"
              onClick={restart}
            >
              {t('organiser.signIn.restart')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
