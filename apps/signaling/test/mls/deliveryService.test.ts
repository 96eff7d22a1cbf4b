/**
 * Signaling as the MLS Delivery Service, over real sockets (a real SFU and a
 * real signaling server, as a browser reaches them): who makes the group,
 * key packages to the room, exactly one commit fanned out per epoch
 * (concurrent, duplicated, reordered, stale), each Welcome to its addressee
 * only, the lobby kept out of all of it, the reset when the group's last
 * member leaves, and the MLS size cap that no other event gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '@confidentiel/protocol';
import { MLS_KEY_PACKAGES_PER_SECOND } from '../../src/mls/MlsDelivery.ts';
import {
  okData,
  rawRequest,
  refusalOf,
  request,
  sleep,
  startHarness,
  waitFor,
  type ClientSocket,
  type Harness,
  type Member,
} from '../support/harness.ts';
import { arrive, expectNoEvents, organiserMeeting, seen } from '../security/support.ts';

/** Opaque MLS messages as browsers send them (base64url); distinct per author. */
const keyPackage = (name: string): string => `kp-${name}-${'K'.repeat(80)}`;
const commitOf = (name: string, epoch: number): string => `commit-${name}-${epoch}-${'C'.repeat(40)}`;
const welcomeOf = (name: string): string => `welcome-${name}-${'W'.repeat(40)}`;
const MLS_EVENTS = ['mlsKeyPackage', 'mlsCommit', 'mlsWelcome', 'mlsReset'];

interface Someone {
  socket: ClientSocket;
  events: Map<string, unknown[]>;
}

const idOf = (member: Member): string => member.join.self.memberId;

async function mlsJoin(who: Someone, name: string) {
  return okData(await request(who.socket, 'mlsJoin', { keyPackage: keyPackage(name) }));
}

function commit(
  who: Someone,
  payload: { epoch: number; commit: string; welcome?: string; added?: string[] },
) {
  return request(who.socket, 'mlsCommit', { added: [], ...payload });
}

describe('MLS Delivery Service over sockets', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** A room with `names` admitted, the first of whom made the group (epoch 0) and the others published. */
  async function roomWithGroup(...names: string[]): Promise<Member[]> {
    const meetingId = await h.createMeeting();
    const members: Member[] = [];
    for (const name of names) {
      members.push(await h.joinMember(meetingId, name));
    }
    expect((await mlsJoin(members[0]!, names[0]!)).create).toBe(true);
    for (const [i, member] of members.entries()) {
      if (i > 0) {
        expect(await mlsJoin(member, names[i]!)).toEqual({ create: false, epoch: 0, keyPackages: [] });
      }
    }
    // Every package reached the members already there (each of the later ones, to the first).
    await waitFor(
      'the key packages to reach the group maker',
      () => seen(members[0]!, 'mlsKeyPackage').length === names.length - 1,
    );
    return members;
  }

  it('lets the first member make the group; the next one waits and its package goes to the room', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    expect(await mlsJoin(ada, 'ada')).toEqual({ create: true, epoch: 0, keyPackages: [] });
    expect(await mlsJoin(bob, 'bob')).toEqual({ create: false, epoch: 0, keyPackages: [] });
    await waitFor("Ada to get Bob's key package", () => seen(ada, 'mlsKeyPackage').length === 1);
    expect(seen(ada, 'mlsKeyPackage')).toEqual([{ memberId: idOf(bob), keyPackage: keyPackage('bob') }]);
    // Nobody is sent their own package, and making the group sends nothing.
    await expectNoEvents([bob], ['mlsKeyPackage']);
  });

  it('hands the maker the packages of members who published before any group existed', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    const bob = await h.joinMember(meetingId, 'Bob');
    expect((await mlsJoin(ada, 'ada')).create).toBe(true);
    expect((await mlsJoin(bob, 'bob')).create).toBe(false);
    // Ada lost her state before adding Bob: she makes the group anew, Bob's package with it.
    expect(await mlsJoin(ada, 'ada-again')).toEqual({
      create: true,
      epoch: 0,
      keyPackages: [{ memberId: idOf(bob), keyPackage: keyPackage('bob') }],
    });
  });

  it("accepts exactly one of two commits made at once in the same epoch and fans out only the winner's", async () => {
    const [ada, bob, cat] = (await roomWithGroup('ada', 'bob', 'cat')) as [Member, Member, Member];
    // Ada adds Bob and Cat: epoch 1; both are in the group.
    okData(
      await commit(ada, {
        epoch: 0,
        commit: commitOf('ada', 0),
        welcome: welcomeOf('ada'),
        added: [idOf(bob), idOf(cat)],
      }),
    );
    await waitFor('the first commit to reach Cat', () => seen(cat, 'mlsCommit').length === 1);

    const [fromAda, fromBob] = await Promise.all([
      commit(ada, { epoch: 1, commit: commitOf('ada', 1) }),
      commit(bob, { epoch: 1, commit: commitOf('bob', 1) }),
    ]);
    const answers = [okData(fromAda), okData(fromBob)];
    expect(answers.filter((a) => a.accepted)).toEqual([{ accepted: true, epoch: 2 }]);
    // The loser is told the epoch to retry on.
    expect(answers.filter((a) => !a.accepted)).toEqual([{ accepted: false, epoch: 2 }]);
    const [winner, loser] = answers[0]!.accepted ? ['ada', bob] : ['bob', ada];
    const winnerId = winner === 'ada' ? idOf(ada) : idOf(bob);
    const expected = { from: winnerId, epoch: 1, commit: commitOf(winner, 1) };
    await waitFor('the winning commit to reach Cat', () => seen(cat, 'mlsCommit').length === 2);
    await waitFor('the winning commit to reach the loser', () =>
      seen(loser, 'mlsCommit').some((c) => JSON.stringify(c) === JSON.stringify(expected)),
    );
    await sleep(300);
    expect(seen(cat, 'mlsCommit')[1]).toEqual(expected);
    // Only the winner's commit went out: Cat got two commits in all, the winner none of its own.
    expect(seen(cat, 'mlsCommit')).toHaveLength(2);
    const winnerSocket = winner === 'ada' ? ada : bob;
    expect(
      seen(winnerSocket, 'mlsCommit').filter((c) => JSON.stringify(c) === JSON.stringify(expected)),
    ).toEqual([]);
  });

  it('refuses a duplicated commit as stale, and of commits reordered by epoch takes the current one only', async () => {
    const [ada, bob] = (await roomWithGroup('ada', 'bob')) as [Member, Member];
    const first = { epoch: 0, commit: commitOf('ada', 0), welcome: welcomeOf('ada'), added: [idOf(bob)] };
    expect(okData(await commit(ada, first))).toEqual({ accepted: true, epoch: 1 });
    // The same bytes again (a retry after a lost answer): stale, and nothing goes out.
    expect(okData(await commit(ada, first))).toEqual({ accepted: false, epoch: 1 });
    // Ada's commits for epochs 3, 2, 1 arrive in that order: only epoch 1's is current.
    expect(okData(await commit(ada, { epoch: 3, commit: commitOf('ada', 3) }))).toEqual({
      accepted: false,
      epoch: 1,
    });
    expect(okData(await commit(ada, { epoch: 2, commit: commitOf('ada', 2) }))).toEqual({
      accepted: false,
      epoch: 1,
    });
    expect(okData(await commit(ada, { epoch: 1, commit: commitOf('ada', 1) }))).toEqual({
      accepted: true,
      epoch: 2,
    });
    // Retried in order now, each on the epoch it was told: accepted one after the other.
    expect(okData(await commit(ada, { epoch: 2, commit: commitOf('ada', 2) }))).toEqual({
      accepted: true,
      epoch: 3,
    });
    await waitFor('Bob to get three commits', () => seen(bob, 'mlsCommit').length === 3);
    await sleep(300);
    // Bob got each accepted commit once, in epoch order, and neither the duplicate nor the stale ones.
    expect(seen(bob, 'mlsCommit')).toEqual(
      [0, 1, 2].map((e) => ({ from: idOf(ada), epoch: e, commit: commitOf('ada', e) })),
    );
    // The Welcome went once, with the epoch the group moved to.
    expect(seen(bob, 'mlsWelcome')).toEqual([{ from: idOf(ada), epoch: 1, welcome: welcomeOf('ada') }]);
  });

  it('delivers a Welcome to its addressee only: another member and a lobby guest get none', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const bob = await arrive(h, { room, name: 'Bob' });
    const cat = await arrive(h, { room, name: 'Cat' });
    const guest = await arrive(h, { room, name: 'Guest', lobby: true });
    expect(guest.answer.status).toBe('waiting');
    expect((await mlsJoin(host, 'host')).create).toBe(true);
    await mlsJoin(bob, 'bob');
    await mlsJoin(cat, 'cat');
    // The host names Bob, the lobby guest and a stranger: only Bob is admitted, only Bob gets it.
    const added = [bob.memberId, guest.memberId, 'stranger-0000000001'];
    expect(
      okData(
        await commit(host, { epoch: 0, commit: commitOf('host', 0), welcome: welcomeOf('host'), added }),
      ),
    ).toEqual({
      accepted: true,
      epoch: 1,
    });
    await waitFor("Bob's Welcome", () => seen(bob, 'mlsWelcome').length === 1);
    expect(seen(bob, 'mlsWelcome')).toEqual([{ from: host.memberId, epoch: 1, welcome: welcomeOf('host') }]);
    // Cat, in the room, gets the commit but not the Welcome; the guest gets neither.
    await waitFor('Cat to get the commit', () => seen(cat, 'mlsCommit').length === 1);
    await expectNoEvents([cat, host], ['mlsWelcome']);
    await expectNoEvents([guest], MLS_EVENTS, 0);
  });

  it('keeps the lobby out: a waiting guest can neither publish nor commit, and hears nothing', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const bob = await arrive(h, { room, name: 'Bob' });
    const guest = await arrive(h, { room, name: 'Guest', lobby: true });
    expect(guest.answer.status).toBe('waiting');
    expect(refusalOf(await request(guest.socket, 'mlsJoin', { keyPackage: keyPackage('guest') }))).toBe(
      'not-admitted',
    );
    expect(refusalOf(await commit(guest, { epoch: 0, commit: commitOf('guest', 0) }))).toBe('not-admitted');
    // The guest's refused package was stored nowhere: the host makes the group with nobody waiting.
    expect(await mlsJoin(host, 'host')).toEqual({ create: true, epoch: 0, keyPackages: [] });
    // Nor did the guest's refused commit move the epoch.
    await mlsJoin(bob, 'bob');
    okData(
      await commit(host, {
        epoch: 0,
        commit: commitOf('host', 0),
        welcome: welcomeOf('host'),
        added: [bob.memberId],
      }),
    );
    await waitFor("Bob's commit and Welcome", () => seen(bob, 'mlsWelcome').length === 1);
    expect(seen(host, 'mlsKeyPackage')).toHaveLength(1);
    await expectNoEvents([guest], MLS_EVENTS);
  });

  it('refuses a Welcome without its added members and added members without a Welcome, changing nothing', async () => {
    const [ada, bob] = (await roomWithGroup('ada', 'bob')) as [Member, Member];
    expect(
      refusalOf(await commit(ada, { epoch: 0, commit: commitOf('ada', 0), welcome: welcomeOf('ada') })),
    ).toBe('invalid-payload');
    expect(refusalOf(await commit(ada, { epoch: 0, commit: commitOf('ada', 0), added: [idOf(bob)] }))).toBe(
      'invalid-payload',
    );
    await expectNoEvents([bob], ['mlsCommit', 'mlsWelcome']);
    // Still at epoch 0.
    expect(okData(await commit(ada, { epoch: 0, commit: commitOf('ada', 0) }))).toEqual({
      accepted: true,
      epoch: 1,
    });
  });

  it('refuses a commit in a room without a group', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    expect(refusalOf(await commit(ada, { epoch: 0, commit: commitOf('ada', 0) }))).toBe('not-found');
  });

  it('resets the group when its last counted member leaves, and not while one is left', async () => {
    const [ada, bob, cat] = (await roomWithGroup('ada', 'bob', 'cat')) as [Member, Member, Member];
    // Ada adds Bob; Cat still waits.
    okData(
      await commit(ada, {
        epoch: 0,
        commit: commitOf('ada', 0),
        welcome: welcomeOf('ada'),
        added: [idOf(bob)],
      }),
    );
    okData(await request(ada.socket, 'leave', {}));
    await waitFor("Ada's departure", () => seen(bob, 'memberLeft').length === 1);
    // Bob is still in the group: no reset, and Bob goes on at epoch 1.
    await expectNoEvents([bob, cat], ['mlsReset']);
    expect(okData(await commit(bob, { epoch: 1, commit: commitOf('bob', 1) }))).toEqual({
      accepted: true,
      epoch: 2,
    });
    // Bob leaves (his connection closes): nobody the DS counts is left; Cat is told to join again.
    bob.socket.close();
    await waitFor('Cat to be told to join again', () => seen(cat, 'mlsReset').length === 1, 15_000);
    expect(seen(cat, 'mlsReset')).toEqual([{}]);
    expect(await mlsJoin(cat, 'cat-again')).toEqual({ create: true, epoch: 0, keyPackages: [] });
  }, 30_000);

  it('resets the group when its only member is sent back to the lobby', async () => {
    const room = await organiserMeeting(h);
    const host = await arrive(h, { room, name: 'Host', role: 'host' });
    const bob = await arrive(h, { room, name: 'Bob' });
    // Bob made the group; the host's package waits for him.
    expect((await mlsJoin(bob, 'bob')).create).toBe(true);
    expect((await mlsJoin(host, 'host')).create).toBe(false);
    okData(await request(host.socket, 'sendToLobby', { memberIds: [bob.memberId] }));
    await waitFor('the host to be told to join again', () => seen(host, 'mlsReset').length === 1);
    expect(await mlsJoin(host, 'host-again')).toEqual({ create: true, epoch: 0, keyPackages: [] });
  });

  it('forgets the group once the room is empty: the next arrival makes a new one', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    expect((await mlsJoin(ada, 'ada')).create).toBe(true);
    okData(await commit(ada, { epoch: 0, commit: commitOf('ada', 0) }));
    okData(await request(ada.socket, 'leave', {}));
    const bob = await h.joinMember(meetingId, 'Bob');
    expect(await mlsJoin(bob, 'bob')).toEqual({ create: true, epoch: 0, keyPackages: [] });
    await expectNoEvents([bob], ['mlsReset']);
  });

  it('limits how often a member publishes a key package', async () => {
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    await sleep(1_100);
    const acks = await Promise.all(
      Array.from({ length: MLS_KEY_PACKAGES_PER_SECOND + 3 }, (_, i) =>
        request(ada.socket, 'mlsJoin', { keyPackage: keyPackage(`ada${i}`) }),
      ),
    );
    const limited = acks.filter((a) => refusalOf(a) === 'rate-limited').length;
    expect(acks.filter((a) => a.ok).length).toBeGreaterThanOrEqual(1);
    expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(2 * MLS_KEY_PACKAGES_PER_SECOND);
    expect(limited).toBeGreaterThan(0);
  });

  it('accepts a 100 KiB commit but refuses any other event over 64 KiB with too-large, changing nothing', async () => {
    const [ada, bob] = (await roomWithGroup('ada', 'bob')) as [Member, Member];
    const big = 'B'.repeat(100 * 1024);
    expect(big.length).toBeGreaterThan(LIMITS.maxMessageBytes);
    expect(okData(await commit(ada, { epoch: 0, commit: big, welcome: big, added: [idOf(bob)] }))).toEqual({
      accepted: true,
      epoch: 1,
    });
    await waitFor('Bob to get the large commit and Welcome', () => seen(bob, 'mlsWelcome').length === 1);
    expect(seen(bob, 'mlsCommit')).toEqual([{ from: idOf(ada), epoch: 0, commit: big }]);

    // A chat message and a batch of key envelopes of the same size: refused before validation.
    expect(refusalOf(await rawRequest(ada.socket, 'sendChat', [{ ciphertext: big }]))).toBe('too-large');
    expect(
      refusalOf(
        await rawRequest(ada.socket, 'relayKeys', [{ envelopes: [{ to: idOf(bob), envelope: big }] }]),
      ),
    ).toBe('too-large');
    // Negative control: the same requests at a small size are served (so the refusal was the size).
    const small = 'S'.repeat(64);
    okData(await request(ada.socket, 'sendChat', { ciphertext: small }));
    expect(
      okData(await request(ada.socket, 'relayKeys', { envelopes: [{ to: idOf(bob), envelope: small }] })),
    ).toEqual({
      undelivered: [],
    });
    await waitFor(
      'the small chat message and envelope',
      () => seen(bob, 'chatMessage').length === 1 && seen(bob, 'keyEnvelope').length === 1,
    );
    await sleep(300);
    // Only the small ones reached Bob; Ada is still connected.
    expect(seen(bob, 'chatMessage')).toHaveLength(1);
    expect(seen(bob, 'keyEnvelope')).toEqual([{ from: idOf(ada), envelope: small }]);
    expect(ada.socket.connected).toBe(true);
  });
});
