import type { WebCryptoKey } from '../webcrypto.ts';
import { openChatMessage, parseChat, sealChatMessage, verifyChat } from './ChatCipher.ts';
import { IV_BYTES } from './Envelope.ts';
import { deriveChatKey } from './KeyDerivation.ts';
import type { RejectReason } from './keyManagerContract.ts';

/** Epochs of chat keys kept per sender, to open messages sealed just before a rotation. */
export const CHAT_KEY_HISTORY = 16;

/** Opening a chat message: its text, a refusal of the sender's message, or a key not held (yet). */
export type ChatOpening =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: RejectReason | 'unknown-epoch' };

/**
 * The chat keys of a participation (ours and every member's), derived from their sender keys of
 * each epoch (HKDF "confidentiel chat v1"), the newest CHAT_KEY_HISTORY epochs per member; seals
 * our messages and opens theirs (ChatCipher: AES-GCM, signed by the sender's identity key).
 */
export class ChatKeyRing {
  /** memberId (self included) -> epoch -> chat key. */
  readonly #keys = new Map<string, Map<number, WebCryptoKey>>();
  #closed = false;

  /** Derives and keeps `memberId`'s chat key of `epoch` from its sender key. Keeps nothing once closed. */
  async add(memberId: string, epoch: number, senderKey: Uint8Array): Promise<void> {
    const chatKey = await deriveChatKey(senderKey);
    if (this.#closed) {
      return;
    }
    let keys = this.#keys.get(memberId);
    if (keys === undefined) {
      keys = new Map();
      this.#keys.set(memberId, keys);
    }
    keys.set(epoch, chatKey);
    while (keys.size > CHAT_KEY_HISTORY) {
      keys.delete(Math.min(...keys.keys()));
    }
  }

  has(memberId: string, epoch: number): boolean {
    return this.#keys.get(memberId)?.has(epoch) ?? false;
  }

  /** A member left: its messages no longer open. */
  forget(memberId: string): void {
    this.#keys.delete(memberId);
  }

  /** Seals `text` from `from` under its key of `epoch` (a fresh IV from `random`); undefined without that key. */
  async seal(args: {
    from: string;
    epoch: number;
    signingKey: WebCryptoKey;
    random: (n: number) => Uint8Array;
    text: string;
  }): Promise<string | undefined> {
    const { from, epoch, signingKey, random, text } = args;
    const key = this.#keys.get(from)?.get(epoch);
    return key === undefined
      ? undefined
      : sealChatMessage({ from, epoch, key, signingKey, iv: random(IV_BYTES), text });
  }

  /**
   * Opens a chat message from `from`, its signature checked with `verifyKeyOf()` (asked only once
   * the message parses: the sender's identity key, or why that sender is refused).
   */
  async open(
    from: string,
    ciphertext: string,
    verifyKeyOf: () => WebCryptoKey | RejectReason,
  ): Promise<ChatOpening> {
    const chat = parseChat(ciphertext);
    if (chat === undefined) {
      return { ok: false, reason: 'malformed' };
    }
    const verifyKey = verifyKeyOf();
    if (typeof verifyKey === 'string') {
      return { ok: false, reason: verifyKey };
    }
    if (!(await verifyChat(from, chat, verifyKey))) {
      return { ok: false, reason: 'bad-signature' };
    }
    const key = this.#keys.get(from)?.get(chat.epoch);
    if (key === undefined) {
      return { ok: false, reason: 'unknown-epoch' };
    }
    const opened = await openChatMessage(from, chat, key);
    return opened.ok ? { ok: true, text: opened.text } : { ok: false, reason: opened.reason };
  }

  /** Forgets every key; later `add` keeps nothing. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#keys.clear();
  }
}
