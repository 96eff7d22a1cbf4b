import type { LocalIdentity } from '../distribution/LocalIdentity.ts';
import type { OpenChatResult, RejectReason } from '../distribution/keyManagerContract.ts';
import { MAX_CHAT_TEXT_LENGTH } from '../distribution/ChatCipher.ts';
import { ChatKeyRing } from '../distribution/ChatKeyRing.ts';
import { E2eeError } from '../E2eeError.ts';
import type { WebCryptoKey } from '../webcrypto.ts';

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
  readonly #chatKeys = new ChatKeyRing();
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
          this.#chatKeys.forget(memberId);
          this.#emit('receiverRemoved', { memberId, senderIndex });
        }
      }
      for (const { memberId, senderIndex } of members) {
        const key = keys.get(senderIndex);
        if (key === undefined) {
          continue;
        }
        await this.#chatKeys.add(memberId, epoch, key);
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
    this.#chatKeys.forget(memberId);
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
    const sealed =
      epoch === undefined
        ? undefined
        : await this.#chatKeys.seal({
            from: this.#selfId,
            epoch,
            signingKey: identity.sign.privateKey,
            random,
            text,
          });
    if (sealed === undefined) {
      throw new E2eeError('invalid-key', 'no group key yet');
    }
    return sealed;
  }

  openChat(
    from: string,
    ciphertext: string,
    verifiers: ChatVerifiers,
    identity: LocalIdentity,
  ): Promise<OpenChatResult> {
    return this.#chatKeys.open(from, ciphertext, () =>
      from === this.#selfId ? identity.sign.publicKey : verifiers.verifyKeyOf(from),
    );
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#pending?.key.fill(0);
    this.#pending = undefined;
    this.#chatKeys.close();
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
}
