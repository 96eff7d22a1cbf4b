import type { LocalIdentity } from '../distribution/LocalIdentity.ts';
import type { OpenChatResult, RejectReason } from '../distribution/KeyManager.ts';
import { IV_BYTES } from '../distribution/Envelope.ts';
import {
  MAX_CHAT_TEXT_LENGTH,
  openChatMessage,
  parseChat,
  sealChatMessage,
  verifyChat,
} from '../distribution/ChatCipher.ts';
import { deriveChatKey } from '../distribution/KeyDerivation.ts';
import { E2eeError } from '../E2eeError.ts';
import type { WebCryptoKey } from '../webcrypto.ts';

/** Epochs of chat keys kept per member, to open messages sealed just before a change. */
export const MLS_CHAT_KEY_HISTORY = 16;

type Emit = (event: 'senderKey' | 'receiverKey' | 'receiverRemoved', payload: unknown) => void;

export interface EpochKeysOptions {
  readonly selfId: string;
  readonly switchDelayMs: number;
  readonly now?: () => number;
  readonly emit: Emit;
}

/** Who can verify a member's chat signature (the identity key, checked against the link). */
export interface ChatVerifiers {
  verifyKeyOf(memberId: string): WebCryptoKey | RejectReason;
}

/**
 * The SFrame keys of the group's epochs as the E2EE worker and the chat use them: every member's
 * key of a new epoch is handed over at once for receiving; ours becomes the sending key after a
 * delay (so the others have processed the commit), never later than the first deadline set (a
 * removed member's epoch must not live on). Chat keys derive from the same sender keys.
 */
export class EpochKeys {
  readonly #selfId: string;
  readonly #switchDelayMs: number;
  readonly #now: () => number;
  readonly #emit: Emit;
  readonly #chatKeys = new Map<string, Map<number, WebCryptoKey>>();
  readonly #keyed = new Map<string, number>();
  #sending: number | undefined;
  #pending: { epoch: number; key: Uint8Array } | undefined;
  #deadline: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: EpochKeysOptions) {
    this.#selfId = options.selfId;
    this.#switchDelayMs = options.switchDelayMs;
    this.#now = options.now ?? Date.now;
    this.#emit = options.emit;
  }

  get sendingEpoch(): number | undefined {
    return this.#sending;
  }

  get switchPending(): boolean {
    return this.#pending !== undefined;
  }

  get knownSenders(): number {
    return this.#keyed.size;
  }

  /** The keys of a new epoch (`keys` by sender index; wiped here). */
  async enterEpoch(args: {
    epoch: number;
    members: ReadonlyArray<{ memberId: string; senderIndex: number }>;
    keys: Map<number, Uint8Array>;
    immediate: boolean;
  }): Promise<void> {
    const { epoch, members, keys } = args;
    try {
      const present = new Set(members.map((m) => m.memberId));
      for (const [memberId, senderIndex] of this.#keyed) {
        if (!present.has(memberId)) {
          this.#keyed.delete(memberId);
          this.#chatKeys.delete(memberId);
          this.#emit('receiverRemoved', { memberId, senderIndex });
        }
      }
      for (const { memberId, senderIndex } of members) {
        const key = keys.get(senderIndex);
        if (key === undefined) {
          continue;
        }
        await this.#addChatKey(memberId, epoch, key);
        if (memberId === this.#selfId) {
          this.#pending?.key.fill(0);
          this.#pending = { epoch, key: Uint8Array.from(key) };
        } else {
          this.#keyed.set(memberId, senderIndex);
          this.#emit('receiverKey', { memberId, senderIndex, epoch, key: Uint8Array.from(key) });
        }
      }
    } finally {
      for (const key of keys.values()) {
        key.fill(0);
      }
    }
    if (args.immediate) {
      this.#switch();
      return;
    }
    const deadline = this.#now() + this.#switchDelayMs;
    this.#deadline = this.#deadline === undefined ? deadline : Math.min(this.#deadline, deadline);
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => this.#switch(), Math.max(0, this.#deadline - this.#now()));
  }

  /** A member left: its frames are refused at once (its chat keys go too). */
  forget(memberId: string): void {
    const senderIndex = this.#keyed.get(memberId);
    this.#chatKeys.delete(memberId);
    if (senderIndex !== undefined) {
      this.#keyed.delete(memberId);
      this.#emit('receiverRemoved', { memberId, senderIndex });
    }
  }

  async sealChat(text: string, identity: LocalIdentity, random: (n: number) => Uint8Array): Promise<string> {
    if (typeof text !== 'string' || text.length > MAX_CHAT_TEXT_LENGTH) {
      throw new TypeError(`chat text must be a string of at most ${MAX_CHAT_TEXT_LENGTH} characters`);
    }
    const epoch = this.#sending;
    const key = epoch === undefined ? undefined : this.#chatKeys.get(this.#selfId)?.get(epoch);
    if (epoch === undefined || key === undefined) {
      throw new E2eeError('invalid-key', 'no group key yet');
    }
    return sealChatMessage({
      from: this.#selfId,
      epoch,
      key,
      signingKey: identity.sign.privateKey,
      iv: random(IV_BYTES),
      text,
    });
  }

  async openChat(
    from: string,
    ciphertext: string,
    verifiers: ChatVerifiers,
    identity: LocalIdentity,
  ): Promise<OpenChatResult> {
    const chat = parseChat(ciphertext);
    if (chat === undefined) {
      return { ok: false, reason: 'malformed' };
    }
    const verifyKey = from === this.#selfId ? identity.sign.publicKey : verifiers.verifyKeyOf(from);
    if (typeof verifyKey === 'string') {
      return { ok: false, reason: verifyKey };
    }
    if (!(await verifyChat(from, chat, verifyKey))) {
      return { ok: false, reason: 'bad-signature' };
    }
    const key = this.#chatKeys.get(from)?.get(chat.epoch);
    if (key === undefined) {
      return { ok: false, reason: 'unknown-epoch' };
    }
    const opened = await openChatMessage(from, chat, key);
    return opened.ok ? { ok: true, text: opened.text } : { ok: false, reason: opened.reason };
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#pending?.key.fill(0);
    this.#pending = undefined;
    this.#chatKeys.clear();
    this.#keyed.clear();
  }

  #switch(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#deadline = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined || this.#closed) {
      return;
    }
    this.#sending = pending.epoch;
    this.#emit('senderKey', { epoch: pending.epoch, key: pending.key });
  }

  async #addChatKey(memberId: string, epoch: number, key: Uint8Array): Promise<void> {
    const chatKey = await deriveChatKey(key);
    let keys = this.#chatKeys.get(memberId);
    if (keys === undefined) {
      keys = new Map();
      this.#chatKeys.set(memberId, keys);
    }
    keys.set(epoch, chatKey);
    while (keys.size > MLS_CHAT_KEY_HISTORY) {
      keys.delete(Math.min(...keys.keys()));
    }
  }
}
