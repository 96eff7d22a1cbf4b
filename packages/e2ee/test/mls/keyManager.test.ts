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
});
