/**
 * Key distribution in a larger room, over the real relay: every member runs the web app's
 * KeyManager (Node's WebCrypto) and sends its envelopes as E2eeSession does, batched in
 * `relayKeys` requests (KeyRelayBatcher). Every pair must end up holding each other's current
 * key. The negative control sends one envelope per request and never again, as the app did
 * before: the per-socket and per-address request budgets refuse part of them and pairs stay
 * without a key (seen in the keys benchmark: 5,742 of 9,900 pairs after a leave in a room of 100).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalIdentity, KeyManager, KeyRelayBatcher, type LocalIdentity } from '@confidentiel/e2ee';
import type { Ack, MemberInfo } from '@confidentiel/protocol';
import { joined, okData, refusalOf, request, startHarness, type Harness } from './support/harness.ts';
import type { Socket as ClientSocket } from 'socket.io-client';

/** Members of the room: the budgets (40 requests/s per socket, 200 per address) refuse unbatched. */
const ROOM_SIZE = 20;
/** How long the room may take to settle its keys on a loaded machine. */
const SETTLE_MS = 30_000;

interface KeyedMember {
  self: MemberInfo;
  identity: LocalIdentity;
  socket: ClientSocket;
  others: MemberInfo[];
  manager: KeyManager | null;
  /** This member's current sending epoch. */
  epoch: number | null;
  /** The epoch of each other member's key this member holds. */
  held: Map<string, number>;
}

/**
 * A join or a leave as the app makes it, sent again while the address's request budget is spent
 * (the room's key traffic shares it: every member here comes from 127.0.0.1). Bounded: 40 tries.
 */
async function patiently<T>(send: () => Promise<Ack<T>>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const ack = await send();
    if (refusalOf(ack) !== 'rate-limited' || attempt >= 40) {
      return okData(ack);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function joinKeyed(h: Harness, meetingId: string, index: number): Promise<KeyedMember> {
  const identity = await createLocalIdentity();
  const socket = await h.connect(await h.joinToken(meetingId, `Membre ${index}`));
  const answer = joined(await patiently(() => request(socket, 'join', { identity: identity.publicKeys })));
  const member: KeyedMember = {
    self: answer.self,
    identity,
    socket,
    others: [...answer.members],
    manager: null,
    epoch: null,
    held: new Map(),
  };
  return member;
}

/** Starts every member's KeyManager at once, its envelopes sent through the member's batcher. */
function startKeys(members: KeyedMember[], makeBatcher: (socket: ClientSocket) => KeyRelayBatcher): void {
  for (const member of members) {
    const batcher = makeBatcher(member.socket);
    const manager = new KeyManager({
      self: member.self,
      identity: member.identity,
      send: (to, envelope) => batcher.send(to, envelope),
    });
    member.manager = manager;
    manager.on('senderKey', ({ epoch, key }) => {
      member.epoch = epoch;
      key.fill(0);
    });
    manager.on('receiverKey', ({ memberId, epoch, key }) => {
      member.held.set(memberId, epoch);
      key.fill(0);
    });
    member.socket.on('keyEnvelope', ({ from, envelope }: { from: string; envelope: string }) => {
      void manager.receiveEnvelope(from, envelope).catch(() => undefined);
    });
    member.socket.on('memberLeft', ({ memberId }: { memberId: string }) => {
      void manager.memberLeft(memberId).catch(() => undefined);
    });
  }
  // Everyone knows everyone (members joined later are in the earlier ones' join events: listed here).
  for (const member of members) {
    const others = members.filter((m) => m !== member).map((m) => m.self);
    void member.manager?.start(others).catch(() => undefined);
  }
}

/** Pairs (holder, sender) where the holder lacks the sender's current key. */
function missingPairs(members: KeyedMember[]): number {
  let missing = 0;
  for (const holder of members) {
    for (const sender of members) {
      if (
        holder !== sender &&
        (sender.epoch === null || holder.held.get(sender.self.memberId) !== sender.epoch)
      ) {
        missing++;
      }
    }
  }
  return missing;
}

function closeAll(members: KeyedMember[]): void {
  for (const member of members) {
    member.manager?.close();
    member.socket.close();
  }
}

describe(`key distribution in a room of ${ROOM_SIZE} over the real relay`, () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('batched envelopes key every pair, at the start and after a member leaves', async () => {
    const meetingId = await h.createMeeting();
    const members: KeyedMember[] = [];
    for (let i = 0; i < ROOM_SIZE; i++) {
      members.push(await joinKeyed(h, meetingId, i));
    }
    try {
      startKeys(
        members,
        (socket) =>
          new KeyRelayBatcher({
            relay: async (envelopes) => okData(await request(socket, 'relayKeys', { envelopes })),
            isRetryable: (error) => error instanceof Error && /rate-limited|busy/.test(error.message),
          }),
      );
      await expect.poll(() => missingPairs(members), { timeout: SETTLE_MS, interval: 250 }).toBe(0);

      // A leave: every remaining member changes its key and sends it to the others.
      const leaver = members.pop();
      const epochsBefore = members.map((m) => m.epoch);
      await patiently(() => request(leaver!.socket, 'leave', {}));
      closeAll([leaver!]);
      await expect
        .poll(() => members.every((m, i) => m.epoch !== epochsBefore[i]) && missingPairs(members) === 0, {
          timeout: SETTLE_MS,
          interval: 250,
        })
        .toBe(true);
    } finally {
      closeAll(members);
    }
  }, 120_000);

  it('negative control: one request per envelope and no resend leaves pairs without a key', async () => {
    const meetingId = await h.createMeeting();
    const members: KeyedMember[] = [];
    for (let i = 0; i < ROOM_SIZE; i++) {
      members.push(await joinKeyed(h, meetingId, i));
    }
    try {
      // Let the address's request budget refill after the joins, as in the batched case.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      startKeys(
        members,
        (socket) =>
          new KeyRelayBatcher({
            relay: async ([one]) => {
              okData(await request(socket, 'relayKey', one!));
              return { undelivered: [] };
            },
            isRetryable: () => false,
            maxEnvelopes: 1,
          }),
      );
      // Long enough for the batched room to settle (above), and for every acknowledgement timeout.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect(missingPairs(members)).toBeGreaterThan(0);
    } finally {
      closeAll(members);
    }
  }, 120_000);
});
