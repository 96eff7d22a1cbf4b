import type { TFunction } from 'i18next';
import type { MeetingSummary } from '@confidentiel/protocol';
import { formatDate, formatTime } from './dateTime.ts';

/**
 * A meeting's status in words, with the time that makes it useful: « Prévue », « En cours depuis
 * 14:30 », « Tenue le 3 mars 2026 » (the day its latest session began), « Annulée ».
 */
export function meetingStatusText(
  meeting: Pick<MeetingSummary, 'status' | 'lastSession'>,
  t: TFunction,
  language: string,
): string {
  const session = meeting.lastSession;
  switch (meeting.status) {
    case 'live':
      return session
        ? t('organiser.status.liveSince', { time: formatTime(session.startedAt, language) })
        : t('organiser.status.live');
    case 'ended':
      return session
        ? t('organiser.status.endedOn', { date: formatDate(session.startedAt, language) })
        : t('organiser.status.ended');
    case 'scheduled':
    case 'cancelled':
      return t(`organiser.status.${meeting.status}`);
    default:
      return unreachable(meeting.status);
  }
}

function unreachable(value: never): never {
  throw new TypeError(`unknown meeting status ${String(value)}`);
}
