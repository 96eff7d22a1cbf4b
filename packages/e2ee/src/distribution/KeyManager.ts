import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo } from '@confidentiel/protocol';
import { SerialQueue } from './SerialQueue.ts';
import { E2eeError } from '../E2eeError.ts';
import type { WebCryptoKey } from '../webcrypto.ts';
import { equalBytes, type Bytes } from './bytes.ts';
import {
  MAX_CHAT_TEXT_LENGTH,
  openChatMessage,
  parseChat,
  sealChatMessage,
  verifyChat,
} from './ChatCipher.ts';
import {
  COMMITTEE_SECRET_BYTES,
  IV_BYTES,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  verifyEnvelope,
  type EnvelopeMessage,
} from './Envelope.ts';
import {
  SENDER_KEY_BYTES,
  deriveChatKey,
  epochGeneration,
  nextFreshEpoch,
  nextRatchetEpoch,
  ratchetKey,
  ratchetKeyBy,
} from './KeyDerivation.ts';
import { decodePublicKey, isLinkSecret, type LocalIdentity } from './LocalIdentity.ts';
import { admitMember, type RemoteMember } from './RemoteMember.ts';

/** Why an envelope or chat message from a member was refused. */
export type RejectReason =
  | 'bad-signature'
  | 'bad-link-mac'
  | 'undecryptable'
  | 'malformed'
  | 'unknown-member'
  | 'stale'
  /** An MLS commit from this member that the admission rules or MLS itself refused. */
  | 'refused-commit';

export type KeyManagerEvents = {
  /** Switch outgoing encryption to this key now (already acknowledged by the others or timed out). */
  senderKey: [{ epoch: number; key: Uint8Array }];
  /** Install at once for decrypting `memberId` (its frames carry KID sender index = senderIndex, epoch). */
  receiverKey: [{ memberId: string; senderIndex: number; epoch: number; key: Uint8Array }];
  /** Forget every key of a member who left. */
  receiverRemoved: [{ memberId: string; senderIndex: number }];
  /** An envelope or chat failed verification (bad signature, wrong link MAC, undecryptable). */
  rejected: [{ memberId: string; reason: RejectReason }];
  /**
   * A trusted member sent us the committee secret (sealed to us, signed by them). Whether to take
   * it (who may hand it out) is the caller's decision. The bytes are a copy owned by the listener.
   */
  committeeSecret: [{ memberId: string; secret: Uint8Array }];
  /**
   * Group key agreement (MLS) only: the room's safety code of the group's current epoch, the same
   * on every member's screen. The pairwise manager never emits it (its room code comes from the
   * identity keys).
   */
  roomCode: [string];
};

/** Default time a sender waits for acknowledgements before switching to a new key anyway. */
export const DEFAULT_ACK_TIMEOUT_MS = 1_500;
/** A member's key requests are answered at most this often (a replayed request costs little). */
export const KEY_REQUEST_MIN_INTERVAL_MS = 250;
/** Epochs of chat keys kept per sender, to open messages sealed just before a rotation. */
export const CHAT_KEY_HISTORY = 16;
/** Envelopes held until `start()` (they can arrive between the join ack and `start`). */
const MAX_EARLY_ENVELOPES = 256;

export interface KeyManagerOptions {
  /** This member, from the join acknowledgement (memberId, senderIndex, identity). */
  readonly self: MemberInfo;
  /** The identity whose public keys were sent in `join` (must match `self.identity`). */
  readonly identity: LocalIdentity;
  /**
   * The invite link's secret. When set, members whose identity lacks a valid linkMac get no keys
   * and their envelopes and chat messages are rejected (`bad-link-mac`).
   */
  readonly linkSecret?: string;
  /** Sends one sealed envelope to one member (the `relayKey` request). Failures are covered by the ack timeout. */
  readonly send: (to: string, envelope: string) => Promise<void>;
  /** Milliseconds, for the ack deadline. Default: `Date.now`. */
  readonly now?: () => number;
  /** Random bytes (keys, IVs). Default: `crypto.getRandomValues`. */
  readonly random?: (n: number) => Uint8Array;
  /** How long to wait for acknowledgements before switching to a new sender key. Default: DEFAULT_ACK_TIMEOUT_MS. */
  readonly ackTimeoutMs?: number;
}

export interface KeyManagerStatus {
  /** Newest epoch of our sender key (switched to when `pendingAcks` is 0). */
  readonly epoch: number;
  /** Members whose acknowledgement of that epoch is still awaited. */
  readonly pendingAcks: number;
  /** Members whose current key we hold. */
  readonly knownSenders: number;
}

export type OpenChatResult = { ok: true; text: string } | { ok: false; reason: string };

interface EpochKey {
  readonly epoch: number;
  readonly key: Bytes;
}

interface Peer {
  readonly member: RemoteMember;
  /** Our oldest epoch this member may be given: keys from before it joined are never sent to it. */
  entitledFrom: number;
  /** The newest key of this member's we hold. */
  receiving: EpochKey | undefined;
  /** Our newest epoch this member holds: acknowledged, or ratcheted from an acknowledged one. */
  confirmed: number | undefined;
  lastKeyReplyAt: number;
}

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
  readonly #ackTimeoutMs: number;

  readonly #peers = new Map<string, Peer>();
  /** memberId (self included) -> epoch -> chat key. */
  readonly #chatKeys = new Map<string, Map<number, WebCryptoKey>>();
  /** The newest sender key we made. */
  #latest: EpochKey | undefined;
  /** The sender key last announced by `senderKey` (may be `#latest`). */
  #sending: EpochKey | undefined;
  /** Members that have not acknowledged `#latest` yet. */
  readonly #awaiting = new Set<string>();
  #deadline: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;
  #early: Array<[string, string]> = [];
  readonly #queue = new SerialQueue('KeyManager', () => this.#closed);
  #closed = false;

  constructor(options: KeyManagerOptions) {
    super();
    const { self, identity, linkSecret, send } = options;
    if (typeof send !== 'function') {
      throw new TypeError('send must be a function');
    }
    if (
      identity?.publicKeys?.ecdh !== self?.identity?.ecdh ||
      identity.publicKeys.sign !== self.identity.sign
    ) {
      throw new TypeError('self.identity must be the public keys of identity');
    }
    const selfEcdhRaw = decodePublicKey(identity.publicKeys.ecdh);
    if (selfEcdhRaw === undefined) {
      throw new TypeError('identity has malformed public keys');
    }
    if (linkSecret !== undefined && !isLinkSecret(linkSecret)) {
      throw new TypeError('linkSecret must be base64url of at least 16 bytes');
    }
    const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    if (!Number.isFinite(ackTimeoutMs) || ackTimeoutMs < 0) {
      throw new TypeError('ackTimeoutMs must be a finite number >= 0');
    }
    this.#self = self;
    this.#identity = identity;
    this.#selfEcdhRaw = selfEcdhRaw;
    this.#linkSecret = linkSecret;
    this.#send = send;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get status(): KeyManagerStatus {
    let knownSenders = 0;
    for (const peer of this.#peers.values()) {
      if (peer.receiving !== undefined) {
        knownSenders++;
      }
    }
    return { epoch: this.#latest?.epoch ?? 0, pendingAcks: this.#awaiting.size, knownSenders };
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
      const latest = this.#latest;
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
      this.#chatKeys.delete(memberId);
      this.#awaiting.delete(memberId);
      peer.receiving?.key.fill(0);
      peer.receiving = undefined;
      this.emit('receiverRemoved', { memberId, senderIndex: peer.member.info.senderIndex });
      const latest = this.#latest;
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
      const latest = this.#latest;
      const key = latest && this.#chatKeys.get(this.#self.memberId)?.get(latest.epoch);
      if (latest === undefined || key === undefined) {
        throw new E2eeError('invalid-key', 'no sender key yet: call start() first');
      }
      return sealChatMessage({
        from: this.#self.memberId,
        epoch: latest.epoch,
        key,
        signingKey: this.#identity.sign.privateKey,
        iv: this.#random(IV_BYTES),
        text,
      });
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
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#latest?.key.fill(0);
    this.#sending?.key.fill(0);
    this.#latest = undefined;
    this.#sending = undefined;
    for (const peer of this.#peers.values()) {
      peer.receiving?.key.fill(0);
      peer.receiving = undefined;
    }
    this.#peers.clear();
    this.#chatKeys.clear();
    this.#awaiting.clear();
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
    const peer: Peer = {
      member,
      entitledFrom,
      receiving: undefined,
      confirmed: undefined,
      lastKeyReplyAt: -Infinity,
    };
    this.#peers.set(info.memberId, peer);
    return peer;
  }

  async #addChatKey(memberId: string, epoch: number, key: Uint8Array): Promise<void> {
    const chatKey = await deriveChatKey(key);
    this.#throwIfClosed();
    let keys = this.#chatKeys.get(memberId);
    if (keys === undefined) {
      keys = new Map();
      this.#chatKeys.set(memberId, keys);
    }
    keys.set(epoch, chatKey);
    while (keys.size > CHAT_KEY_HISTORY) {
      keys.delete(Math.min(...keys.keys()));
    }
  }

  /** Makes `next` our newest key, seals it to `recipients`, and waits for their acks. */
  async #publish(next: EpochKey, recipients: readonly Peer[]): Promise<void> {
    await this.#addChatKey(this.#self.memberId, next.epoch, next.key);
    const previous = this.#latest;
    if (previous !== undefined && previous !== this.#sending) {
      previous.key.fill(0);
    }
    this.#latest = next;
    this.#awaiting.clear();
    for (const peer of recipients) {
      this.#awaiting.add(peer.member.info.memberId);
    }
    // A later change never postpones a switch already due: a leaver's key must not live on.
    const deadline = this.#now() + this.#ackTimeoutMs;
    this.#deadline = this.#deadline === undefined ? deadline : Math.min(this.#deadline, deadline);
    await this.#postAll(recipients.map((peer) => [peer, { type: 'key', epoch: next.epoch, key: next.key }]));
    this.#switchIfDone();
  }

  #switchIfDone(): void {
    const latest = this.#latest;
    if (latest === undefined || this.#closed) {
      return;
    }
    if (this.#awaiting.size > 0 && this.#deadline !== undefined && this.#now() < this.#deadline) {
      this.#schedule(this.#deadline - this.#now());
      return;
    }
    this.#awaiting.clear();
    this.#deadline = undefined;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#sending === latest) {
      return;
    }
    const previous = this.#sending;
    this.#sending = latest;
    previous?.key.fill(0);
    this.emit('senderKey', { epoch: latest.epoch, key: copy(latest.key) });
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#enqueue(() => {
          this.#switchIfDone();
          return Promise.resolve();
        }).catch(() => undefined);
      },
      Math.max(0, delayMs),
    );
  }

  /** Seals and hands to `send`, in order; delivery failures are left to the ack timeout. */
  async #postAll(messages: ReadonlyArray<readonly [Peer, EnvelopeMessage]>): Promise<void> {
    const envelopes = await Promise.all(
      messages.map(([peer, message]) =>
        sealEnvelope({
          from: this.#self.memberId,
          to: peer.member.info.memberId,
          message,
          keys: peer.member.channel!,
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

  /** The peer whose messages can be verified, or the reason to refuse them. */
  #sender(from: string): Peer | RejectReason {
    const peer = this.#peers.get(from);
    if (peer === undefined) {
      return 'unknown-member';
    }
    switch (peer.member.trust) {
      case 'trusted':
        return peer;
      case 'bad-link-mac':
        return 'bad-link-mac';
      case 'malformed':
        return 'malformed';
      default: {
        const never: never = peer.member.trust;
        return never;
      }
    }
  }

  async #handleEnvelope(from: string, text: string): Promise<void> {
    const envelope = parseEnvelope(text);
    if (envelope === undefined) {
      this.#reject(from, 'malformed');
      return;
    }
    const peer = this.#sender(from);
    if (typeof peer === 'string') {
      this.#reject(from, peer);
      return;
    }
    if (!(await verifyEnvelope(envelope, peer.member.verifyKey!))) {
      this.#reject(from, 'bad-signature');
      return;
    }
    // Signed by `from`, but perhaps for someone else or replayed from another relation.
    if (envelope.from !== from || envelope.to !== this.#self.memberId) {
      this.#reject(from, 'malformed');
      return;
    }
    const message = await openEnvelope(envelope, peer.member.channel!);
    if (typeof message === 'string') {
      this.#reject(from, message);
      return;
    }
    switch (message.type) {
      case 'key':
        await this.#receiveKey(peer, { epoch: message.epoch, key: message.key });
        return;
      case 'ack':
        if (this.#latest?.epoch === message.epoch) {
          peer.confirmed = message.epoch;
          if (this.#awaiting.delete(from)) {
            this.#switchIfDone();
          }
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
    const current = peer.receiving;
    const memberId = peer.member.info.memberId;
    if (current === undefined || received.epoch > current.epoch) {
      await this.#installReceived(peer, received);
      await this.#post(peer, { type: 'ack', epoch: received.epoch });
      return;
    }
    try {
      if (received.epoch === current.epoch) {
        if (equalBytes(received.key, current.key)) {
          // A repeat (a resend, or a key we had ratchetted to ourselves): the sender awaits the ack.
          await this.#post(peer, { type: 'ack', epoch: received.epoch });
          return;
        }
      } else if (epochGeneration(received.epoch) === epochGeneration(current.epoch)) {
        // Sealed before the sender saw joins we have already ratchetted for: fine if on our chain.
        const forward = await ratchetKeyBy(received.key, current.epoch - received.epoch);
        const consistent = equalBytes(forward, current.key);
        forward.fill(0);
        if (consistent) {
          if (!this.#chatKeys.get(memberId)?.has(received.epoch)) {
            await this.#addChatKey(memberId, received.epoch, received.key);
          }
          return;
        }
      }
      // An older key (a replay): installing it would roll the receiver back.
      this.#reject(memberId, 'stale');
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
    const latest = this.#latest;
    const now = this.#now();
    if (latest === undefined || now - peer.lastKeyReplyAt < KEY_REQUEST_MIN_INTERVAL_MS) {
      return;
    }
    peer.lastKeyReplyAt = now;
    const messages: Array<[Peer, EnvelopeMessage]> = [];
    const sending = this.#sending;
    // The key frames are still sent under, unless it predates this member's arrival.
    if (sending !== undefined && sending !== latest && sending.epoch >= peer.entitledFrom) {
      messages.push([peer, { type: 'key', epoch: sending.epoch, key: sending.key }]);
    }
    messages.push([peer, { type: 'key', epoch: latest.epoch, key: latest.key }]);
    await this.#postAll(messages);
  }

  async #openChat(from: string, ciphertext: string): Promise<OpenChatResult> {
    const refuse = (reason: RejectReason): OpenChatResult => {
      this.#reject(from, reason);
      return { ok: false, reason };
    };
    const chat = parseChat(ciphertext);
    if (chat === undefined) {
      return refuse('malformed');
    }
    let verifyKey: WebCryptoKey;
    if (from === this.#self.memberId) {
      verifyKey = this.#identity.sign.publicKey;
    } else {
      const peer = this.#sender(from);
      if (typeof peer === 'string') {
        return refuse(peer);
      }
      verifyKey = peer.member.verifyKey!;
    }
    if (!(await verifyChat(from, chat, verifyKey))) {
      return refuse('bad-signature');
    }
    const key = this.#chatKeys.get(from)?.get(chat.epoch);
    if (key === undefined) {
      return { ok: false, reason: 'unknown-epoch' };
    }
    const opened = await openChatMessage(from, chat, key);
    return opened.ok ? { ok: true, text: opened.text } : refuse(opened.reason);
  }
}
