import { useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ParseKeys } from 'i18next';
import type { InviteSummary } from '@confidentiel/protocol';
import type { OrganiserApi } from '../api/organiserApi.ts';
import { inviteLink } from '../router/routes.ts';
import { useMediaQuery } from '../ui/useMediaQuery.ts';
import { formatDate } from './dateTime.ts';
import { inviteState, levelNumber, levelOf } from './inviteLevels.ts';
import { NARROW_SCREEN } from './narrowScreen.ts';
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
  const narrow = useMediaQuery(NARROW_SCREEN);

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

  /** One invite's facts, in the order of the table's columns; the list shows the same, labelled. */
  const facts = (invite: InviteSummary): { key: string; label: string; value: ReactNode }[] => {
    const state = inviteState(invite, now);
    const level = levelOf(invite);
    return [
      { key: 'role', label: t('organiser.invites.colRole'), value: t(`organiser.role.${invite.role}`) },
      {
        key: 'level',
        label: t('organiser.invites.colLevel'),
        value: `${t('organiser.level.number', { number: levelNumber(level) })} – ${t(`organiser.level.${level}.name`)}${
          level === 'lobby' && invite.requirePasscode ? ` + ${t('organiser.newInvite.passcodeLabel')}` : ''
        }`,
      },
      {
        key: 'uses',
        label: t('organiser.invites.colUses'),
        value: `${invite.uses}${invite.singleUse ? ` (${t('organiser.invites.singleUse')})` : ''}`,
      },
      {
        key: 'expires',
        label: t('organiser.invites.colExpires'),
        value:
          invite.expiresAt === null
            ? t('organiser.invites.noExpiry')
            : formatDate(invite.expiresAt, i18n.language),
      },
      {
        key: 'state',
        label: t('organiser.invites.colState'),
        value: (
          <span className={`status status-${state}`} data-testid="invite-state">
            {t(`organiser.invites.state.${state}`)}
          </span>
        ),
      },
    ];
  };

  const actions = (invite: InviteSummary): ReactNode =>
    inviteState(invite, now) === 'active' ? (
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
          {revoking === invite.inviteId ? t('organiser.invites.revoking') : t('organiser.invites.revoke')}
          <span className="visually-hidden"> ({who(invite)})</span>
        </button>
      </div>
    ) : null;

  // Seven columns do not fit a phone: there, each invite is a card listing the same facts.
  const rows = (): ReactNode =>
    narrow ? (
      <ul className="organiser-cards" aria-labelledby={ids.heading} data-testid="invites-table">
        {invites.map((invite) => (
          <li
            key={invite.inviteId}
            className="organiser-card-item"
            data-testid="invite-row"
            data-invite-id={invite.inviteId}
            data-state={inviteState(invite, now)}
          >
            <p className="organiser-card-title">{who(invite)}</p>
            <dl className="organiser-card-facts">
              {facts(invite).map((fact) => (
                <div key={fact.key}>
                  <dt>{fact.label}</dt>
                  <dd>{fact.value}</dd>
                </div>
              ))}
            </dl>
            {actions(invite)}
          </li>
        ))}
      </ul>
    ) : (
      <div className="organiser-table-wrap">
        <table className="organiser-table" data-testid="invites-table">
          <caption className="visually-hidden">{t('organiser.invites.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('organiser.invites.colWho')}</th>
              {facts(invites[0]!).map((fact) => (
                <th scope="col" key={fact.key}>
                  {fact.label}
                </th>
              ))}
              <th scope="col">{t('organiser.invites.colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {invites.map((invite) => (
              <tr
                key={invite.inviteId}
                data-testid="invite-row"
                data-invite-id={invite.inviteId}
                data-state={inviteState(invite, now)}
              >
                <th scope="row">{who(invite)}</th>
                {facts(invite).map((fact) => (
                  <td key={fact.key}>{fact.value}</td>
                ))}
                <td>{actions(invite)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

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
      {invites.length === 0 ? <p data-testid="no-invites">{t('organiser.invites.none')}</p> : rows()}
    </section>
  );
}
