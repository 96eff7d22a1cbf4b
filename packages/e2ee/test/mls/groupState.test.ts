import { describe, expect, it } from 'vitest';
import { MlsGroup } from '../../src/mls/index.ts';
import { announced, context, makeMember, processAs } from './harness.ts';

/** Host A with B in its group; C and D have key packages, not yet added. */
async function twoInAGroup() {
  const ctx = await context();
  const a = await makeMember('host-aaaaaaaa', 1, 'host');
  const b = await makeMember('member-bbbbbbbb', 2, 'participant');
  const c = await makeMember('member-cccccccc', 3, 'participant');
  const d = await makeMember('member-dddddddd', 4, 'participant');
  a.group = await MlsGroup.create(ctx, new Uint8Array([1, 2, 3]), a.bundle);
  const p1 = await a.group.prepareCommit({ add: [b.bundle.publicPackage], remove: [] });
  a.group.apply(p1);
  b.group = await MlsGroup.join(ctx, p1.welcome!, b.bundle);
  return { a, b, c, d, group: a.group };
}

// ts-mls 1.6.4 changes the state it is handed; MlsGroup gives it a copy (both fail without it).
describe('a group state survives commits that never count', () => {
  it('a commit prepared but never accepted (stale at the Delivery Service) leaves the group able to commit again', async () => {
    const { a, b, c, d, group } = await twoInAGroup();
    await group.prepareCommit({ add: [c.bundle.publicPackage], remove: [] });
    const p2 = await group.prepareCommit({ add: [d.bundle.publicPackage], remove: [] });
    expect(await processAs(b, p2.commit, announced([a, b, c, d]))).toEqual({ ok: true });
  });

  it('a commit that fails the checks changes nothing: the next valid one still applies', async () => {
    const { a, b, c, d, group } = await twoInAGroup();
    const bad = await group.prepareCommit({ add: [c.bundle.publicPackage], remove: [] });
    expect((await processAs(b, bad.commit, announced([a, b, d]))).ok).toBe(false);
    const p2 = await group.prepareCommit({ add: [d.bundle.publicPackage], remove: [] });
    expect(await processAs(b, p2.commit, announced([a, b, c, d]))).toEqual({ ok: true });
  });
});
