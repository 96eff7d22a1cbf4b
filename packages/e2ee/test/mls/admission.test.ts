import { describe, expect, it } from 'vitest';
import {
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  generateKeyPackageWithKey,
  type Credential,
  type KeyPackage,
} from 'ts-mls';
import { createLocalIdentity } from '../../src/index.ts';
import { makeMlsCredential, MlsGroup, mlsSuite } from '../../src/mls/index.ts';
import { announced, context, hex, LINK_SECRET, makeMember, processAs, type TestMember } from './harness.ts';

const GROUP_ID = new TextEncoder().encode('room-test-group');

/** A (host) makes the group and adds the others one commit each; every member follows. */
async function room(members: TestMember[], options: { colluding?: boolean } = {}): Promise<void> {
  const ctx = await context();
  const [first, ...rest] = members;
  first!.group = options.colluding
    ? // A committer that checks nothing (ts-mls's default accepts every credential).
      MlsGroup.fromState(
        ctx,
        await createGroup(GROUP_ID, first!.bundle.publicPackage, first!.bundle.privatePackage, [], ctx.suite),
      )
    : await MlsGroup.create(ctx, GROUP_ID, first!.bundle);
  const inGroup = [first!];
  for (const member of rest) {
    const admitted = announced([...inGroup, member]);
    const prepared = await first!.group.prepareCommit({ add: [member.bundle.publicPackage], remove: [] });
    for (const other of inGroup.slice(1)) {
      expect(await processAs(other, prepared.commit, admitted)).toEqual({ ok: true });
    }
    first!.group.apply(prepared);
    member.group = await MlsGroup.join(ctx, prepared.welcome!, member.bundle);
    inGroup.push(member);
  }
}

/** A key package claiming `victim`'s announced identity, signed by a key the server made. */
async function impersonate(victim: TestMember): Promise<KeyPackage> {
  const suite = await mlsSuite();
  const server = await createLocalIdentity({ linkSecret: LINK_SECRET.replace('c2', 'zz') });
  const signatureKeys = await suite.signature.keygen();
  const own = await makeMlsCredential(
    { memberId: victim.memberId, senderIndex: victim.senderIndex, identity: server.publicKeys },
    server,
    signatureKeys.publicKey,
  );
  const json = JSON.parse(new TextDecoder().decode((own as { identity: Uint8Array }).identity)) as Record<
    string,
    unknown
  >;
  json.identity = victim.identity.publicKeys;
  const credential: Credential = {
    credentialType: 'basic',
    identity: new TextEncoder().encode(JSON.stringify(json)),
  };
  const { publicPackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    signatureKeys,
    suite,
  );
  return publicPackage;
}

async function keysOf(member: TestMember, indexes: number[]): Promise<string[]> {
  const keys = await member.group!.senderKeys(indexes);
  return indexes.map((i) => hex(keys.get(i)!));
}

describe('MLS group keys under the admission rules', () => {
  it('gives every member the same SFrame keys and safety code per epoch; a removed member cannot follow', async () => {
    const a = await makeMember('host-aaaaaaaa', 1, 'host');
    const b = await makeMember('member-bbbbbbbb', 2, 'participant');
    const c = await makeMember('member-cccccccc', 3, 'participant');
    await room([a, b, c]);
    expect(a.group!.epoch).toBe(2);
    const before = await keysOf(a, [1, 2, 3]);
    expect(await keysOf(b, [1, 2, 3])).toEqual(before);
    expect(await keysOf(c, [1, 2, 3])).toEqual(before);
    expect(new Set(before).size).toBe(3); // one key per sender
    const code = await a.group!.safetyCode();
    expect(await b.group!.safetyCode()).toBe(code);
    expect(await c.group!.safetyCode()).toBe(code);

    // C leaves: A commits the Remove; B follows, C's keys are not the new ones.
    const cLeaf = a.group!.roster().find((l) => l.claim.memberId === c.memberId)!.leafIndex;
    const removal = await a.group!.prepareCommit({ add: [], remove: [cLeaf] });
    expect(await processAs(b, removal.commit, announced([a, b]))).toEqual({ ok: true });
    a.group!.apply(removal);
    const after = await keysOf(a, [1, 2, 3]);
    expect(await keysOf(b, [1, 2, 3])).toEqual(after);
    expect(after.some((k) => before.includes(k))).toBe(false);
    await processAs(c, removal.commit, announced([a, b]));
    const cKeys = await keysOf(c, [1, 2, 3]);
    expect(cKeys.some((k) => after.includes(k))).toBe(false);
    expect(await b.group!.safetyCode()).not.toBe(code);
  });

  it('refuses, at every member, an Add of a key package the server made (no link secret)', async () => {
    // The committer colludes with the server: its own checks are off (its context has no link secret).
    const a = await makeMember('host-aaaaaaaa', 1, 'host');
    const b = await makeMember('member-bbbbbbbb', 2, 'participant');
    const c = await makeMember('member-cccccccc', 3, 'participant');
    await room([a, b, c], { colluding: true });
    // The server's own identity and key package, for a member it announces as admitted.
    const mallory = await makeMember('mallory-mmmmmmm', 9, 'participant', null);
    const admitted = announced([a, b, c, mallory]);
    const forged = await a.group!.prepareCommit({ add: [mallory.bundle.publicPackage], remove: [] });
    for (const member of [b, c]) {
      const epoch = member.group!.epoch;
      const codeBefore = await member.group!.safetyCode();
      expect(await processAs(member, forged.commit, admitted)).toEqual({ ok: false, reason: 'invalid' });
      expect(member.group!.epoch).toBe(epoch);
      expect(await member.group!.safetyCode()).toBe(codeBefore);
    }
    // The server impersonating an admitted member who is not in the group yet: Erin's announced
    // identity (with her genuine link MAC), but an MLS key the server holds.
    const erin = await makeMember('member-eeeeeeee', 5, 'participant');
    const impostor = await impersonate(erin);
    const spoofed = await a.group!.prepareCommit({ add: [impostor], remove: [] });
    for (const member of [b, c]) {
      expect(await processAs(member, spoofed.commit, announced([a, b, c, erin]))).toEqual({
        ok: false,
        reason: 'invalid',
      });
    }
    // Control: the same Add of a member holding the link secret goes through at both.
    const dave = await makeMember('member-dddddddd', 4, 'participant');
    const honest = await a.group!.prepareCommit({ add: [dave.bundle.publicPackage], remove: [] });
    expect(await processAs(b, honest.commit, announced([a, b, c, dave]))).toEqual({ ok: true });
    expect(await processAs(c, honest.commit, announced([a, b, c, dave]))).toEqual({ ok: true });
  });
});
