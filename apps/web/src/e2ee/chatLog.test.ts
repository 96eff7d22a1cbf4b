import { describe, expect, it } from 'vitest';
import {
  appendChat,
  checkChatText,
  MAX_CHAT_MESSAGES,
  MAX_CHAT_TEXT_CHARS,
  receivedText,
  type ChatEntry,
} from './chatLog.ts';

const entry = (n: number): ChatEntry => ({
  id: `m${n}`,
  state: 'ok',
  from: 'alice',
  fromName: 'Alice',
  own: false,
  text: `message ${n}`,
  sentAt: n,
});

describe('chat log', () => {
  it('accepts a trimmed text up to the limit, refuses empty and longer ones', () => {
    expect(checkChatText('  bonjour \n')).toEqual({ ok: true, text: 'bonjour' });
    expect(checkChatText('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(checkChatText('x'.repeat(MAX_CHAT_TEXT_CHARS))).toMatchObject({ ok: true });
    expect(checkChatText('x'.repeat(MAX_CHAT_TEXT_CHARS + 1))).toEqual({ ok: false, reason: 'too-long' });
  });

  it('keeps the newest messages only, in a new array each time', () => {
    let log: readonly ChatEntry[] = [];
    for (let i = 0; i < MAX_CHAT_MESSAGES + 3; i++) {
      const before = log;
      log = appendChat(log, entry(i));
      expect(log).not.toBe(before);
    }
    expect(log).toHaveLength(MAX_CHAT_MESSAGES);
    expect(log[0]?.id).toBe('m3');
  });

  it('cuts an over-long received text to the limit', () => {
    expect(receivedText('y'.repeat(MAX_CHAT_TEXT_CHARS + 10))).toHaveLength(MAX_CHAT_TEXT_CHARS);
  });
});
