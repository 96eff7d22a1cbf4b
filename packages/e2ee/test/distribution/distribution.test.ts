import { describe, expect, it } from 'vitest';
import { ratchetKey, ratchetKeyBy } from '../../src/distribution/KeyDerivation.ts';
import { EPOCH_STEP_BITS, createLocalIdentity, newLinkSecret } from '../../src/index.ts';
import {
  Relay,
  conflictingKeys,
  expectConverged,
  hex,
  join,
  leave,
  makeMember,
  openAs,
  sentTo,
  type Member,
  closedAfterEach,
} from './harness.ts';

const everyone = closedAfterEach();

async function room(relay: Relay, count: number): Promise<Member[]> {
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const member = await makeMember(relay, { name: `m${i}` });
    everyone.push(member);
    await join(relay, member, members);
    members.push(member);
  }
  return members;
}

describe('KeyManager: distribution', () => {
  it('a member alone switches to its first key at once', async () => {
    const relay = new Relay();
    const [a] = await room(relay, 1);
    expect(a!.senderKeys).toHaveLength(1);
    expect(a!.senderKeys[0]!.epoch).toBe(0);
    expect(a!.senderKeys[0]!.key).toHaveLength(16);
    expect(relay.log).toHaveLength(0);
  });

  it('everyone converges on everyone’s keys after start, with four members joining one by one', async () => {
    const relay = new Relay();
    const members = await room(relay, 4);
    expectConverged(members, expect);
    expect(members.flatMap((m) => m.rejected)).toEqual([]);
    expect(conflictingKeys(members)).toEqual([]);
    for (const m of members) {
      expect(m.manager.status.knownSenders).toBe(3);
    }
    // Members who were there before the others ratcheted once per later join.
    expect(members.map((m) => m.manager.status.epoch)).toEqual([3, 2, 1, 0]);
  });

  it('a newcomer who starts with several members present gets each one’s key', async () => {
    const relay = new Relay();
    const present = await Promise.all([0, 1, 2].map((i) => makeMember(relay, { name: `p${i}` })));
    everyone.push(...present);
    // All present at once (as if they had joined before and exchanged keys): start them together.
    await Promise.all(present.map((m) => m.manager.start(present.filter((o) => o !== m).map((o) => o.info))));
    await relay.settle();
    expectConverged(present, expect);
    const newcomer = await makeMember(relay, { name: 'new' });
    everyone.push(newcomer);
    await join(relay, newcomer, present);
    expectConverged([...present, newcomer], expect);
  });

  it('a joiner gets only the ratcheted key and cannot derive the previous epoch’s key', async () => {
    const relay = new Relay();
    const [a, b] = await room(relay, 2);
    const before = { epoch: a!.currentSenderKey()!.epoch, key: Uint8Array.from(a!.currentSenderKey()!.key) };
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    const mark = relay.log.length;
    await join(relay, c, [a!, b!]);

    const fromA = c.receiverKeys.filter((e) => e.memberId === a!.info.memberId);
    expect(fromA.map((e) => e.epoch)).toEqual([before.epoch + 1]);
    expect(hex(fromA[0]!.key)).not.toBe(hex(before.key));
    expect(hex(fromA[0]!.key)).toBe(hex(await ratchetKey(before.key)));
    // Everything sealed to c, opened with c's private key: one key from each member, none of
    // which is, or ratchets (forward, the only way possible) into, a's previous key.
    const opened = await Promise.all(
      sentTo(relay, c.info.memberId, mark).map(async (t) => ({
        from: t.from,
        message: await openAs(c, relay.members.get(t.from)!, t.envelope),
      })),
    );
    const keyMessages = opened.flatMap((o) =>
      o.message.type === 'key' ? [{ from: o.from, epoch: o.message.epoch, key: o.message.key }] : [],
    );
    expect(keyMessages.map((o) => [o.from, o.epoch])).toEqual(
      expect.arrayContaining([
        [a!.info.memberId, before.epoch + 1],
        [b!.info.memberId, b!.currentSenderKey()!.epoch],
      ]),
    );
    expect(keyMessages).toHaveLength(2);
    for (const received of [...c.receiverKeys.map((e) => e.key), ...keyMessages.map((o) => o.key)]) {
      for (let steps = 0; steps < 4; steps++) {
        expect(hex(await ratchetKeyBy(received, steps))).not.toBe(hex(before.key));
      }
    }
    expect(c.receiverKeys.every((e) => e.epoch > 0)).toBe(true);
  });

  it('existing members ratchet locally: their keys equal the senders’ new keys without any envelope', async () => {
    const relay = new Relay();
    const [a, b, c] = await room(relay, 3);
    const d = await makeMember(relay, { name: 'd' });
    everyone.push(d);
    const mark = relay.log.length;
    await join(relay, d, [a!, b!, c!]);
    // Between the members already present, only acks... no: nothing at all, not even acks.
    const between = relay.log
      .slice(mark)
      .filter((t) => t.to !== d.info.memberId && t.from !== d.info.memberId);
    expect(between).toEqual([]);
    for (const receiver of [a!, b!, c!]) {
      for (const sender of [a!, b!, c!]) {
        if (receiver !== sender) {
          const held = receiver.keysOf.get(sender.info.memberId)!;
          expect(held.epoch).toBe(sender.currentSenderKey()!.epoch);
          expect(hex(held.key)).toBe(hex(sender.currentSenderKey()!.key));
        }
      }
    }
    expectConverged([a!, b!, c!, d], expect);
  });

  it('after a leave the leaver receives nothing and the new keys are unrelated to anything it held', async () => {
    const relay = new Relay();
    const [a, b, c] = await room(relay, 3);
    const mark = relay.log.length;
    const leaverHeld = [...c!.receiverKeys.map((e) => e.key), ...c!.senderKeys.map((e) => e.key)];
    const oldEpochs = new Map([a!, b!].map((m) => [m.info.memberId, m.currentSenderKey()!.epoch]));
    await leave(relay, c!, [a!, b!]);

    expect(sentTo(relay, c!.info.memberId, mark)).toEqual([]);
    expect(a!.removed).toEqual([{ memberId: c!.info.memberId, senderIndex: c!.info.senderIndex }]);
    expect(b!.keysOf.has(c!.info.memberId)).toBe(false);
    expectConverged([a!, b!], expect);
    for (const sender of [a!, b!]) {
      const fresh = sender.currentSenderKey()!;
      expect(fresh.epoch).toBeGreaterThan(oldEpochs.get(sender.info.memberId)!);
      for (const held of leaverHeld) {
        for (let steps = 0; steps < 8; steps++) {
          expect(hex(await ratchetKeyBy(held, steps))).not.toBe(hex(fresh.key));
        }
      }
    }
  });

  it('receivers install a leave’s fresh key at once, before the sender switches to it', async () => {
    const relay = new Relay();
    const [a, b, c] = await room(relay, 3);
    // Hold acks to a: b installs a's fresh key, a keeps sending under the old one for now.
    relay.hook = (t) => (t.to === a!.info.memberId ? 'hold' : 'deliver');
    await leave(relay, c!, [a!, b!]);
    const sendingBefore = a!.currentSenderKey()!.epoch;
    expect(b!.keysOf.get(a!.info.memberId)!.epoch).toBe(a!.manager.status.epoch);
    expect(a!.manager.status.pendingAcks).toBe(1);
    expect(sendingBefore).toBeLessThan(a!.manager.status.epoch);
    relay.hook = () => 'deliver';
    relay.releaseHeld();
    await relay.settle();
    expectConverged([a!, b!], expect);
  });

  it('joins and leaves in a row keep everyone converged, with no conflicting keys', async () => {
    const relay = new Relay();
    const members = await room(relay, 3);
    const [a, b, c] = members as [Member, Member, Member];
    await leave(relay, b, [a, c]);
    const d = await makeMember(relay, { name: 'd' });
    everyone.push(d);
    await join(relay, d, [a, c]);
    await leave(relay, a, [c, d]);
    const e = await makeMember(relay, { name: 'e' });
    everyone.push(e);
    await join(relay, e, [c, d]);
    expectConverged([c, d, e], expect);
    expect(conflictingKeys([a, b, c, d, e])).toEqual([]);
    expect([c, d, e].flatMap((m) => m.rejected)).toEqual([]);
  });

  it('survives duplicated envelopes without rejections', async () => {
    const relay = new Relay();
    relay.hook = () => 'duplicate';
    const members = await room(relay, 3);
    await leave(relay, members[2]!, members.slice(0, 2));
    expectConverged(members.slice(0, 2), expect);
    expect(members.flatMap((m) => m.rejected)).toEqual([]);
  });

  it('ignores a repeated memberJoined and an unknown memberLeft', async () => {
    const relay = new Relay();
    const [a, b] = await room(relay, 2);
    const epoch = a!.manager.status.epoch;
    await a!.manager.memberJoined(b!.info);
    await a!.manager.memberJoined(a!.info);
    await a!.manager.memberLeft('nobody-0000');
    await relay.settle();
    expect(a!.manager.status.epoch).toBe(epoch);
    expect(a!.removed).toEqual([]);
  });

  it('draws a fresh key for everyone once a generation’s 255 ratchets are used up', async () => {
    const relay = new Relay();
    const secret = newLinkSecret();
    const a = await makeMember(relay, { name: 'a', linkSecret: secret });
    const b = await makeMember(relay, { name: 'b', linkSecret: secret });
    everyone.push(a, b);
    await join(relay, a, []);
    await join(relay, b, [a]);
    const start = a.manager.status.epoch;
    // Members without the link MAC: they make everyone ratchet but are sent nothing.
    const steps = 2 ** EPOCH_STEP_BITS - start;
    for (let i = 0; i < steps; i++) {
      const { publicKeys } = await createLocalIdentity();
      const info = {
        memberId: `phantom-${i}-xx`,
        displayName: 'p',
        joinedAt: 0,
        identity: publicKeys,
        senderIndex: 1000 + i,
        role: 'participant' as const,
      };
      await Promise.all([a.manager.memberJoined(info), b.manager.memberJoined(info)]);
    }
    await relay.settle();
    expect(a.manager.status.epoch).toBe(2 ** EPOCH_STEP_BITS);
    expect(b.keysOf.get(a.info.memberId)!.epoch).toBe(2 ** EPOCH_STEP_BITS);
    // Not the ratchet of the last key of the generation: fresh.
    const last = b.receiverKeys.filter((e) => e.memberId === a.info.memberId).at(-2)!;
    expect(last.epoch).toBe(2 ** EPOCH_STEP_BITS - 1);
    expect(hex(await ratchetKey(last.key))).not.toBe(hex(b.keysOf.get(a.info.memberId)!.key));
    expect(hex(a.currentSenderKey()!.key)).toBe(hex(b.keysOf.get(a.info.memberId)!.key));
    expect(conflictingKeys([a, b])).toEqual([]);
  });

  it('refuses to start twice', async () => {
    const relay = new Relay();
    const [a] = await room(relay, 1);
    await expect(a!.manager.start([])).rejects.toThrow(TypeError);
  });
});
