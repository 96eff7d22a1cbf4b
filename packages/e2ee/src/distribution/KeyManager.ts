import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo } from '@confidentiel/protocol';
import { SerialQueue } from './SerialQueue.ts';
import { E2eeError } from '../E2eeError.ts';
import type { Bytes } from './bytes.ts';
import { MAX_CHAT_TEXT_LENGTH } from './ChatCipher.ts';
import { ChatKeyRing } from './ChatKeyRing.ts';
import { SenderKeySwitch } from './SenderKeySwitch.ts';
import { COMMITTEE_SECRET_BYTES, IV_BYTES, type EnvelopeMessage } from './Envelope.ts';
import { SENDER_KEY_BYTES, nextFreshEpoch, nextRatchetEpoch, ratchetKey } from './KeyDerivation.ts';
import type { LocalIdentity } from './LocalIdentity.ts';
import { openFromMember, sealToMember, trustedMember } from './peerEnvelope.ts';
import { admitMember } from './RemoteMember.ts';
import type {
  KeyManagerEvents,
  KeyManagerStatus,
  OpenChatResult,
  RejectReason,
} from './keyManagerContract.ts';
import {
  KEY_REQUEST_MIN_INTERVAL_MS,
  checkKeyManagerOptions,
  type KeyManagerOptions,
} from './keyManagerOptions.ts';
import {
  compareReceivedKey,
  newPairwisePeer,
  type EpochKey,
  type PairwisePeer as Peer,
} from './PairwisePeer.ts';

export * from './keyManagerContract.ts';
export * from './keyManagerOptions.ts';
export { CHAT_KEY_HISTORY } from './ChatKeyRing.ts';

/** Envelopes held until `start()` (they can arrive between the join ack and `start`). */
const MAX_EARLY_ENVELOPES = 256;

const copy = (key: Uint8Array): Bytes => Uint8Array.from(key);

/**
 * Distributes this member's sender keys and collects the other members' keys, over pairwise
 * envelopes relayed by signaling (see the README, "Key distribution").
 *
 * - Every operation runs in call order, one at a time, so the web app can feed signaling's events
 *   in the order they arrive.
 * - On a join every member ratchets its own key and every key it holds by one epoch; only the
 *   newcomer is sent a key. On a leave every member draws a fresh key and sends it to those who
 *   remain. Receivers install keys at once; a sender switches (`senderKey`) once the members it
 *   sent the key to have acknowledged it, or after `ackTimeoutMs`.
 * - Keys in events are copies owned by the listener; the manager wipes its own on replacement and
 *   on `close()`.
 */
export class KeyManager extends TypedEmitter<KeyManagerEvents> {
  readonly #self: MemberInfo;
  readonly #identity: LocalIdentity;
  readonly #selfEcdhRaw: Bytes;
  readonly #linkSecret: string | undefined;
  readonly #send: (to: string, envelope: string) => Promise<void>;
  readonly #now: () => number;
  readonly #random: (n: number) => Uint8Array;

  readonly #peers = new Map<string, Peer>();
  /** Chat keys of every member, self included. */
  readonly #chatKeys = new ChatKeyRing();
  /** Our newest sender key and the one frames are sent under. */
  readonly #own: SenderKeySwitch;
  #started = false;
  #early: Array<[string, string]> = [];
  readonly #queue = new SerialQueue('KeyManager', () => this.#closed);
  #closed = false;

  constructor(options: KeyManagerOptions) {
    super();
    const { self, identity, linkSecret, send } = options;
    const { selfEcdhRaw, ackTimeoutMs } = checkKeyManagerOptions(options);
    this.#self = self;
    this.#identity = identity;
    this.#selfEcdhRaw = selfEcdhRaw;
    this.#linkSecret = linkSecret;
    this.#send = send;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    this.#own = new SenderKeySwitch({
      now: this.#now,
      ackTimeoutMs,
      runLater: (check) => {
        this.#enqueue(check).catch(() => undefined);
      },
      onSwitch: (key) => this.emit('senderKey', key),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get status(): KeyManagerStatus {
    const knownSenders = [...this.#peers.values()].filter((peer) => peer.receiving !== undefined).length;
    return { epoch: this.#own.latest?.epoch ?? 0, pendingAcks: this.#own.pendingAcks, knownSenders };
  }

  /**
   * Members already in the room at join (self is skipped): makes our first sender key (epoch 0),
   * seals it to each, and emits `senderKey` once they all acknowledged it or after the timeout.
   * Resolves once the envelopes are handed to `send`.
   */
  start(members: readonly MemberInfo[]): Promise<void> {
    const list: unknown = members;
    if (!Array.isArray(list)) {
      return Promise.reject(new TypeError('members must be an array'));
    }
    const snapshot = [...members];
    return this.#enqueue(async () => {
      if (this.#started) {
        throw new TypeError('start() was already called');
      }
      for (const info of snapshot) {
        if (info.memberId !== this.#self.memberId && !this.#peers.has(info.memberId)) {
          await this.#addPeer(info, 0);
        }
      }
      const key = this.#randomKey();
      this.#started = true;
      const recipients = [...this.#peers.values()].filter((p) => p.member.trust === 'trusted');
      await this.#publish({ epoch: 0, key }, recipients);
      const early = this.#early;
      this.#early = [];
      for (const [from, envelope] of early) {
        await this.#handleEnvelope(from, envelope);
      }
    });
  }

  /**
   * A member was admitted: ratchets every key we hold (ours and the other members') by one epoch,
   * and sends our ratcheted key to the newcomer only (and to members that have not acknowledged
   * our previous key, which may have been sealed before they saw this join).
   */
  memberJoined(member: MemberInfo): Promise<void> {
    return this.#enqueue(async () => {
      if (member.memberId === this.#self.memberId || this.#peers.has(member.memberId)) {
        return;
      }
      // Other members' keys first: they ratchet theirs on this same event.
      for (const peer of this.#peers.values()) {
        const current = peer.receiving;
        const epoch = current && nextRatchetEpoch(current.epoch);
        if (current !== undefined && epoch !== undefined) {
          const key = await ratchetKey(current.key);
          this.#throwIfClosed(key);
          await this.#installReceived(peer, { epoch, key });
        }
      }
      const latest = this.#own.latest;
      if (!this.#started || latest === undefined) {
        await this.#addPeer(member, 0);
        return;
      }
      const ratchetEpoch = nextRatchetEpoch(latest.epoch);
      const next: EpochKey =
        ratchetEpoch === undefined
          ? // The generation is used up: a fresh key for everyone (nobody can ratchet into it).
            { epoch: nextFreshEpoch(latest.epoch), key: this.#randomKey() }
          : { epoch: ratchetEpoch, key: await ratchetKey(latest.key) };
      this.#throwIfClosed(next.key);
      const recipients: Peer[] = [];
      for (const peer of this.#peers.values()) {
        if (ratchetEpoch !== undefined && peer.confirmed === latest.epoch) {
          // It holds our previous key and ratchets it on this same event.
          peer.confirmed = next.epoch;
        } else if (peer.member.trust === 'trusted') {
          // It may have been sent our previous key before it saw this join, or never got it.
          recipients.push(peer);
        }
      }
      const newcomer = await this.#addPeer(member, next.epoch);
      if (newcomer.member.trust === 'trusted') {
        recipients.push(newcomer);
      }
      await this.#publish(next, recipients);
    });
  }

  /**
   * A member left or was removed: forgets its keys (`receiverRemoved`), draws a fresh random key
   * and sends it to every remaining member.
   */
  memberLeft(memberId: string): Promise<void> {
    return this.#enqueue(async () => {
      const peer = this.#peers.get(memberId);
      if (peer === undefined) {
        return;
      }
      this.#peers.delete(memberId);
      this.#chatKeys.forget(memberId);
      this.#own.forget(memberId);
      peer.receiving?.key.fill(0);
      peer.receiving = undefined;
      this.emit('receiverRemoved', { memberId, senderIndex: peer.member.info.senderIndex });
      const latest = this.#own.latest;
      if (!this.#started || latest === undefined) {
        return;
      }
      const next = { epoch: nextFreshEpoch(latest.epoch), key: this.#randomKey() };
      const recipients = [...this.#peers.values()].filter((p) => p.member.trust === 'trusted');
      await this.#publish(next, recipients);
    });
  }

  /**
   * An envelope relayed from `from`: verified, opened and acted on. Never throws; refusals are
   * reported by `rejected`.
   */
  receiveEnvelope(from: string, envelope: string): Promise<void> {
    return this.#enqueue(async () => {
      if (!this.#started) {
        if (this.#early.length < MAX_EARLY_ENVELOPES) {
          this.#early.push([from, envelope]);
        } else {
          this.#reject(from, 'unknown-member');
        }
        return;
      }
      await this.#handleEnvelope(from, envelope);
    }).catch(() => undefined);
  }

  /** Asks `memberId` for its current key (frames arrived under an epoch we lack). */
  requestKey(memberId: string): Promise<void> {
    return this.#enqueue(async () => {
      const peer = this.#peers.get(memberId);
      if (peer === undefined || peer.member.trust !== 'trusted') {
        return;
      }
      await this.#post(peer, { type: 'key-request', epoch: peer.receiving?.epoch ?? 0 });
    });
  }

  /**
   * Seals the committee secret to one member, over the same pairwise channel as sender keys (ECDH,
   * AES-GCM, signed). Only to a member whose identity passed the link check: resolves false,
   * sending nothing, for an unknown or untrusted member. Who is entitled (admitted, with the right
   * role) is the caller's decision: the server delivers only to admitted members.
   */
  shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    if (!(secret instanceof Uint8Array) || secret.length !== COMMITTEE_SECRET_BYTES) {
      return Promise.reject(new TypeError(`a committee secret has ${COMMITTEE_SECRET_BYTES} bytes`));
    }
    const copied = copy(secret);
    return this.#enqueue(async () => {
      try {
        const peer = this.#peers.get(memberId);
        if (peer === undefined || peer.member.trust !== 'trusted') {
          return false;
        }
        await this.#post(peer, { type: 'committee-secret', secret: copied });
        return true;
      } finally {
        copied.fill(0);
      }
    });
  }

  /**
   * Seals a chat message under our newest sender key (AES-GCM, key derived by HKDF "confidentiel
   * chat v1") and signs it. `TypeError` for a text longer than 4000 characters.
   */
  sealChat(text: string): Promise<string> {
    if (typeof text !== 'string' || text.length > MAX_CHAT_TEXT_LENGTH) {
      return Promise.reject(
        new TypeError(`chat text must be a string of at most ${MAX_CHAT_TEXT_LENGTH} characters`),
      );
    }
    return this.#enqueue(async () => {
      const latest = this.#own.latest;
      const sealed =
        latest &&
        (await this.#chatKeys.seal({
          from: this.#self.memberId,
          epoch: latest.epoch,
          signingKey: this.#identity.sign.privateKey,
          random: this.#random,
          text,
        }));
      if (sealed === undefined) {
        throw new E2eeError('invalid-key', 'no sender key yet: call start() first');
      }
      return sealed;
    });
  }

  /**
   * Opens a chat message from `from`. Never throws. `unknown-epoch`: sealed under a key we never
   * had (sent before we joined, or its key has not arrived yet).
   */
  openChat(from: string, ciphertext: string): Promise<OpenChatResult> {
    return this.#enqueue(() => this.#openChat(from, ciphertext)).catch((error: unknown): OpenChatResult => ({
      ok: false,
      reason: error instanceof E2eeError && error.reason === 'closed' ? 'closed' : 'internal',
    }));
  }

  /** Stops the timer and wipes every key byte held. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#own.close();
    for (const peer of this.#peers.values()) {
      peer.receiving?.key.fill(0);
      peer.receiving = undefined;
    }
    this.#peers.clear();
    this.#chatKeys.close();
    this.#early = [];
  }

  #enqueue<T>(operation: () => T | Promise<T>): Promise<T> {
    return this.#queue.run(operation);
  }

  /** After an await: if closed meanwhile, wipe what was just made and stop. */
  #throwIfClosed(...keys: Uint8Array[]): void {
    if (this.#closed) {
      for (const key of keys) {
        key.fill(0);
      }
      throw E2eeError.closed('KeyManager');
    }
  }

  #randomKey(): Bytes {
    const key = Uint8Array.from(this.#random(SENDER_KEY_BYTES));
    if (key.length !== SENDER_KEY_BYTES) {
      throw new TypeError(`random(${SENDER_KEY_BYTES}) returned ${key.length} bytes`);
    }
    return key;
  }

  async #addPeer(info: MemberInfo, entitledFrom: number): Promise<Peer> {
    const member = await admitMember({
      self: this.#self,
      identity: this.#identity,
      selfEcdhRaw: this.#selfEcdhRaw,
      info,
      linkSecret: this.#linkSecret,
    });
    this.#throwIfClosed();
    const peer = newPairwisePeer(member, entitledFrom);
    this.#peers.set(info.memberId, peer);
    return peer;
  }

  async #addChatKey(memberId: string, epoch: number, key: Uint8Array): Promise<void> {
    await this.#chatKeys.add(memberId, epoch, key);
    this.#throwIfClosed();
  }

  /** Makes `next` our newest key, seals it to `recipients`, and waits for their acks. */
  async #publish(next: EpochKey, recipients: readonly Peer[]): Promise<void> {
    await this.#addChatKey(this.#self.memberId, next.epoch, next.key);
    this.#own.begin(
      next,
      recipients.map((peer) => peer.member.info.memberId),
    );
    await this.#postAll(recipients.map((peer) => [peer, { type: 'key', epoch: next.epoch, key: next.key }]));
    this.#own.check();
  }

  /** Seals and hands to `send`, in order; delivery failures are left to the ack timeout. */
  async #postAll(messages: ReadonlyArray<readonly [Peer, EnvelopeMessage]>): Promise<void> {
    const envelopes = await Promise.all(
      messages.map(([peer, message]) =>
        sealToMember({
          selfId: this.#self.memberId,
          member: peer.member,
          message,
          signingKey: this.#identity.sign.privateKey,
          iv: this.#random(IV_BYTES),
        }),
      ),
    );
    this.#throwIfClosed();
    messages.forEach(([peer], i) => {
      try {
        this.#send(peer.member.info.memberId, envelopes[i]!).catch(() => undefined);
      } catch {
        // A synchronous failure of `send` is a lost envelope like any other.
      }
    });
  }

  #post(peer: Peer, message: EnvelopeMessage): Promise<void> {
    return this.#postAll([[peer, message]]);
  }

  #reject(memberId: string, reason: RejectReason): void {
    if (!this.#closed) {
      this.emit('rejected', { memberId, reason });
    }
  }

  async #handleEnvelope(from: string, text: string): Promise<void> {
    const peer = this.#peers.get(from);
    const opened = await openFromMember({ selfId: this.#self.memberId, from, member: peer?.member, text });
    if (typeof opened === 'string' || peer === undefined) {
      this.#reject(from, typeof opened === 'string' ? opened : 'unknown-member');
      return;
    }
    const { message } = opened;
    switch (message.type) {
      case 'key':
        await this.#receiveKey(peer, { epoch: message.epoch, key: message.key });
        return;
      case 'ack':
        if (this.#own.latest?.epoch === message.epoch) {
          peer.confirmed = message.epoch;
          this.#own.acknowledged(from);
        }
        return;
      case 'key-request':
        await this.#answerKeyRequest(peer);
        return;
      case 'committee-secret':
        this.emit('committeeSecret', { memberId: from, secret: copy(message.secret) });
        message.secret.fill(0);
        return;
      default: {
        const never: never = message;
        void never;
      }
    }
  }

  async #receiveKey(peer: Peer, received: EpochKey): Promise<void> {
    const memberId = peer.member.info.memberId;
    const verdict = await compareReceivedKey(peer.receiving, received);
    if (verdict === 'newer') {
      await this.#installReceived(peer, received);
      await this.#post(peer, { type: 'ack', epoch: received.epoch });
      return;
    }
    try {
      if (verdict === 'repeat') {
        // The sender awaits the ack.
        await this.#post(peer, { type: 'ack', epoch: received.epoch });
      } else if (verdict === 'on-chain') {
        if (!this.#chatKeys.has(memberId, received.epoch)) {
          await this.#addChatKey(memberId, received.epoch, received.key);
        }
      } else {
        this.#reject(memberId, 'stale');
      }
    } finally {
      received.key.fill(0);
    }
  }

  async #installReceived(peer: Peer, next: EpochKey): Promise<void> {
    const { memberId, senderIndex } = peer.member.info;
    await this.#addChatKey(memberId, next.epoch, next.key);
    peer.receiving?.key.fill(0);
    peer.receiving = next;
    this.emit('receiverKey', { memberId, senderIndex, epoch: next.epoch, key: copy(next.key) });
  }

  async #answerKeyRequest(peer: Peer): Promise<void> {
    const latest = this.#own.latest;
    const now = this.#now();
    if (latest === undefined || now - peer.lastKeyReplyAt < KEY_REQUEST_MIN_INTERVAL_MS) {
      return;
    }
    peer.lastKeyReplyAt = now;
    const messages: Array<[Peer, EnvelopeMessage]> = [];
    const sending = this.#own.sending;
    // The key frames are still sent under, unless it predates this member's arrival.
    if (sending !== undefined && sending !== latest && sending.epoch >= peer.entitledFrom) {
      messages.push([peer, { type: 'key', epoch: sending.epoch, key: sending.key }]);
    }
    messages.push([peer, { type: 'key', epoch: latest.epoch, key: latest.key }]);
    await this.#postAll(messages);
  }

  async #openChat(from: string, ciphertext: string): Promise<OpenChatResult> {
    const opened = await this.#chatKeys.open(from, ciphertext, () => {
      if (from === this.#self.memberId) {
        return this.#identity.sign.publicKey;
      }
      const member = trustedMember(this.#peers.get(from)?.member);
      return typeof member === 'string' ? member : member.verifyKey!;
    });
    // A key not held yet is no fault of the sender's; every other failure is its message refused.
    if (!opened.ok && opened.reason !== 'unknown-epoch') {
      this.#reject(from, opened.reason);
    }
    return opened;
  }
}
