import { useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { InviteSummary } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { inviteLink } from '../router/routes.ts';
import { formatDate } from './dateTime.ts';
import { inviteState, levelNumber, levelOf } from './inviteLevels.ts';
import { organiserFailure } from './sessionFailure.ts';

/** The meeting's invites: who, role, level, uses, expiry, state; copy an active link again, or revoke it. */
export function InviteTable(props: {
  meetingId: string;
  invites: readonly InviteSummary[];
  linkSecret: string | null;
  api: OrganiserApi;
  announce: (message: string) => void;
  onChanged: () => Promise<void>;
}): ReactNode {
  const { t, i18n } = useTranslation();
  const ids = { heading: useId() };
  const heading = useRef<HTMLHeadingElement>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [error, setError] = useState<ParseKeys | null>(null);
  const [now] = useState(() => Date.now());
  const canCopy = typeof navigator !== 'undefined' && navigator.clipboard !== undefined;

  const who = (invite: InviteSummary): string => invite.label ?? t('organiser.invites.shared');

  const revoke = async (invite: InviteSummary): Promise<void> => {
    setRevoking(invite.inviteId);
    setError(null);
    try {
      await props.api.revokeInvite(props.meetingId, invite.inviteId);
      await props.onChanged();
      props.announce(t('organiser.invites.revoked', { who: who(invite) }));
      // The button is gone with the link: keep the focus in the table's section.
      heading.current?.focus();
    } catch (failure) {
      setError(organiserFailure(failure));
    } finally {
      setRevoking(null);
    }
  };

  const copy = async (invite: InviteSummary): Promise<void> => {
    try {
      await navigator.clipboard.writeText(
        inviteLink(window.location.origin, invite.inviteId, props.linkSecret),
      );
      props.announce(t('organiser.invites.linkCopied', { who: who(invite) }));
    } catch {
      props.announce(t('organiser.errors.generic'));
    }
  };

  // Newest first: the one just made is on top.
  const invites = [...props.invites].sort((a, b) => b.createdAt - a.createdAt);

  return (
    <section aria-labelledby={ids.heading} data-testid="invites">
      <h2 id={ids.heading} ref={heading} tabIndex={-1}>
        {t('organiser.invites.title')}
      </h2>
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {invites.length === 0 ? (
        <p data-testid="no-invites">{t('organiser.invites.none')}</p>
      ) : (
        <div className="organiser-table-wrap">
          <table className="organiser-table" data-testid="invites-table">
            <caption className="visually-hidden">{t('organiser.invites.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('organiser.invites.colWho')}</th>
                <th scope="col">{t('organiser.invites.colRole')}</th>
                <th scope="col">{t('organiser.invites.colLevel')}</th>
                <th scope="col">{t('organiser.invites.colUses')}</th>
                <th scope="col">{t('organiser.invites.colExpires')}</th>
                <th scope="col">{t('organiser.invites.colState')}</th>
                <th scope="col">{t('organiser.invites.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {invites.map((invite) => {
                const state = inviteState(invite, now);
                const level = levelOf(invite);
                return (
                  <tr
                    key={invite.inviteId}
                    data-testid="invite-row"
                    data-invite-id={invite.inviteId}
                    data-state={state}
                  >
                    <th scope="row">{who(invite)}</th>
                    <td>{t(`organiser.role.${invite.role}`)}</td>
                    <td>
                      {t('organiser.level.number', { number: levelNumber(level) })}
                      {' – '}
                      {t(`organiser.level.${level}.name`)}
                      {level === 'lobby' && invite.requirePasscode
                        ? ` + ${t('organiser.newInvite.passcodeLabel')}`
                        : ''}
                    </td>
                    <td>
                      {invite.uses}
                      {invite.singleUse ? ` (${t('organiser.invites.singleUse')})` : ''}
                    </td>
                    <td>
                      {invite.expiresAt === null
                        ? t('organiser.invites.noExpiry')
                        : formatDate(invite.expiresAt, i18n.language)}
                    </td>
                    <td>
                      <span className={`status status-${state}`} data-testid="invite-state">
                        {t(`organiser.invites.state.${state}`)}
                      </span>
                    </td>
                    <td>
                      {state === 'active' ? (
                        <div className="organiser-row-actions">
                          {canCopy ? (
                            <button
                              type="button"
                              className="button button-small"
                              data-testid="copy-invite-row-link"
                              onClick={() => void copy(invite)}
                            >
                              {t('organiser.invites.copyLink')}
                              <span className="visually-hidden"> ({who(invite)})</span>
                            </button>
                          ) : null}
                          <button
                            type="button"
                            className="button button-small button-danger"
                            data-testid="revoke-invite"
                            data-invite-id={invite.inviteId}
                            disabled={revoking !== null}
                            onClick={() => void revoke(invite)}
                          >
                            {revoking === invite.inviteId
                              ? t('organiser.invites.revoking')
                              : t('organiser.invites.revoke')}
                            <span className="visually-hidden"> ({who(invite)})</span>
                          </button>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
