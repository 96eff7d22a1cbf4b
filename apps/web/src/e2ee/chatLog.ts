/**
 * The meeting's chat as this page saw it: in memory only, never stored, gone
 * when the page leaves the meeting.
 */

/** Longest message accepted, in characters (UTF-16 code units, as the input counts them). */
export const MAX_CHAT_TEXT_CHARS = 4_000;
/** Messages kept; the oldest go first. */
export const MAX_CHAT_MESSAGES = 500;

export type ChatEntry =
  | {
      readonly id: string;
      readonly state: 'ok';
      readonly from: string;
      readonly fromName: string | null;
      readonly own: boolean;
      readonly text: string;
      readonly sentAt: number;
    }
  /** A message that failed authentication or decryption: its content is never shown. */
  | {
      readonly id: string;
      readonly state: 'failed';
      readonly from: string;
      readonly fromName: string | null;
      readonly own: false;
      readonly reason: string;
      readonly sentAt: number;
    };

export type ChatTextCheck =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'empty' | 'too-long' };

/** What may be sent: trimmed, not empty, at most MAX_CHAT_TEXT_CHARS. */
export function checkChatText(raw: string): ChatTextCheck {
  const text = raw.trim();
  if (text === '') {
    return { ok: false, reason: 'empty' };
  }
  if (text.length > MAX_CHAT_TEXT_CHARS) {
    return { ok: false, reason: 'too-long' };
  }
  return { ok: true, text };
}

/** Appends, dropping the oldest beyond MAX_CHAT_MESSAGES. A new array each time. */
export function appendChat(log: readonly ChatEntry[], entry: ChatEntry): readonly ChatEntry[] {
  const next = [...log, entry];
  return next.length > MAX_CHAT_MESSAGES ? next.slice(next.length - MAX_CHAT_MESSAGES) : next;
}

/** An authenticated text from another member, cut to the limit (a sender may ignore it). */
export function receivedText(text: string): string {
  return text.length > MAX_CHAT_TEXT_CHARS ? text.slice(0, MAX_CHAT_TEXT_CHARS) : text;
}
