import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { InvitePreview } from '../api/invitesApi.ts';

/** Above the join form: which meeting the invite is for, or that this is the host's entry. */
export function JoinContext(props: { asHost: boolean; preview: InvitePreview | null }): ReactNode {
  const { t, i18n } = useTranslation();
  if (props.asHost) {
    return (
      <p className="notice" data-testid="join-as-host">
        {t('join.asHost')}
      </p>
    );
  }
  const preview = props.preview;
  if (!preview) {
    return null;
  }
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'full', timeStyle: 'short' }).format(
    new Date(preview.startsAt),
  );
  return (
    <p className="join-meeting" data-testid="invite-meeting">
      <strong>{preview.meetingTitle}</strong> — {when}
    </p>
  );
}
