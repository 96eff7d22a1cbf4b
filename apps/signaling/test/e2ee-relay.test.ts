import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeIdentity,
  nextEvent,
  okData,
  refusalOf,
  request,
  sleep,
  startHarness,
  type Harness,
  type Member,
} from './support/harness.ts';

/** Every keyEnvelope event the member's socket received so far. */
function envelopesAt(member: Member): Array<{ from: string; envelope: string }> {
  return (member.events.get('keyEnvelope') ?? []) as Array<{ from: string; envelope: string }>;
}

/** Signaling relays sealed E2EE envelopes and chat to admitted members only, and reads nothing. */
describe('E2EE relay and chat', () => {
  let h: Harness;
  let room: string;
  let other: string;
  let ada: Member;
  let bob: Member;
  let cy: Member;
  let eve: Member;

  beforeAll(async () => {
    h = await startHarness();
    room = await h.createMeeting();
    other = await h.createMeeting();
    ada = await h.joinMember(room, 'Ada');
    bob = await h.joinMember(room, 'Bob');
    cy = await h.joinMember(room, 'Cy');
    eve = await h.joinMember(other, 'Eve');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('announces each member identity public keys to the others', async () => {
    expect(bob.join.members.map((m) => m.memberId)).toContain(ada.join.self.memberId);
    const adaSeenByBob = bob.join.members.find((m) => m.memberId === ada.join.self.memberId);
    expect(adaSeenByBob?.identity).toEqual(ada.join.self.identity);
    const identity = await makeIdentity();
    expect(identity.ecdh).not.toEqual(ada.join.self.identity.ecdh);
  });

  it('delivers an envelope to its addressee only, with the sender named by the server', async () => {
    const envelope = 'E'.repeat(120);
    const received = nextEvent<{ from: string; envelope: string }>(bob.socket, 'keyEnvelope');
    okData(await request(ada.socket, 'relayKey', { to: bob.join.self.memberId, envelope }));
    expect(await received).toEqual({ from: ada.join.self.memberId, envelope });
    await sleep(100);
    expect(cy.events.get('keyEnvelope')).toBeUndefined();
    expect(ada.events.get('keyEnvelope')).toBeUndefined();
  });

  it('refuses envelopes to oneself, to a member of another room and to nobody', async () => {
    const envelope = 'F'.repeat(120);
    for (const to of [ada.join.self.memberId, eve.join.self.memberId, 'nobody-at-all']) {
      expect(refusalOf(await request(ada.socket, 'relayKey', { to, envelope })), to).toBe('not-found');
    }
    await sleep(100);
    expect(eve.events.get('keyEnvelope')).toBeUndefined();
  });

  it('delivers a batch of envelopes each to its addressee and names those it could not reach', async () => {
    const before = { bob: envelopesAt(bob).length, cy: envelopesAt(cy).length, eve: envelopesAt(eve).length };
    const to = (member: Member, mark: string) => ({
      to: member.join.self.memberId,
      envelope: mark.repeat(100),
    });
    const answer = okData(
      await request(ada.socket, 'relayKeys', {
        envelopes: [to(bob, 'B'), to(cy, 'C'), to(eve, 'X'), to(ada, 'S'), to(bob, 'b')],
      }),
    );
    expect(answer.undelivered.sort()).toEqual([ada.join.self.memberId, eve.join.self.memberId].sort());
    await expect
      .poll(() => envelopesAt(bob).slice(before.bob), { timeout: 5_000 })
      .toEqual([
        { from: ada.join.self.memberId, envelope: 'B'.repeat(100) },
        { from: ada.join.self.memberId, envelope: 'b'.repeat(100) },
      ]);
    expect(envelopesAt(cy).slice(before.cy)).toEqual([
      { from: ada.join.self.memberId, envelope: 'C'.repeat(100) },
    ]);
    await sleep(100);
    expect(envelopesAt(eve)).toHaveLength(before.eve);
  });

  it('a key change to many members is not refused by the request budget when batched', async () => {
    // One envelope per request: a large room's key change runs past the socket's budget
    // (REQUESTS_PER_SECOND) and the refused envelopes are lost: the negative control.
    const single = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        request(cy.socket, 'relayKey', {
          to: bob.join.self.memberId,
          envelope: `S${String(i).padStart(3, '0')}`.repeat(5),
        }),
      ),
    );
    expect(single.filter((ack) => refusalOf(ack) === 'rate-limited').length).toBeGreaterThan(0);
    await sleep(1_100);
    // The same key change batched: 240 envelopes in 4 requests, every one delivered.
    const before = envelopesAt(bob).length;
    const envelopes = Array.from({ length: 240 }, (_, i) => ({
      to: bob.join.self.memberId,
      envelope: `K${String(i).padStart(3, '0')}`.repeat(5),
    }));
    const acks = await Promise.all(
      [0, 64, 128, 192].map((start) =>
        request(cy.socket, 'relayKeys', { envelopes: envelopes.slice(start, start + 64) }),
      ),
    );
    expect(acks.map((ack) => okData(ack).undelivered)).toEqual([[], [], [], []]);
    await expect.poll(() => envelopesAt(bob).length - before, { timeout: 5_000 }).toBe(240);
    expect(
      envelopesAt(bob)
        .slice(before)
        .map((e) => e.envelope),
    ).toEqual(envelopes.map((e) => e.envelope));
  });

  it('relays chat ciphertext to the others in the room, not to the sender or another room', async () => {
    const ciphertext = 'C'.repeat(200);
    const atBob = nextEvent<{ from: string; ciphertext: string; sentAt: number }>(bob.socket, 'chatMessage');
    const atCy = nextEvent<{ from: string; ciphertext: string; sentAt: number }>(cy.socket, 'chatMessage');
    const { sentAt } = okData(await request(ada.socket, 'sendChat', { ciphertext }));
    expect(await atBob).toEqual({ from: ada.join.self.memberId, ciphertext, sentAt });
    expect((await atCy).ciphertext).toBe(ciphertext);
    await sleep(100);
    expect(ada.events.get('chatMessage')).toBeUndefined();
    expect(eve.events.get('chatMessage')).toBeUndefined();
  });

  it('throttles a chat flood from one member and leaves the others able to chat', async () => {
    const results: (string | undefined)[] = [];
    for (let i = 0; i < 30; i++) {
      results.push(refusalOf(await request(bob.socket, 'sendChat', { ciphertext: 'D'.repeat(40) })));
    }
    expect(results.filter((r) => r === 'rate-limited').length).toBeGreaterThanOrEqual(5);
    expect(results.filter((r) => r === undefined).length).toBeLessThanOrEqual(20);
    okData(await request(cy.socket, 'sendChat', { ciphertext: 'G'.repeat(40) }));
  });
});
