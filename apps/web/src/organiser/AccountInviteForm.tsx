import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { AccountRole } from '@confidentiel/protocol';
import { inviteAccount, type AccountInvitation } from '../api/authApi.ts';
import { CopyField } from './CopyField.tsx';
import { formatDateTime } from './dateTime.ts';
import { organiserFailure } from './sessionFailure.ts';

/** Good enough to catch a typo; the server has the last word. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NAME_MAX_LENGTH = 64;

type FieldError = 'email' | 'name' | null;

/** Admins only: makes an enrolment link for a new organiser, shown once. */
export function AccountInviteForm(props: { csrfToken: string }): ReactNode {
  const { t, i18n } = useTranslation();
  const ids = {
    heading: useId(),
    lead: useId(),
    email: useId(),
    emailError: useId(),
    name: useId(),
    nameError: useId(),
    role: useId(),
  };
  const emailInput = useRef<HTMLInputElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<AccountRole>('organiser');
  const [fieldError, setFieldError] = useState<FieldError>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);
  const [invitation, setInvitation] = useState<AccountInvitation | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const trimmedEmail = email.trim();
    const trimmedName = displayName.trim();
    if (!EMAIL_SHAPE.test(trimmedEmail)) {
      setFieldError('email');
      emailInput.current?.focus();
      return;
    }
    if (trimmedName === '' || trimmedName.length > NAME_MAX_LENGTH) {
      setFieldError('name');
      nameInput.current?.focus();
      return;
    }
    setFieldError(null);
    setBusy(true);
    setInvitation(null);
    try {
      const made = await inviteAccount(props.csrfToken, {
        email: trimmedEmail,
        displayName: trimmedName,
        role,
      });
      setInvitation(made);
      setEmail('');
      setDisplayName('');
      // The link replaces nothing the focus was on; bring it to the result so it is read.
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (failure) {
      setError(organiserFailure(failure, 'account-invite'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="organiser-card" aria-labelledby={ids.heading} data-testid="account-invite">
      <h2 id={ids.heading}>{t('organiser.accountInvite.title')}</h2>
      <p className="hint" id={ids.lead}>
        {t('organiser.accountInvite.lead')}
      </p>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="account-invite-form">
        {error ? (
          <p className="notice notice-error" role="alert">
            {t(error)}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor={ids.email}>{t('organiser.accountInvite.email')}</label>
          <input
            ref={emailInput}
            id={ids.email}
            type="email"
            name="email"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={254}
            required
            value={email}
            data-testid="account-invite-email"
            aria-invalid={fieldError === 'email' ? true : undefined}
            aria-describedby={fieldError === 'email' ? ids.emailError : undefined}
            onChange={(event) => setEmail(event.target.value)}
          />
          {fieldError === 'email' ? (
            <p className="field-error" id={ids.emailError}>
              {t('organiser.accountInvite.emailInvalid')}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ids.name}>{t('organiser.accountInvite.displayName')}</label>
          <input
            ref={nameInput}
            id={ids.name}
            type="text"
            name="displayName"
            autoComplete="off"
            maxLength={NAME_MAX_LENGTH}
            required
            value={displayName}
            data-testid="account-invite-name"
            aria-invalid={fieldError === 'name' ? true : undefined}
            aria-describedby={fieldError === 'name' ? ids.nameError : undefined}
            onChange={(event) => setDisplayName(event.target.value)}
          />
          {fieldError === 'name' ? (
            <p className="field-error" id={ids.nameError}>
              {t('organiser.accountInvite.nameRequired')}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={ids.role}>{t('organiser.accountInvite.role')}</label>
          <select
            id={ids.role}
            name="role"
            value={role}
            data-testid="account-invite-role"
            onChange={(event) => setRole(event.target.value === 'admin' ? 'admin' : 'organiser')}
          >
            <option value="organiser">{t('organiser.accountInvite.roleOrganiser')}</option>
            <option value="admin">{t('organiser.accountInvite.roleAdmin')}</option>
          </select>
        </div>
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="account-invite-submit"
        >
          {busy ? t('organiser.accountInvite.submitting') : t('organiser.accountInvite.submit')}
        </button>
      </form>
      {invitation ? (
        <div ref={resultRef} tabIndex={-1} className="organiser-result">
          <CopyField
            label={t('organiser.accountInvite.linkLabel')}
            value={`${window.location.origin}${invitation.enrolPath}`}
            hint={t('organiser.accountInvite.linkHint', {
              date: formatDateTime(invitation.expiresAt, i18n.language),
            })}
            copyLabel={t('organiser.accountInvite.copyLink')}
            valueTestId="enrol-link"
            copyTestId="copy-enrol-link"
          />
        </div>
      ) : null}
    </section>
  );
}
