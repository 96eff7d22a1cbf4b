/**
 * The MLS Delivery Service on two signaling nodes sharing a real Redis (and
 * a real PostgreSQL and SFU): members of one meeting on different nodes race
 * commits for one epoch and get exactly one winner; a commit larger than the
 * 64 KiB message cap, sent to the node that does not own the meeting, is
 * forwarded to the owner and fanned out; a Welcome crosses nodes to its
 * addressee only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okData, request, sleep, waitFor } from '../support/harness.ts';
import { seen } from '../security/support.ts';
import { startTestCluster, type ClusterPerson, type TestCluster } from '../cluster/support.ts';

const keyPackage = (name: string): string => `kp-${name}-${'K'.repeat(80)}`;
const commitOf = (name: string, epoch: number): string => `commit-${name}-${epoch}-${'C'.repeat(40)}`;

describe('MLS Delivery Service on two nodes', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(2);
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('orders commits from members on two nodes: one winner per epoch, large commits forwarded', async () => {
    const [node1, node2] = cluster.nodes as [TestCluster['nodes'][0], TestCluster['nodes'][0]];
    const room = await cluster.meeting();
    const host = await cluster.arrive(node1, room, { name: 'Host', role: 'host' });
    const bob = await cluster.arrive(node2, room, { name: 'Bob' });
    const cat = await cluster.arrive(node2, room, { name: 'Cat' });
    expect([host.status, bob.status, cat.status]).toEqual(['joined', 'joined', 'joined']);
    const owner = await cluster.ownerOf(room);
    expect([node1.id, node2.id]).toContain(owner);

    const join = async (who: ClusterPerson, name: string) =>
      okData(await request(who.socket, 'mlsJoin', { keyPackage: keyPackage(name) }));
    expect((await join(host, 'host')).create).toBe(true);
    expect(await join(bob, 'bob')).toEqual({ create: false, epoch: 0, keyPackages: [] });
    expect(await join(cat, 'cat')).toEqual({ create: false, epoch: 0, keyPackages: [] });
    await waitFor('both packages to reach the host', () => seen(host, 'mlsKeyPackage').length === 2);

    // The host (node 1) adds Bob and Cat (node 2): the Welcome crosses nodes, to them only.
    const welcome = `welcome-${'W'.repeat(40)}`;
    expect(
      okData(
        await request(host.socket, 'mlsCommit', {
          epoch: 0,
          commit: commitOf('host', 0),
          welcome,
          added: [bob.memberId, cat.memberId],
        }),
      ),
    ).toEqual({ accepted: true, epoch: 1 });
    await waitFor('the Welcomes on node 2', () =>
      [bob, cat].every((p) => seen(p, 'mlsWelcome').length === 1),
    );
    expect(seen(bob, 'mlsWelcome')).toEqual([{ from: host.memberId, epoch: 1, welcome }]);

    // Host (node 1) and Bob (node 2) commit in the same epoch, many times: one winner each time.
    for (let epoch = 1; epoch <= 10; epoch++) {
      const answers = await Promise.all(
        [host, bob].map(async (p) =>
          okData(
            await request(p.socket, 'mlsCommit', { epoch, commit: commitOf(p.memberId, epoch), added: [] }),
          ),
        ),
      );
      expect(
        answers.filter((a) => a.accepted),
        `epoch ${epoch}`,
      ).toEqual([{ accepted: true, epoch: epoch + 1 }]);
      expect(answers.filter((a) => !a.accepted)).toEqual([{ accepted: false, epoch: epoch + 1 }]);
    }
    // Cat got exactly one commit per epoch (0 to 10), in order, each a winner's.
    await waitFor('Cat to get eleven commits', () => seen(cat, 'mlsCommit').length === 11);
    await sleep(300);
    const epochs = seen(cat, 'mlsCommit').map((c) => (c as { epoch: number }).epoch);
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // A 600 KiB commit from a member on the node that does not own the meeting: forwarded
    // between nodes (over the bus) to the owner, accepted, and fanned out to both nodes.
    const farNode = owner === node1.id ? node2 : node1;
    const far = farNode === node1 ? host : bob;
    const near = far === host ? bob : host;
    const big = 'B'.repeat(600 * 1024);
    expect(okData(await request(far.socket, 'mlsCommit', { epoch: 11, commit: big, added: [] }))).toEqual({
      accepted: true,
      epoch: 12,
    });
    await waitFor('the large commit to reach both nodes', () =>
      [near, cat].every((p) => seen(p, 'mlsCommit').some((c) => (c as { commit: string }).commit === big)),
    );
  }, 60_000);
});
