/**
 * Issue 11: one meeting served by three signaling nodes (real Redis, real
 * PostgreSQL, real SFU). Members connected to different nodes see each
 * other's arrivals, the lobby, moderation, key envelopes and chat; exactly one
 * node owns the meeting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LobbyEntry } from '@confidentiel/protocol';
import { nextEvent, okData, refusalOf, request, waitFor } from '../support/harness.ts';
import { startTestCluster, type ClusterPerson, type TestCluster } from './support.ts';

let c: TestCluster;

beforeAll(async () => {
  c = await startTestCluster(3);
}, 120_000);

afterAll(async () => {
  await c?.close();
});

function seen(person: ClusterPerson, event: string): unknown[] {
  return person.events.get(event) ?? [];
}

describe('a meeting across three signaling nodes', () => {
  it('members on different nodes see joins, the lobby, moderation, key envelopes and chat', async () => {
    const [n1, n2, n3] = c.nodes as [
      TestCluster['nodes'][0],
      TestCluster['nodes'][0],
      TestCluster['nodes'][0],
    ];
    const room = await c.meeting();
    const host = await c.arrive(n1, room, { name: 'Présidente', role: 'host' });
    expect(host.status).toBe('joined');
    const owner = await c.ownerOf(room);
    expect(c.nodes.map((n) => n.id)).toContain(owner);

    // Arrivals on the other nodes: everyone sees everyone.
    const ana = await c.arrive(n2, room, { name: 'Ana' });
    const bob = await c.arrive(n3, room, { name: 'Bob' });
    expect([ana.status, bob.status]).toEqual(['joined', 'joined']);
    await waitFor('the host to see Ana and Bob arrive', () =>
      [ana.memberId, bob.memberId].every((id) =>
        seen(host, 'memberJoined').some(
          (e) => (e as { member: { memberId: string } }).member.memberId === id,
        ),
      ),
    );
    await waitFor('Ana to see Bob arrive', () =>
      seen(ana, 'memberJoined').some(
        (e) => (e as { member: { memberId: string } }).member.memberId === bob.memberId,
      ),
    );

    // The lobby: the host (node 1) locks; a newcomer on node 3 waits; the host admits.
    okData(await request(host.socket, 'setRoomLocked', { locked: true }));
    const carl = await c.arrive(n3, room, { name: 'Carl' });
    expect(carl.status).toBe('waiting');
    await waitFor('the host to see Carl waiting', () =>
      seen(host, 'lobbyChanged').some((e) =>
        (e as { waiting: LobbyEntry[] }).waiting.some((w) => w.memberId === carl.memberId),
      ),
    );
    // Someone in the lobby gets no member list, no keys, no chat.
    expect(
      refusalOf(await request(carl.socket, 'sendChat', { ciphertext: 'c2VhbGVkLWNoYXQtbWVzc2FnZQ' })),
    ).toBe('not-admitted');
    const admitted = nextEvent(carl.socket, 'admitted');
    okData(await request(host.socket, 'admit', { memberIds: [carl.memberId] }));
    await admitted;

    // Moderation across nodes: the host on node 1 mutes Ana on node 2.
    const moderated = nextEvent(ana.socket, 'moderated');
    okData(await request(host.socket, 'muteMember', { memberId: ana.memberId }));
    expect(await moderated).toMatchObject({ action: 'muted' });

    // A key envelope from Ana (node 2) reaches Bob (node 3) only.
    const envelope = nextEvent(bob.socket, 'keyEnvelope');
    okData(
      await request(ana.socket, 'relayKey', {
        to: bob.memberId,
        envelope: 'ZW52ZWxvcGUtb2Yta2V5cy1mb3ItYm9i',
      }),
    );
    expect(await envelope).toEqual({ from: ana.memberId, envelope: 'ZW52ZWxvcGUtb2Yta2V5cy1mb3ItYm9i' });

    // Chat from Bob (node 3) reaches the host (node 1) and Ana (node 2).
    const atHost = nextEvent(host.socket, 'chatMessage');
    const atAna = nextEvent(ana.socket, 'chatMessage');
    okData(await request(bob.socket, 'sendChat', { ciphertext: 'c2VhbGVkLWNoYXQtbWVzc2FnZQ' }));
    expect(await atHost).toMatchObject({ from: bob.memberId, ciphertext: 'c2VhbGVkLWNoYXQtbWVzc2FnZQ' });
    expect(await atAna).toMatchObject({ from: bob.memberId, ciphertext: 'c2VhbGVkLWNoYXQtbWVzc2FnZQ' });
    expect(seen(carl, 'keyEnvelope')).toEqual([]);

    // Removal across nodes: Bob is removed by the host; his token is refused on every node.
    const closed = nextEvent(bob.socket, 'roomClosed');
    okData(await request(host.socket, 'removeMember', { memberId: bob.memberId }));
    expect(await closed).toEqual({ reason: 'removed' });
    for (const node of c.nodes) {
      const again = await c.rejoin(node, bob);
      expect(again, node.id).toBe('removed');
    }
    // Still exactly one owner.
    expect(await c.ownerOf(room)).toBe(owner);
  });

  it('two joins of a new meeting on two nodes at once: one owner, one router', async () => {
    const room = await c.meeting({ allowEarlyEntry: true });
    const routersBefore = [...c.sfu.media.routers.values()].filter((r) => !r.closed).length;
    const [a, b] = await Promise.all([
      c.arrive(c.nodes[0]!, room, { name: 'A', role: 'host' }),
      c.arrive(c.nodes[1]!, room, { name: 'B', role: 'host' }),
    ]);
    expect([a.status, b.status]).toEqual(['joined', 'joined']);
    expect([...c.sfu.media.routers.values()].filter((r) => !r.closed).length).toBe(routersBefore + 1);
    expect(c.nodes.map((n) => n.id)).toContain(await c.ownerOf(room));
  });
});
