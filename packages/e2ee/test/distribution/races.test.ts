import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Relay,
  conflictingKeys,
  expectConverged,
  join,
  makeMember,
  type Member,
  closedAfterEach,
} from './harness.ts';

const everyone = closedAfterEach();

async function room(relay: Relay, names: string[]): Promise<Member[]> {
  const members: Member[] = [];
  for (const name of names) {
    const m = await makeMember(relay, { name });
    everyone.push(m);
    await join(relay, m, members);
    members.push(m);
  }
  return members;
}

describe('KeyManager: races between rotations and joins', () => {
  it('a leave then a join back to back (a reconnect) converge without conflicting keys', async () => {
    const relay = new Relay();
    const [a, b, c] = (await room(relay, ['a', 'b', 'c'])) as [Member, Member, Member];
    const d = await makeMember(relay, { name: 'd' });
    everyone.push(d);
    relay.members.delete(c.info.memberId);
    // Signaling broadcasts memberLeft(c) and memberJoined(d) before anyone has reacted.
    const remaining = [a, b];
    const events = remaining.flatMap((m) => [
      m.manager.memberLeft(c.info.memberId),
      m.manager.memberJoined(d.info),
    ]);
    await d.manager.start(remaining.map((m) => m.info));
    await Promise.all(events);
    await relay.settle();
    expectConverged([a, b, d], expect);
    expect(conflictingKeys([a, b, d])).toEqual([]);
    expect([a, b, d].flatMap((m) => m.rejected)).toEqual([]);
  });

  it('a fresh key sealed before a join but delivered after it: receivers still end on the sender’s key', async () => {
    const relay = new Relay();
    const [a, b, c] = (await room(relay, ['a', 'b', 'c'])) as [Member, Member, Member];
    const d = await makeMember(relay, { name: 'd' });
    everyone.push(d);
    relay.members.delete(c.info.memberId);
    relay.hook = () => 'hold';
    await Promise.all([a, b].map((m) => m.manager.memberLeft(c.info.memberId)));
    await relay.settle();
    // The fresh keys are on their way; the join is broadcast and processed first.
    await Promise.all([a, b].map((m) => m.manager.memberJoined(d.info)));
    await d.manager.start([a.info, b.info]);
    await relay.settle();
    // b ratcheted the key of a it held, an epoch a never uses: no conflict with a's real keys.
    relay.hook = () => 'deliver';
    relay.releaseHeld();
    await relay.settle();
    expectConverged([a, b, d], expect);
    expect(conflictingKeys([a, b, d])).toEqual([]);
    expect([a, b, d].flatMap((m) => m.rejected)).toEqual([]);
  });

  it('a key sealed before two joins arrives after the receiver ratcheted for both', async () => {
    const relay = new Relay();
    const [a, b] = (await room(relay, ['a', 'b'])) as [Member, Member];
    const [c, d] = [await makeMember(relay, { name: 'c' }), await makeMember(relay, { name: 'd' })];
    everyone.push(c, d);
    relay.hook = () => 'hold';
    await Promise.all([a, b].map((m) => m.manager.memberJoined(c.info)));
    await c.manager.start([a.info, b.info]);
    await Promise.all([a, b, c].map((m) => m.manager.memberJoined(d.info)));
    await d.manager.start([a.info, b.info, c.info]);
    await relay.settle();
    relay.hook = () => 'deliver';
    relay.releaseHeld();
    await relay.settle();
    expectConverged([a, b, c, d], expect);
    expect(conflictingKeys([a, b, c, d])).toEqual([]);
    expect([a, b, c, d].flatMap((m) => m.rejected)).toEqual([]);
  });

  it('any sequence of joins, leaves and late deliveries converges with no conflicting keys', async () => {
    const step = fc.oneof(
      fc.constant({ kind: 'join' as const }),
      fc.nat().map((n) => ({ kind: 'leave' as const, n })),
      fc.boolean().map((hold) => ({ kind: 'hold' as const, hold })),
      fc.nat(20).map((count) => ({ kind: 'release' as const, count })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const relay = new Relay();
        const all: Member[] = [];
        let present: Member[] = [];
        try {
          for (const s of steps) {
            switch (s.kind) {
              case 'join': {
                const m = await makeMember(relay, { name: 'p' });
                all.push(m);
                const before = present;
                present = [...present, m];
                for (const p of before) {
                  void p.manager.memberJoined(m.info);
                }
                void m.manager.start(before.map((p) => p.info));
                break;
              }
              case 'leave': {
                if (present.length === 0) {
                  break;
                }
                const leaver = present[s.n % present.length]!;
                present = present.filter((p) => p !== leaver);
                relay.members.delete(leaver.info.memberId);
                // Signaling relays a member's envelopes before its leave (one socket, in order):
                // what the model still holds from the leaver is lost with its connection.
                relay.held.splice(
                  0,
                  relay.held.length,
                  ...relay.held.filter((t) => t.from !== leaver.info.memberId),
                );
                for (const p of present) {
                  void p.manager.memberLeft(leaver.info.memberId);
                }
                break;
              }
              case 'hold':
                relay.hook = () => (s.hold ? 'hold' : 'deliver');
                break;
              case 'release':
                for (const t of relay.held.splice(0, s.count)) {
                  relay.deliver(t);
                }
                break;
            }
            await relay.settle();
          }
          relay.hook = () => 'deliver';
          relay.releaseHeld();
          await relay.settle();
          expectConverged(present, expect);
          expect(conflictingKeys(all)).toEqual([]);
          // A key envelope held back past newer keys is refused as `stale` (correctly: it would
          // roll the receiver back); every other refusal would mean a forged or broken envelope.
          expect(present.flatMap((m) => m.rejected).filter((r) => r.reason !== 'stale')).toEqual([]);
        } finally {
          for (const m of all) {
            m.manager.close();
          }
        }
      }),
      { numRuns: 40, seed: Number(process.env.E2EE_RACE_SEED ?? Date.now()) },
    );
    // 40 generated scenarios of real WebCrypto work: give a loaded 2-core CI machine room.
  }, 120_000);
});
