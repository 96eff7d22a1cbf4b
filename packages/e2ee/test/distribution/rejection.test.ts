import { describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '../../src/distribution/base64url.ts';
import { sealEnvelope } from '../../src/distribution/Envelope.ts';
import { newLinkSecret } from '../../src/index.ts';
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

async function trio(relay: Relay, options: { linkSecret?: string } = {}) {
  const members: Member[] = [];
  for (const name of ['a', 'b', 'c']) {
    const member = await makeMember(relay, { name, ...options });
    everyone.push(member);
    await join(relay, member, members);
    members.push(member);
  }
  return members as [Member, Member, Member];
}

/** What a receiver's state looks like, to show a refusal changed nothing. */
function snapshot(member: Member) {
  return {
    status: member.manager.status,
    keys: [...member.keysOf].map(([id, k]) => [id, k.epoch, hex(k.key)]),
    events: member.receiverKeys.length,
  };
}

function flipByte(envelope: string, index: number): string {
  const bytes = fromBase64url(envelope)!;
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return toBase64url(bytes);
}

/** The last key envelope `from` sealed to `to` (opened with `to`'s private key to tell it from an ack). */
async function lastEnvelope(relay: Relay, from: Member, to: Member): Promise<string> {
  const sent = relay.log.filter((t) => t.from === from.info.memberId && t.to === to.info.memberId);
  for (const transit of sent.reverse()) {
    if ((await openAs(to, from, transit.envelope)).type === 'key') {
      return transit.envelope;
    }
  }
  throw new Error('no key envelope');
}

describe('KeyManager: refusals', () => {
  for (const [part, index] of [
    ['header', 4],
    ['ciphertext', -70],
    ['signature', -1],
  ] as const) {
    it(`rejects an envelope tampered in its ${part} (bad-signature), state unchanged`, async () => {
      const relay = new Relay();
      const [a, b, c] = await trio(relay);
      const before = snapshot(c);
      const envelope = await lastEnvelope(relay, a, c);
      await c.manager.receiveEnvelope(a.info.memberId, flipByte(envelope, index));
      expect(c.rejected).toEqual([{ memberId: a.info.memberId, reason: 'bad-signature' }]);
      expect(snapshot(c)).toEqual(before);
      void b;
    });
  }

  it('rejects an envelope relayed as coming from another member (bad-signature)', async () => {
    const relay = new Relay();
    const [a, b, c] = await trio(relay);
    const before = snapshot(c);
    // b's envelope to c, but signaling claims a sent it.
    await c.manager.receiveEnvelope(a.info.memberId, await lastEnvelope(relay, b, c));
    expect(c.rejected).toEqual([{ memberId: a.info.memberId, reason: 'bad-signature' }]);
    expect(snapshot(c)).toEqual(before);
  });

  it('rejects an envelope signed by its sender but addressed to someone else, state unchanged', async () => {
    const relay = new Relay();
    const [a, b, c] = await trio(relay);
    const before = snapshot(c);
    await c.manager.receiveEnvelope(a.info.memberId, await lastEnvelope(relay, a, b));
    expect(c.rejected).toEqual([{ memberId: a.info.memberId, reason: 'malformed' }]);
    expect(snapshot(c)).toEqual(before);
  });

  it('rejects a signed envelope it cannot decrypt (undecryptable)', async () => {
    const relay = new Relay();
    const [a, , c] = await trio(relay);
    const before = snapshot(c);
    const wrongKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const envelope = await sealEnvelope({
      from: a.info.memberId,
      to: c.info.memberId,
      message: { type: 'key', epoch: 99, key: new Uint8Array(16) },
      keys: { seal: wrongKey, open: wrongKey },
      signingKey: a.identity.sign.privateKey,
      iv: new Uint8Array(12),
    });
    await c.manager.receiveEnvelope(a.info.memberId, envelope);
    expect(c.rejected).toEqual([{ memberId: a.info.memberId, reason: 'undecryptable' }]);
    expect(snapshot(c)).toEqual(before);
  });

  it('rejects envelopes from unknown members and garbage without throwing', async () => {
    const relay = new Relay();
    const [a, , c] = await trio(relay);
    const before = snapshot(c);
    await c.manager.receiveEnvelope('stranger-0000', await lastEnvelope(relay, a, c));
    await c.manager.receiveEnvelope(a.info.memberId, 'not an envelope');
    await c.manager.receiveEnvelope(a.info.memberId, 'AAAAAAAAAAAAAAAAAAAAAAAA');
    await c.manager.receiveEnvelope(a.info.memberId, undefined as unknown as string);
    expect(c.rejected).toEqual([
      { memberId: 'stranger-0000', reason: 'unknown-member' },
      { memberId: a.info.memberId, reason: 'malformed' },
      { memberId: a.info.memberId, reason: 'malformed' },
      { memberId: a.info.memberId, reason: 'malformed' },
    ]);
    expect(snapshot(c)).toEqual(before);
  });

  it('rejects a replayed key envelope of an older epoch (stale): no rollback', async () => {
    const relay = new Relay();
    const [a, b, c] = await trio(relay);
    const old = await lastEnvelope(relay, a, b);
    await leave(relay, c, [a, b]);
    expectConverged([a, b], expect);
    const before = snapshot(b);
    await b.manager.receiveEnvelope(a.info.memberId, old);
    expect(b.rejected).toEqual([{ memberId: a.info.memberId, reason: 'stale' }]);
    expect(snapshot(b)).toEqual(before);
    expect(b.keysOf.get(a.info.memberId)!.epoch).toBe(a.currentSenderKey()!.epoch);
  });

  it('takes a replayed envelope of the current epoch as a repeat: acknowledged again, nothing installed', async () => {
    const relay = new Relay();
    const [a, b] = await trio(relay);
    await leave(relay, everyone[2]!, [a, b]);
    const current = await lastEnvelope(relay, a, b);
    const before = snapshot(b);
    const mark = relay.log.length;
    await b.manager.receiveEnvelope(a.info.memberId, current);
    await relay.settle();
    expect(b.rejected).toEqual([]);
    expect(snapshot(b)).toEqual(before);
    expect(sentTo(relay, a.info.memberId, mark)).toHaveLength(1);
  });
});

describe('KeyManager: invite link secret', () => {
  it('gives no key to a member without a valid link MAC and rejects its envelopes', async () => {
    const relay = new Relay();
    const secret = newLinkSecret();
    const [a, b] = await trio(relay, { linkSecret: secret });
    const intruders = [
      await makeMember(relay, { name: 'nomac', identityLinkSecret: null }),
      await makeMember(relay, { name: 'wrongmac', identityLinkSecret: newLinkSecret() }),
    ];
    everyone.push(...intruders);
    let present: Member[] = [a, b, everyone[2]!];
    for (const intruder of intruders) {
      const mark = relay.log.length;
      await join(relay, intruder, present);
      // Nobody with the secret sealed anything to the intruder...
      const fromHonest = sentTo(relay, intruder.info.memberId, mark).filter(
        (t) => !intruders.some((i) => i.info.memberId === t.from),
      );
      expect(fromHonest).toEqual([]);
      expect([a, b, everyone[2]!].some((m) => intruder.keysOf.has(m.info.memberId))).toBe(false);
      // ...and its own key envelopes were refused.
      for (const m of [a, b, everyone[2]!]) {
        expect(m.rejected).toContainEqual({ memberId: intruder.info.memberId, reason: 'bad-link-mac' });
        expect(m.keysOf.has(intruder.info.memberId)).toBe(false);
      }
      present = [...present, intruder];
    }
    // The members with the secret still converge among themselves.
    expectConverged([a, b, everyone[2]!], expect);
  });

  it('still serves members whose link MAC is valid', async () => {
    const relay = new Relay();
    const secret = newLinkSecret();
    const members = await trio(relay, { linkSecret: secret });
    expectConverged(members, expect);
    expect(members.flatMap((m) => m.rejected)).toEqual([]);
  });
});
