import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingClient } from '../media/MeetingClient.ts';

/** A new speaker is announced at most this often, so the live region does not chatter. */
export const SPEAKER_ANNOUNCE_INTERVAL_MS = 5_000;

/** The latest polite announcement (joins, leaves, who speaks), translated. */
export function useAnnouncements(client: MeetingClient): string {
  const { t } = useTranslation();
  const [message, setMessage] = useState('');
  useEffect(() => {
    let lastSpeakerAnnounce = 0;
    return client.on('notice', (notice) => {
      switch (notice.type) {
        case 'memberJoined':
          setMessage(t('announce.joined', { name: notice.displayName }));
          return;
        case 'memberLeft':
          setMessage(t('announce.left', { name: notice.displayName }));
          return;
        case 'activeSpeaker': {
          const now = Date.now();
          if (notice.isSelf || now - lastSpeakerAnnounce < SPEAKER_ANNOUNCE_INTERVAL_MS) {
            return;
          }
          lastSpeakerAnnounce = now;
          setMessage(t('announce.speaking', { name: notice.displayName }));
          return;
        }
        case 'lobbyArrival':
          setMessage(t('lobby.arrival', { name: notice.displayName }));
          return;
        case 'admitted':
          setMessage(t('moderation.admitted'));
          return;
        case 'moderated': {
          const name = notice.byName ?? t('moderation.aHost');
          const key =
            notice.action === 'muted'
              ? 'moderation.youWereMuted'
              : notice.action === 'camera-stopped'
                ? 'moderation.yourCameraStopped'
                : 'moderation.yourScreenStopped';
          setMessage(t(key, { name }));
          return;
        }
        default: {
          const unreachable: never = notice;
          return unreachable;
        }
      }
    });
  }, [client, t]);
  return message;
}
