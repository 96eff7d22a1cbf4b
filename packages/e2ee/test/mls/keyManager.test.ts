import { afterEach, describe, expect, it } from 'vitest';
import { converged, MiniDeliveryService, until, type Node } from './miniDeliveryService.ts';

let ds: MiniDeliveryService | undefined;
afterEach(() => {
  for (const node of ds?.nodes.values() ?? []) {
    node.manager.close();
  }
  ds = undefined;
});

describe('MlsKeyManager over a Delivery Service', () => {
  it('converges after a burst of joins: one group key per epoch, every pair holding the other’s', async () => {
    ds = new MiniDeliveryService();
    const host = await ds.add('host', 'host');
    const nodes: Node[] = [host];
    nodes.push(...(await Promise.all(['ana', 'bob', 'cid', 'dan', 'eve'].map((n) => ds!.add(n)))));
    await until(() => converged(nodes), 8_000);
    const epoch = host.sending!.epoch;
    expect(epoch).toBeGreaterThan(0);
    // Distinct keys per sender, one code for everyone.
    expect(new Set(nodes.map((n) => n.sending!.key)).size).toBe(nodes.length);
    expect(new Set(nodes.map((n) => n.roomCode)).size).toBe(1);
    expect(nodes.flatMap((n) => n.refused)).toEqual([]);
  });

  it('a leave moves everyone to an epoch whose keys the leaver never held', async () => {
    ds = new MiniDeliveryService();
    const nodes = [await ds.add('host', 'host')];
    for (const name of ['ana', 'bob', 'cid']) {
      nodes.push(await ds.add(name));
    }
    await until(() => converged(nodes), 8_000);
    const leaver = nodes.pop()!;
    const leaverKeys = new Set([...leaver.receiving.values()].flatMap((m) => [...m.values()]));
    const before = nodes[0]!.sending!.epoch;
    ds.leave(leaver);
    await until(() => converged(nodes) && nodes[0]!.sending!.epoch > before, 8_000);
    for (const node of nodes) {
      expect(leaverKeys.has(node.sending!.key)).toBe(false);
      expect(node.receiving.has(leaver.info.memberId)).toBe(false);
    }
  });

  it('a member that misses a commit re-joins and the group converges again', async () => {
    ds = new MiniDeliveryService();
    const nodes = [await ds.add('host', 'host'), await ds.add('ana'), await ds.add('bob')];
    await until(() => converged(nodes), 8_000);
    const bob = nodes[2]!;
    let dropped = 0;
    ds.drop = (to, kind) => to === bob.info.memberId && kind === 'commit' && dropped++ === 0;
    nodes.push(await ds.add('cid'));
    nodes.push(await ds.add('dan'));
    await until(() => converged(nodes), 10_000);
    expect(dropped).toBeGreaterThan(0);
  });

  it('two hosts admitting at once: one commit wins, the other retries on the new epoch, one group', async () => {
    ds = new MiniDeliveryService();
    // Both commit at once (no step between them), so both race for the same epoch.
    const hostA = await ds.add('hosta', 'host', { committerStepMs: 0 });
    const hostB = await ds.add('hostb', 'co-host', { committerStepMs: 0 });
    const nodes = [hostA, hostB];
    await until(() => converged(nodes), 8_000);
    const acceptedBefore = ds.accepted;
    nodes.push(await ds.add('ana'), await ds.add('bob'));
    await until(() => converged(nodes), 8_000);
    expect(ds.stale).toBeGreaterThan(0); // the race happened
    expect(ds.accepted - acceptedBefore).toBeGreaterThanOrEqual(1);
    expect(nodes.flatMap((n) => n.refused)).toEqual([]);
  });

  it('a committer that vanishes mid-commit: the next in line commits, within its delay', async () => {
    ds = new MiniDeliveryService();
    const host = await ds.add('host', 'host');
    const ana = await ds.add('ana');
    const bob = await ds.add('bob');
    await until(() => converged([host, ana, bob]), 8_000);
    ds.hanging.add(host.info.memberId);
    const cid = await ds.add('cid');
    // The host took the change and never came back; it is then gone from the room.
    await new Promise((resolve) => setTimeout(resolve, 100));
    ds.leave(host);
    const took = await until(() => converged([ana, bob, cid]), 8_000);
    expect(took).toBeLessThan(8_000);
    expect(cid.sending!.epoch).toBeGreaterThan(host.sending!.epoch);
  });
});
