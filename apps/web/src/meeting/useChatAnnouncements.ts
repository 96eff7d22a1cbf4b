import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { E2eeSession } from '../e2ee/E2eeSession.ts';

/** How much of a message the live region reads out; the panel shows it all. */
export const CHAT_ANNOUNCE_MAX_CHARS = 200;

/**
 * New chat messages from the others, for a polite live region, and how many
 * arrived while the chat was closed (reset when it opens).
 */
export function useChatAnnouncements(
  session: E2eeSession,
  open: boolean,
): { announcement: string; unread: number } {
  const { t } = useTranslation();
  const [announcement, setAnnouncement] = useState('');
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    if (open) {
      setUnread(0);
    }
  }, [open]);
  useEffect(
    () =>
      session.on('chat', (entry) => {
        if (entry.own) {
          return;
        }
        const name = entry.fromName ?? t('chat.unknownSender');
        if (entry.state === 'ok') {
          const text =
            entry.text.length > CHAT_ANNOUNCE_MAX_CHARS
              ? `${entry.text.slice(0, CHAT_ANNOUNCE_MAX_CHARS)}…`
              : entry.text;
          setAnnouncement(t('chat.announce', { name, text }));
        } else {
          setAnnouncement(t('chat.announceFailed', { name }));
        }
        if (!open) {
          setUnread((n) => n + 1);
        }
      }),
    [session, open, t],
  );
  return { announcement, unread };
}
