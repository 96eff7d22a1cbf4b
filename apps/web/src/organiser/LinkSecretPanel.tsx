import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { InviteSummary } from '@confidentiel/protocol';
import { makeLinkSecret, saveLinkSecret } from './linkSecretStore.ts';
import { secretFromInviteLink } from './recoverLinkSecret.ts';

/**
 * The meeting's link secret is not on this device (made on another one, or
 * storage cleared): say what that means, and offer to take it from a full
 * invite link of this meeting, or to make a new one.
 */
export function LinkSecretPanel(props: {
  meetingId: string;
  invites: readonly InviteSummary[];
  onSecret: (secret: string, announcement: string) => void;
}): ReactNode {
  const { t } = useTranslation();
  const ids = { heading: useId(), link: useId(), linkHint: useId(), linkError: useId(), createHint: useId() };
  const [pasted, setPasted] = useState('');
  const [invalid, setInvalid] = useState<'no-secret' | 'other-meeting' | null>(null);

  const keep = (secret: string, message: string): void => {
    const stored = saveLinkSecret(props.meetingId, secret);
    props.onSecret(secret, stored ? message : `${message} ${t('organiser.secret.notStored')}`);
  };

  const recover = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const found = secretFromInviteLink(
      pasted,
      props.invites.map((invite) => invite.inviteId),
      window.location.origin,
    );
    if (found.status !== 'found') {
      setInvalid(found.status);
      return;
    }
    setInvalid(null);
    keep(found.secret, t('organiser.secret.imported'));
  };

  return (
    <section
      className="notice notice-warning organiser-secret"
      aria-labelledby={ids.heading}
      data-testid="link-secret-missing"
    >
      <h2 id={ids.heading}>{t('organiser.secret.missingTitle')}</h2>
      <p>{t('organiser.secret.missing')}</p>
      <form onSubmit={recover} noValidate className="organiser-inline-form">
        <div className="field">
          <label htmlFor={ids.link}>{t('organiser.secret.importLabel')}</label>
          <p className="hint" id={ids.linkHint}>
            {t('organiser.secret.importHint')}
          </p>
          <input
            id={ids.link}
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            value={pasted}
            data-testid="link-secret-import-input"
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? `${ids.linkError} ${ids.linkHint}` : ids.linkHint}
            onChange={(event) => setPasted(event.target.value)}
          />
          {invalid ? (
            <p className="field-error" id={ids.linkError} role="alert">
              {invalid === 'no-secret'
                ? t('organiser.secret.importInvalid')
                : t('organiser.secret.importOtherMeeting')}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button" data-testid="link-secret-import">
          {t('organiser.secret.importSubmit')}
        </button>
      </form>
      <p className="hint" id={ids.createHint}>
        {t('organiser.secret.createHint')}
      </p>
      <button
        type="button"
        className="button"
        data-testid="new-link-secret"
        aria-describedby={ids.createHint}
        onClick={() => keep(makeLinkSecret(), t('organiser.secret.created'))}
      >
        {t('organiser.secret.create')}
      </button>
    </section>
  );
}
