import type { Proposal } from 'ts-mls';
import { toLeafIndex } from 'ts-mls/treemath.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommit, type AdmissionView } from '../../src/mls/index.ts';
import { announced, makeMember, type TestMember } from './harness.ts';

let host: TestMember;
let ana: TestMember;
let bob: TestMember;
let cid: TestMember;

beforeAll(async () => {
  [host, ana, bob, cid] = await Promise.all([
    makeMember('host-aaaaaaaa', 1, 'host'),
    makeMember('member-anaaaaaa', 2, 'participant'),
    makeMember('member-bobbbbbb', 3, 'participant'),
    makeMember('member-cidddddd', 4, 'participant'),
  ]);
});

const claimOf = (m: TestMember) => ({
  memberId: m.memberId,
  senderIndex: m.senderIndex,
  identity: m.identity.publicKeys,
});
const add = (m: TestMember): { proposal: Proposal } => ({
  proposal: { proposalType: 'add', add: { keyPackage: m.bundle.publicPackage } },
});
const remove = (leaf: number): { proposal: Proposal } => ({
  proposal: { proposalType: 'remove', remove: { removed: toLeafIndex(leaf) } },
});

/** host at leaf 0, ana at 1, bob at 2; `present` are the members signaling announces now. */
function view(present: TestMember[]): AdmissionView {
  return {
    admitted: announced(present),
    roster: new Map([
      [0, claimOf(host)],
      [1, claimOf(ana)],
      [2, claimOf(bob)],
    ]),
  };
}

describe('the admission rules every browser applies to a commit', () => {
  it('accepts a host’s Add of an announced member and refuses one signaling never announced', () => {
    expect(checkCommit(view([host, ana, bob, cid]), { senderLeafIndex: 0, proposals: [add(cid)] })).toEqual({
      ok: true,
    });
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: 0, proposals: [add(cid)] })).toEqual({
      ok: false,
      reason: 'not-admitted',
    });
  });

  it('refuses an Add whose keys differ from what signaling announced for that member', () => {
    const admitted = announced([host, ana, bob, cid]);
    admitted.set(cid.memberId, { ...admitted.get(cid.memberId)!, identity: ana.identity.publicKeys });
    const v = { ...view([]), admitted };
    expect(checkCommit(v, { senderLeafIndex: 0, proposals: [add(cid)] })).toEqual({
      ok: false,
      reason: 'not-admitted',
    });
  });

  it('while a host is in the group, refuses a participant’s Add; with no host present, accepts it', () => {
    expect(checkCommit(view([host, ana, bob, cid]), { senderLeafIndex: 1, proposals: [add(cid)] })).toEqual({
      ok: false,
      reason: 'adder-not-host',
    });
    expect(checkCommit(view([ana, bob, cid]), { senderLeafIndex: 1, proposals: [add(cid)] })).toEqual({
      ok: true,
    });
  });

  it('refuses a Remove of a member still in the room; accepts it once they left, or as a re-add', () => {
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: 0, proposals: [remove(2)] })).toEqual({
      ok: false,
      reason: 'remove-of-present-member',
    });
    expect(checkCommit(view([host, ana]), { senderLeafIndex: 0, proposals: [remove(2)] })).toEqual({
      ok: true,
    });
    expect(
      checkCommit(view([host, ana, bob]), { senderLeafIndex: 0, proposals: [remove(2), add(bob)] }),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses a second leaf for a member already in the group, and commits from outside it', () => {
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: 0, proposals: [add(bob)] })).toEqual({
      ok: false,
      reason: 'duplicate-member',
    });
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: undefined, proposals: [] })).toEqual({
      ok: false,
      reason: 'not-a-member',
    });
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: 7, proposals: [] })).toEqual({
      ok: false,
      reason: 'not-a-member',
    });
  });

  it('refuses proposal types the product never uses', () => {
    const psk: { proposal: Proposal } = {
      proposal: { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [] } },
    };
    expect(checkCommit(view([host, ana, bob]), { senderLeafIndex: 0, proposals: [psk] })).toEqual({
      ok: false,
      reason: 'unexpected-proposal',
    });
  });
});
