import { describe, expect, it } from 'vitest';
import { KEY_REQUEST_MIN_INTERVAL_MS, KeyManager } from '../../src/index.ts';
import {
  Relay,
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

async function room(relay: Relay, names: string[], options: { now?: () => number } = {}): Promise<Member[]> {
  const members: Member[] = [];
  for (const name of names) {
    const m = await makeMember(relay, { name, ...options });
    everyone.push(m);
    await join(relay, m, members);
    members.push(m);
  }
  return members;
}

describe('KeyManager: recovery', () => {
  it('requestKey recovers a newcomer that missed a key envelope', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    let dropped = 0;
    relay.hook = (t) =>
      t.from === a.info.memberId && t.to === c.info.memberId && dropped++ === 0 ? 'drop' : 'deliver';
    await join(relay, c, [a, b]);
    expect(c.keysOf.has(a.info.memberId)).toBe(false);
    expect(a.manager.status.pendingAcks).toBe(1);

    await c.manager.requestKey(a.info.memberId);
    await relay.settle();
    expect(c.keysOf.get(a.info.memberId)!.epoch).toBe(a.manager.status.epoch);
    // The answer was acknowledged: a switched without waiting for the timeout.
    expect(a.manager.status.pendingAcks).toBe(0);
    expectConverged([a, b, c], expect);
  });

  it('requestKey recovers a member that missed a leave’s fresh key', async () => {
    const relay = new Relay();
    const [a, b, c] = (await room(relay, ['a', 'b', 'c'])) as [Member, Member, Member];
    relay.hook = (t) => (t.from === a.info.memberId && t.to === b.info.memberId ? 'drop' : 'deliver');
    await leave(relay, c, [a, b]);
    expect(b.keysOf.get(a.info.memberId)!.epoch).toBeLessThan(a.manager.status.epoch);
    relay.hook = () => 'deliver';
    await b.manager.requestKey(a.info.memberId);
    await relay.settle();
    expect(b.keysOf.get(a.info.memberId)!.epoch).toBe(a.manager.status.epoch);
    expect(hex(b.keysOf.get(a.info.memberId)!.key)).toBe(hex(a.currentSenderKey()!.key));
    expect(a.manager.status.pendingAcks).toBe(0);
  });

  it('answers a newcomer’s key request with its ratcheted key only, never the key from before its arrival', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const c = await makeMember(relay, { name: 'c' });
    everyone.push(c);
    // c's acks never reach a: a keeps sending under the pre-join key.
    relay.hook = (t) => (t.from === c.info.memberId && t.to === a.info.memberId ? 'drop' : 'deliver');
    const preJoin = a.currentSenderKey()!;
    const mark = relay.log.length;
    await join(relay, c, [a, b]);
    expect(a.manager.status.pendingAcks).toBe(1);
    relay.hook = () => 'deliver';
    await c.manager.requestKey(a.info.memberId);
    await relay.settle();
    const toC = sentTo(relay, c.info.memberId, mark).filter((t) => t.from === a.info.memberId);
    const keys = [];
    for (const t of toC) {
      const message = await openAs(c, a, t.envelope);
      if (message.type === 'key') {
        keys.push(message);
      }
    }
    expect(keys.length).toBeGreaterThanOrEqual(2); // the first send and the answer
    for (const message of keys) {
      expect(message.epoch).toBe(preJoin.epoch + 1);
      expect(hex(message.key)).not.toBe(hex(preJoin.key));
    }
  });

  it('answers a member’s key requests at most once per interval', async () => {
    const relay = new Relay();
    let now = 10_000;
    const [a, b] = (await room(relay, ['a', 'b'], { now: () => now })) as [Member, Member];
    const mark = relay.log.length;
    await b.manager.requestKey(a.info.memberId);
    await b.manager.requestKey(a.info.memberId);
    await relay.settle();
    const answers = () =>
      sentTo(relay, b.info.memberId, mark).filter((t) => t.from === a.info.memberId).length;
    expect(answers()).toBe(1);
    now += KEY_REQUEST_MIN_INTERVAL_MS;
    await b.manager.requestKey(a.info.memberId);
    await relay.settle();
    expect(answers()).toBe(2);
  });

  it('holds envelopes that arrive before start and opens them once started', async () => {
    const relay = new Relay();
    const [a] = (await room(relay, ['a'])) as [Member];
    const b = await makeMember(relay, { name: 'b' });
    everyone.push(b);
    // a hears of b and sends its key before b's app calls start().
    await a.manager.memberJoined(b.info);
    await relay.settle();
    expect(b.keysOf.size).toBe(0);
    await b.manager.start([a.info]);
    await relay.settle();
    expectConverged([a, b], expect);
    expect(b.rejected).toEqual([]);
  });
});

describe('KeyManager: lifecycle', () => {
  it('close() is idempotent, wipes what it holds and refuses further work without throwing from receive/open', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const chat = await a.manager.sealChat('hi');
    b.manager.close();
    b.manager.close();
    expect(b.manager.closed).toBe(true);
    expect(b.manager.status).toEqual({ epoch: 0, pendingAcks: 0, knownSenders: 0 });
    await expect(b.manager.receiveEnvelope(a.info.memberId, 'AAAA')).resolves.toBeUndefined();
    await expect(b.manager.openChat(a.info.memberId, chat)).resolves.toEqual({ ok: false, reason: 'closed' });
    await expect(b.manager.sealChat('x')).rejects.toMatchObject({ reason: 'closed' });
    await expect(b.manager.memberLeft(a.info.memberId)).rejects.toMatchObject({ reason: 'closed' });
  });

  it('gives listeners copies: wiping an emitted key does not disturb the manager', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    b.keysOf.get(a.info.memberId)!.key.fill(0);
    a.currentSenderKey()!.key.fill(0);
    const sealed = await a.manager.sealChat('still fine');
    expect(await b.manager.openChat(a.info.memberId, sealed)).toEqual({ ok: true, text: 'still fine' });
  });

  it('refuses options that do not fit together', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const send = () => Promise.resolve();
    expect(() => new KeyManager({ self: a.info, identity: b.identity, send })).toThrow(TypeError);
    expect(() => new KeyManager({ self: a.info, identity: a.identity, send, linkSecret: 'short' })).toThrow(
      TypeError,
    );
    expect(() => new KeyManager({ self: a.info, identity: a.identity, send, ackTimeoutMs: -1 })).toThrow(
      TypeError,
    );
  });
});
