import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACK_TIMEOUT_MS } from '../../src/index.ts';
import { Relay, expectConverged, join, leave, makeMember, type Member } from './harness.ts';

let everyone: Member[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  for (const member of everyone) {
    member.manager.close();
  }
  everyone = [];
  vi.useRealTimers();
});

async function pair(relay: Relay, ackTimeoutMs?: number) {
  const options = ackTimeoutMs === undefined ? {} : { ackTimeoutMs };
  const a = await makeMember(relay, { name: 'a', ...options });
  const b = await makeMember(relay, { name: 'b', ...options });
  everyone.push(a, b);
  await join(relay, a, []);
  return { a, b };
}

const holdAcksTo = (relay: Relay, member: Member) => {
  relay.hook = (t) => (t.to === member.info.memberId ? 'hold' : 'deliver');
};

describe('KeyManager: switching after acknowledgements', () => {
  it('emits senderKey only once the newcomer acknowledged the ratcheted key', async () => {
    const relay = new Relay();
    const { a, b } = await pair(relay);
    holdAcksTo(relay, a);
    await join(relay, b, [a]);
    expect(a.senderKeys.map((e) => e.epoch)).toEqual([0]);
    expect(a.manager.status).toMatchObject({ epoch: 1, pendingAcks: 1 });
    relay.hook = () => 'deliver';
    relay.releaseHeld();
    await relay.settle();
    expect(a.senderKeys.map((e) => e.epoch)).toEqual([0, 1]);
    expect(a.manager.status.pendingAcks).toBe(0);
  });

  it('emits senderKey after the default timeout when an ack never comes, not before', async () => {
    const relay = new Relay();
    const { a, b } = await pair(relay);
    relay.hook = (t) => (t.to === a.info.memberId ? 'drop' : 'deliver');
    await join(relay, b, [a]);
    await vi.advanceTimersByTimeAsync(DEFAULT_ACK_TIMEOUT_MS - 1);
    await relay.settle();
    expect(a.senderKeys.map((e) => e.epoch)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    await relay.settle();
    expect(a.senderKeys.map((e) => e.epoch)).toEqual([0, 1]);
    expect(a.manager.status.pendingAcks).toBe(0);
  });

  it('honours ackTimeoutMs and an injected clock', async () => {
    const relay = new Relay();
    const { a, b } = await pair(relay, 300);
    relay.hook = (t) => (t.to === a.info.memberId ? 'drop' : 'deliver');
    await join(relay, b, [a]);
    await vi.advanceTimersByTimeAsync(299);
    await relay.settle();
    expect(a.senderKeys).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await relay.settle();
    expect(a.senderKeys).toHaveLength(2);
  });

  it('after a leave, waits for every remaining member (or the timeout) before switching', async () => {
    const relay = new Relay();
    const members: Member[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      const m = await makeMember(relay, { name });
      everyone.push(m);
      await join(relay, m, members);
      members.push(m);
    }
    const [a, b, c, d] = members as [Member, Member, Member, Member];
    // c's ack to a is lost; b's arrives.
    relay.hook = (t) => (t.to === a.info.memberId && t.from === c.info.memberId ? 'drop' : 'deliver');
    const switched = a.senderKeys.length;
    await leave(relay, d, [a, b, c]);
    expect(a.senderKeys).toHaveLength(switched);
    expect(a.manager.status.pendingAcks).toBe(1);
    // Receivers already hold the fresh key: they install at once.
    expect(b.keysOf.get(a.info.memberId)!.epoch).toBe(a.manager.status.epoch);
    expect(c.keysOf.get(a.info.memberId)!.epoch).toBe(a.manager.status.epoch);
    await vi.advanceTimersByTimeAsync(DEFAULT_ACK_TIMEOUT_MS);
    await relay.settle();
    expect(a.senderKeys).toHaveLength(switched + 1);
    expect(a.senderKeys.at(-1)!.epoch).toBe(a.manager.status.epoch);
  });

  it('a join during a pending leave rotation does not postpone the switch', async () => {
    const relay = new Relay();
    const members: Member[] = [];
    for (const name of ['a', 'b', 'c']) {
      const m = await makeMember(relay, { name });
      everyone.push(m);
      await join(relay, m, members);
      members.push(m);
    }
    const [a, b, c] = members as [Member, Member, Member];
    relay.hook = (t) => (t.to === a.info.memberId ? 'drop' : 'deliver');
    const switched = a.senderKeys.length;
    await leave(relay, c, [a, b]);
    await vi.advanceTimersByTimeAsync(1_000);
    const d = await makeMember(relay, { name: 'd' });
    everyone.push(d);
    await join(relay, d, [a, b]);
    // 1000 ms + 500 ms = the leave's deadline, though the join's own would be later.
    await vi.advanceTimersByTimeAsync(DEFAULT_ACK_TIMEOUT_MS - 1_000);
    await relay.settle();
    expect(a.senderKeys).toHaveLength(switched + 1);
    expect(a.senderKeys.at(-1)!.epoch).toBe(a.manager.status.epoch);
    relay.hook = () => 'deliver';
  });

  it('ends converged once all acks arrive, without waiting for the timeout', async () => {
    const relay = new Relay();
    const { a, b } = await pair(relay);
    await join(relay, b, [a]);
    expectConverged([a, b], expect);
    expect(vi.getTimerCount()).toBe(0);
  });
});
