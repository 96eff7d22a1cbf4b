import { afterEach } from 'vitest';
import type { MemberInfo } from '@confidentiel/protocol';
import { fromBase64url } from '../../src/distribution/base64url.ts';
import {
  derivePairwiseKeys,
  openEnvelope,
  parseEnvelope,
  type EnvelopeMessage,
} from '../../src/distribution/Envelope.ts';
import {
  createLocalIdentity,
  KeyManager,
  type KeyManagerEvents,
  type LocalIdentity,
  type RejectReason,
} from '../../src/index.ts';

/** One envelope on its way through the relay. */
export interface Transit {
  readonly from: string;
  readonly to: string;
  envelope: string;
}

/** What a hook decides for an envelope: deliver it (perhaps altered), drop it, or deliver copies. */
export type Hook = (transit: Transit) => 'deliver' | 'drop' | 'duplicate' | 'hold';

/**
 * In-memory signaling: envelopes are delivered asynchronously (microtasks, so fake timers do not
 * stop them), in order per recipient, through hooks that can drop, hold, duplicate or tamper.
 */
export class Relay {
  readonly members = new Map<string, Member>();
  /** Every envelope handed to the relay, delivered or not. */
  readonly log: Transit[] = [];
  readonly held: Transit[] = [];
  hook: Hook = () => 'deliver';
  #inFlight = 0;

  send(from: string, to: string, envelope: string): Promise<void> {
    const transit: Transit = { from, to, envelope };
    this.log.push(transit);
    const decision = this.hook(transit);
    if (decision === 'drop') {
      return Promise.resolve();
    }
    if (decision === 'hold') {
      this.held.push(transit);
      return Promise.resolve();
    }
    this.deliver(transit);
    if (decision === 'duplicate') {
      this.deliver(transit);
    }
    return Promise.resolve();
  }

  deliver(transit: Transit): void {
    const target = this.members.get(transit.to);
    if (target === undefined || target.manager.closed) {
      return;
    }
    this.#inFlight++;
    queueMicrotask(() => {
      void target.manager.receiveEnvelope(transit.from, transit.envelope).finally(() => {
        this.#inFlight--;
      });
    });
  }

  releaseHeld(): void {
    for (const transit of this.held.splice(0)) {
      this.deliver(transit);
    }
  }

  /** Waits until no envelope is in flight and every manager's queue is drained. */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 2;) {
      // A no-op queued behind everything a manager has to do (requestKey of nobody does nothing).
      await Promise.all(
        [...this.members.values()].map((m) => m.manager.requestKey('').catch(() => undefined)),
      );
      await new Promise<void>((resolve) => setImmediateReal(resolve));
      quiet = this.#inFlight === 0 ? quiet + 1 : 0;
    }
  }
}

const realSetImmediate = globalThis.setImmediate;
/** setImmediate that fake timers do not capture (crypto completes on the real event loop). */
function setImmediateReal(callback: () => void): void {
  realSetImmediate(callback);
}

export interface Member {
  readonly info: MemberInfo;
  readonly identity: LocalIdentity;
  readonly manager: KeyManager;
  readonly senderKeys: KeyManagerEvents['senderKey'][0][];
  readonly receiverKeys: KeyManagerEvents['receiverKey'][0][];
  readonly removed: KeyManagerEvents['receiverRemoved'][0][];
  readonly rejected: { memberId: string; reason: RejectReason }[];
  /** The newest key received from each member: memberId -> { epoch, key }. */
  readonly keysOf: Map<string, { epoch: number; key: Uint8Array }>;
  readonly currentSenderKey: () => { epoch: number; key: Uint8Array } | undefined;
}

let nextIndex = 1;

export interface MemberOptions {
  readonly name?: string;
  readonly linkSecret?: string;
  /** The secret used for the identity's link MAC (default: linkSecret). */
  readonly identityLinkSecret?: string | null;
  readonly ackTimeoutMs?: number;
  readonly now?: () => number;
}

export async function makeMember(relay: Relay, options: MemberOptions = {}): Promise<Member> {
  const secret = options.identityLinkSecret === undefined ? options.linkSecret : options.identityLinkSecret;
  const identity = await createLocalIdentity(
    secret === null || secret === undefined ? {} : { linkSecret: secret },
  );
  const index = nextIndex++;
  const info: MemberInfo = {
    memberId: `${options.name ?? 'member'}-${String(index).padStart(4, '0')}`,
    displayName: options.name ?? `member ${index}`,
    joinedAt: index,
    identity: identity.publicKeys,
    senderIndex: index,
    role: 'participant',
  };
  const manager = new KeyManager({
    self: info,
    identity,
    ...(options.linkSecret === undefined ? {} : { linkSecret: options.linkSecret }),
    send: (to, envelope) => relay.send(info.memberId, to, envelope),
    ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const member: Member = {
    info,
    identity,
    manager,
    senderKeys: [],
    receiverKeys: [],
    removed: [],
    rejected: [],
    keysOf: new Map(),
    currentSenderKey: () => member.senderKeys.at(-1),
  };
  manager.on('senderKey', (event) => member.senderKeys.push(event));
  manager.on('receiverKey', (event) => {
    member.receiverKeys.push(event);
    member.keysOf.set(event.memberId, { epoch: event.epoch, key: event.key });
  });
  manager.on('receiverRemoved', (event) => {
    member.removed.push(event);
    member.keysOf.delete(event.memberId);
  });
  manager.on('rejected', (event) => member.rejected.push(event));
  relay.members.set(info.memberId, member);
  return member;
}

/** Joins `member` to a room of `present`, the way the web app drives it on signaling's events. */
export async function join(relay: Relay, member: Member, present: readonly Member[]): Promise<void> {
  // Signaling broadcasts memberJoined before the newcomer's join ack.
  await Promise.all(present.map((m) => m.manager.memberJoined(member.info)));
  await member.manager.start(present.map((m) => m.info));
  await relay.settle();
}

export async function leave(relay: Relay, member: Member, remaining: readonly Member[]): Promise<void> {
  relay.members.delete(member.info.memberId);
  await Promise.all(remaining.map((m) => m.manager.memberLeft(member.info.memberId)));
  await relay.settle();
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Every member holds every other member's current sender key, and nobody awaits acks. */
export function expectConverged(
  members: readonly Member[],
  expect: (value: unknown) => { toEqual(v: unknown): void },
): void {
  for (const sender of members) {
    const current = sender.currentSenderKey();
    expect(sender.manager.status.pendingAcks).toEqual(0);
    expect(current?.epoch).toEqual(sender.manager.status.epoch);
    for (const receiver of members) {
      if (receiver !== sender) {
        const held = receiver.keysOf.get(sender.info.memberId);
        expect({
          receiver: receiver.info.memberId,
          sender: sender.info.memberId,
          epoch: held?.epoch,
          key: held && hex(held.key),
        }).toEqual({
          receiver: receiver.info.memberId,
          sender: sender.info.memberId,
          epoch: current?.epoch,
          key: current && hex(current.key),
        });
      }
    }
  }
}

/** No receiver was ever given two different keys for the same (sender, epoch). */
export function conflictingKeys(members: readonly Member[]): string[] {
  const conflicts: string[] = [];
  for (const receiver of members) {
    const seen = new Map<string, string>();
    for (const event of receiver.receiverKeys) {
      const id = `${event.memberId}/${event.epoch}`;
      const key = hex(event.key);
      if (seen.has(id) && seen.get(id) !== key) {
        conflicts.push(`${receiver.info.memberId} got two keys for ${id}`);
      }
      seen.set(id, key);
    }
  }
  return conflicts;
}

/** Envelopes handed to the relay from `start` on, addressed to `to`. */
export function sentTo(relay: Relay, to: string, start = 0): Transit[] {
  return relay.log.slice(start).filter((t) => t.to === to);
}

/** Opens an envelope with the receiver's private key, as the receiver would: what it learns. */
export async function openAs(receiver: Member, sender: Member, envelope: string): Promise<EnvelopeMessage> {
  const peerEcdhRaw = fromBase64url(sender.info.identity.ecdh)!;
  const keys = await derivePairwiseKeys({
    selfId: receiver.info.memberId,
    selfEcdhPrivate: receiver.identity.ecdh.privateKey,
    selfEcdhRaw: fromBase64url(receiver.info.identity.ecdh)!,
    peerId: sender.info.memberId,
    peerEcdhPublic: await crypto.subtle.importKey(
      'raw',
      peerEcdhRaw,
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      [],
    ),
    peerEcdhRaw,
  });
  const message = await openEnvelope(parseEnvelope(envelope)!, keys);
  if (typeof message === 'string') {
    throw new Error(`cannot open: ${message}`);
  }
  return message;
}

/** A list of the members a test file makes; each is closed after every test. */
export function closedAfterEach(): Member[] {
  const members: Member[] = [];
  afterEach(() => {
    for (const member of members.splice(0)) {
      member.manager.close();
    }
  });
  return members;
}
