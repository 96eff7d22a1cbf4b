import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import { inviteRoleSchema, type InviteRole } from '@confidentiel/protocol';
import type { CreatedInvite, OrganiserApi } from '../api/organiserApi.ts';
import { inviteLink } from '../router/routes.ts';
import { CopyField } from './CopyField.tsx';
import { endOfDayFromDateInputValue, toDateInputValue } from './dateTime.ts';
import { inviteLevels, levelNumber, levelRequirements, type InviteLevel } from './inviteLevels.ts';
import { organiserFailure } from './sessionFailure.ts';

const LABEL_MAX_LENGTH = 64;

type FieldError = 'label' | 'expiry' | 'expiry-past' | null;

/**
 * A new invite: personal or shared, a role, a confidentiality level in plain
 * words, an expiry, single use. Once made, the full link (with the meeting's
 * link secret in the fragment) and the passcode are shown apart, once.
 */
export function NewInviteForm(props: {
  meetingId: string;
  linkSecret: string | null;
  api: OrganiserApi;
  onCreated: () => Promise<void>;
}): ReactNode {
  const { t } = useTranslation();
  const ids = {
    heading: useId(),
    label: useId(),
    labelHint: useId(),
    labelError: useId(),
    expiresOn: useId(),
    expiresOnHint: useId(),
    expiresOnError: useId(),
    singleUse: useId(),
    singleUseHint: useId(),
    lobbyPasscode: useId(),
    resultHeading: useId(),
  };
  const labelInput = useRef<HTMLInputElement>(null);
  const expiresOnInput = useRef<HTMLInputElement>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);
  const firstRadio = useRef<HTMLInputElement>(null);
  const [personal, setPersonal] = useState(true);
  const [label, setLabel] = useState('');
  const [role, setRole] = useState<InviteRole>('participant');
  const [level, setLevel] = useState<InviteLevel>('passcode');
  const [lobbyPasscode, setLobbyPasscode] = useState(false);
  const [expires, setExpires] = useState(false);
  const [expiresOn, setExpiresOn] = useState('');
  const [singleUse, setSingleUse] = useState(false);
  const [fieldError, setFieldError] = useState<FieldError>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ParseKeys | null>(null);
  const [created, setCreated] = useState<CreatedInvite | null>(null);

  useEffect(() => {
    if (created) {
      resultHeading.current?.focus();
    }
  }, [created]);

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(null);
    const trimmed = label.trim();
    if (personal && (trimmed === '' || trimmed.length > LABEL_MAX_LENGTH)) {
      setFieldError('label');
      labelInput.current?.focus();
      return;
    }
    let expiresAt: number | null = null;
    if (expires) {
      expiresAt = endOfDayFromDateInputValue(expiresOn);
      if (expiresAt === null || expiresAt <= Date.now()) {
        setFieldError(expiresAt === null ? 'expiry' : 'expiry-past');
        expiresOnInput.current?.focus();
        return;
      }
    }
    setFieldError(null);
    setBusy(true);
    try {
      const made = await props.api.createInvite(props.meetingId, {
        label: personal ? trimmed : null,
        role,
        ...levelRequirements(level, lobbyPasscode),
        singleUse,
        expiresAt,
      });
      setCreated(made);
      setLabel('');
      // The list catches up; the link and passcode show whether or not it does.
      props.onCreated().catch(() => undefined);
    } catch (failure) {
      setError(organiserFailure(failure));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <section
        className="organiser-card organiser-result"
        aria-labelledby={ids.resultHeading}
        data-testid="created-invite"
      >
        <h2 id={ids.resultHeading} ref={resultHeading} tabIndex={-1}>
          {created.invite.label
            ? t('organiser.newInvite.resultTitleFor', { who: created.invite.label })
            : t('organiser.newInvite.resultTitle')}
        </h2>
        <CopyField
          label={t('organiser.newInvite.linkLabel')}
          value={inviteLink(window.location.origin, created.invite.inviteId, props.linkSecret)}
          hint={props.linkSecret ? t('organiser.newInvite.linkHint') : t('organiser.newInvite.linkNoSecret')}
          copyLabel={t('organiser.newInvite.copyLink')}
          valueTestId="invite-link"
          copyTestId="copy-invite-link"
        />
        {created.passcode ? (
          <div className="organiser-passcode">
            <CopyField
              label={t('organiser.newInvite.passcodeLabel')}
              value={created.passcode}
              hint={t('organiser.newInvite.passcodeHint')}
              copyLabel={t('organiser.newInvite.copyPasscode')}
              valueTestId="invite-passcode"
              copyTestId="copy-invite-passcode"
              variant="code"
            />
          </div>
        ) : null}
        <button
          type="button"
          className="button"
          data-testid="new-invite-again"
          onClick={() => {
            setCreated(null);
            // The form comes back where the result was: start it again from its first choice.
            requestAnimationFrame(() => firstRadio.current?.focus());
          }}
        >
          {t('organiser.newInvite.another')}
        </button>
      </section>
    );
  }

  return (
    <section className="organiser-card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>{t('organiser.newInvite.title')}</h2>
      <form onSubmit={(event) => void submit(event)} noValidate data-testid="invite-form">
        {error ? (
          <p className="notice notice-error" role="alert" data-testid="invite-error">
            {t(error)}
          </p>
        ) : null}

        <fieldset>
          <legend>{t('organiser.newInvite.forWhom')}</legend>
          <label className="check">
            <input
              ref={firstRadio}
              type="radio"
              name="invite-kind"
              checked={personal}
              data-testid="invite-personal"
              onChange={() => setPersonal(true)}
            />
            {t('organiser.newInvite.personal')}
          </label>
          {personal ? (
            <div className="field organiser-nested">
              <label htmlFor={ids.label}>{t('organiser.newInvite.label')}</label>
              <input
                ref={labelInput}
                id={ids.label}
                type="text"
                name="label"
                autoComplete="off"
                maxLength={LABEL_MAX_LENGTH}
                value={label}
                data-testid="invite-label"
                aria-invalid={fieldError === 'label' ? true : undefined}
                aria-describedby={
                  fieldError === 'label' ? `${ids.labelError} ${ids.labelHint}` : ids.labelHint
                }
                onChange={(event) => setLabel(event.target.value)}
              />
              <p className="hint" id={ids.labelHint}>
                {t('organiser.newInvite.labelHint')}
              </p>
              {fieldError === 'label' ? (
                <p className="field-error" id={ids.labelError}>
                  {t('organiser.newInvite.labelRequired')}
                </p>
              ) : null}
            </div>
          ) : null}
          <label className="check">
            <input
              type="radio"
              name="invite-kind"
              checked={!personal}
              data-testid="invite-shared"
              onChange={() => setPersonal(false)}
            />
            {t('organiser.newInvite.shared')}
          </label>
        </fieldset>

        <fieldset>
          <legend>{t('organiser.newInvite.role')}</legend>
          {inviteRoleSchema.options
            .slice()
            // Most invitees participate: that choice first.
            .sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b))
            .map((option) => (
              <RadioWithHint
                key={option}
                name="invite-role"
                checked={role === option}
                onSelect={() => setRole(option)}
                label={t(`organiser.role.${option}`)}
                hint={t(`organiser.role.${option}Hint`)}
                testId={`invite-role-${option}`}
              />
            ))}
        </fieldset>

        <fieldset>
          <legend>{t('organiser.newInvite.level')}</legend>
          {inviteLevels.map((option) => (
            <RadioWithHint
              key={option}
              name="invite-level"
              checked={level === option}
              onSelect={() => setLevel(option)}
              label={`${t('organiser.level.number', { number: levelNumber(option) })} – ${t(`organiser.level.${option}.name`)}`}
              hint={t(`organiser.level.${option}.description`)}
              testId={`invite-level-${levelNumber(option)}`}
            >
              {option === 'lobby' && level === 'lobby' ? (
                <label className="check organiser-nested" htmlFor={ids.lobbyPasscode}>
                  <input
                    id={ids.lobbyPasscode}
                    type="checkbox"
                    checked={lobbyPasscode}
                    data-testid="invite-lobby-passcode"
                    onChange={(event) => setLobbyPasscode(event.target.checked)}
                  />
                  {t('organiser.newInvite.lobbyPasscode')}
                </label>
              ) : null}
            </RadioWithHint>
          ))}
        </fieldset>

        <fieldset>
          <legend>{t('organiser.newInvite.expiry')}</legend>
          <label className="check">
            <input
              type="radio"
              name="invite-expiry"
              checked={!expires}
              data-testid="invite-expiry-none"
              onChange={() => setExpires(false)}
            />
            {t('organiser.newInvite.expiryNone')}
          </label>
          <label className="check">
            <input
              type="radio"
              name="invite-expiry"
              checked={expires}
              data-testid="invite-expiry-date"
              onChange={() => setExpires(true)}
            />
            {t('organiser.newInvite.expiryDate')}
          </label>
          {expires ? (
            <div className="field organiser-nested">
              <label htmlFor={ids.expiresOn}>{t('organiser.newInvite.expiresOn')}</label>
              <input
                ref={expiresOnInput}
                id={ids.expiresOn}
                type="date"
                name="expiresOn"
                min={toDateInputValue(Date.now())}
                value={expiresOn}
                data-testid="invite-expires-on"
                aria-invalid={fieldError === 'expiry' || fieldError === 'expiry-past' ? true : undefined}
                aria-describedby={
                  fieldError === 'expiry' || fieldError === 'expiry-past'
                    ? `${ids.expiresOnError} ${ids.expiresOnHint}`
                    : ids.expiresOnHint
                }
                onChange={(event) => setExpiresOn(event.target.value)}
              />
              <p className="hint" id={ids.expiresOnHint}>
                {t('organiser.newInvite.expiresOnHint')}
              </p>
              {fieldError === 'expiry' || fieldError === 'expiry-past' ? (
                <p className="field-error" id={ids.expiresOnError}>
                  {fieldError === 'expiry'
                    ? t('organiser.newInvite.expiresOnRequired')
                    : t('organiser.newInvite.expiresOnPast')}
                </p>
              ) : null}
            </div>
          ) : null}
        </fieldset>

        <div className="field">
          <label className="check" htmlFor={ids.singleUse}>
            <input
              id={ids.singleUse}
              type="checkbox"
              checked={singleUse}
              data-testid="invite-single-use"
              aria-describedby={ids.singleUseHint}
              onChange={(event) => setSingleUse(event.target.checked)}
            />
            {t('organiser.newInvite.singleUse')}
          </label>
          <p className="hint" id={ids.singleUseHint}>
            {t('organiser.newInvite.singleUseHint')}
          </p>
        </div>

        <button type="submit" className="button button-primary" disabled={busy} data-testid="invite-submit">
          {busy ? t('organiser.newInvite.submitting') : t('organiser.newInvite.submit')}
        </button>
      </form>
    </section>
  );
}

const ROLE_ORDER: readonly InviteRole[] = ['participant', 'observer', 'co-host'];

/** A radio button whose explanation is read with it. */
function RadioWithHint(props: {
  name: string;
  checked: boolean;
  onSelect: () => void;
  label: string;
  hint: string;
  testId: string;
  children?: ReactNode;
}): ReactNode {
  const id = useId();
  const hintId = useId();
  return (
    <div className="organiser-choice">
      <label className="check" htmlFor={id}>
        <input
          id={id}
          type="radio"
          name={props.name}
          checked={props.checked}
          data-testid={props.testId}
          aria-describedby={hintId}
          onChange={props.onSelect}
        />
        {props.label}
      </label>
      <p className="hint organiser-choice-hint" id={hintId}>
        {props.hint}
      </p>
      {props.children}
    </div>
  );
}
