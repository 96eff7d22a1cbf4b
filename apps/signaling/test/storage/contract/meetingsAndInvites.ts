import { expect, it } from 'vitest';
import type { NewInvite } from '../../../src/invites/InviteStore.ts';
import { MEETING_LIFETIME_MS } from '../../../src/meetings/MeetingStore.ts';
import type { Stores } from '../../../src/storage/createStores.ts';
import type { StoreEngine } from '../../support/storeEngines.ts';

const ALICE = 'account-alice-0001';
const BOB = 'account-bob-000002';
const UNKNOWN = 'AAAAAAAAAAAAAAAAAAAAAA';

const consultation = { title: 'RDV', kind: 'consultation' as const, startsAt: 5_000, allowEarlyEntry: false };

export interface Clock {
  now: () => number;
  advance: (ms: number) => void;
}

/** A clock tests move by hand, starting at a fixed date. */
export function manualClock(start = Date.UTC(2030, 0, 15, 9, 0, 0)): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

function inviteFor(meetingId: string, overrides: Partial<NewInvite> = {}): NewInvite {
  return {
    meetingId,
    label: null,
    role: 'participant',
    passcodeHash: null,
    requireAdmission: false,
    singleUse: false,
    expiresAt: null,
    ...overrides,
  };
}

/** The MeetingStore and InviteStore part of the store contract. */
export function meetingAndInviteContract(engine: StoreEngine): void {
  const open = async (clock: Clock): Promise<Stores> => (await engine.newDatabase()).open({ now: clock.now });

  it('keeps open meetings working: anonymous, kind meeting, early entry, forgotten after 24 h', async () => {
    const clock = manualClock();
    const { meetings } = await open(clock);
    const meeting = await meetings.create('Standup');
    expect(meeting.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(meeting).toMatchObject({
      title: 'Standup',
      ownerId: null,
      kind: 'meeting',
      status: 'scheduled',
      allowEarlyEntry: true,
      createdAt: clock.now(),
      startsAt: clock.now(),
    });
    expect(await meetings.get(meeting.id)).toEqual(meeting);
    const untitled = await meetings.create(undefined);
    expect((await meetings.get(untitled.id))!.title).toBeUndefined();

    clock.advance(MEETING_LIFETIME_MS);
    expect(await meetings.get(meeting.id)).toEqual(meeting);
    clock.advance(1);
    expect(await meetings.get(meeting.id)).toBeUndefined();
    expect(await meetings.get(UNKNOWN)).toBeUndefined();
  });

  it('keeps organiser meetings past 24 h, and hides them once cancelled', async () => {
    const clock = manualClock();
    const { meetings } = await open(clock);
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    expect(meeting).toMatchObject({ ...consultation, ownerId: ALICE, status: 'scheduled' });
    clock.advance(MEETING_LIFETIME_MS * 30);
    // Creating an open meeting prunes the old open ones, never organiser meetings.
    await meetings.create(undefined);
    expect(await meetings.get(meeting.id)).toEqual(meeting);
    const cancelled = await meetings.cancel(ALICE, meeting.id);
    expect(cancelled).toEqual({ ...meeting, status: 'cancelled' });
    // Idempotent.
    expect(await meetings.cancel(ALICE, meeting.id)).toEqual(cancelled);
    expect(await meetings.get(meeting.id)).toBeUndefined();
    expect(await meetings.getOwned(ALICE, meeting.id)).toEqual(cancelled);
  });

  it("makes another organiser's meeting look exactly like an unknown one", async () => {
    const { meetings } = await open(manualClock());
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    await meetings.create('open');
    for (const id of [meeting.id, UNKNOWN]) {
      expect(await meetings.getOwned(BOB, id)).toBeUndefined();
      expect(await meetings.update(BOB, id, { title: 'Mine now' })).toBeUndefined();
      expect(await meetings.cancel(BOB, id)).toBeUndefined();
    }
    expect(await meetings.listByOwner(BOB)).toEqual([]);
    expect(await meetings.listByOwner(ALICE)).toEqual([meeting]);
    expect(await meetings.getOwned(ALICE, meeting.id)).toEqual(meeting);
  });

  it('updates only the given fields, and never a cancelled meeting', async () => {
    const { meetings } = await open(manualClock());
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const updated = await meetings.update(ALICE, meeting.id, { allowEarlyEntry: true, kind: 'meeting' });
    expect(updated).toEqual({ ...meeting, allowEarlyEntry: true, kind: 'meeting' });
    expect(await meetings.update(ALICE, meeting.id, { title: 'T2', startsAt: 9_000 })).toEqual({
      ...meeting,
      allowEarlyEntry: true,
      kind: 'meeting',
      title: 'T2',
      startsAt: 9_000,
    });
    await meetings.cancel(ALICE, meeting.id);
    expect(await meetings.update(ALICE, meeting.id, { title: 'Again' })).toBeUndefined();
    expect((await meetings.getOwned(ALICE, meeting.id))!.title).toBe('T2');
  });

  it('lists the owner’s meetings by start time, ties in creation order', async () => {
    const { meetings } = await open(manualClock());
    const later = await meetings.createForOrganiser(ALICE, { ...consultation, startsAt: 9_000 });
    const first = await meetings.createForOrganiser(ALICE, { ...consultation, title: 'A' });
    const second = await meetings.createForOrganiser(ALICE, { ...consultation, title: 'B' });
    const third = await meetings.createForOrganiser(ALICE, { ...consultation, title: 'C' });
    await meetings.cancel(ALICE, second.id);
    expect((await meetings.listByOwner(ALICE)).map((m) => m.id)).toEqual([
      first.id,
      second.id,
      third.id,
      later.id,
    ]);
  });

  it('is usable only while not revoked, not expired, not used up, and its meeting not cancelled', async () => {
    const clock = manualClock();
    const { meetings, invites } = await open(clock);
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const revoked = await invites.create(inviteFor(meeting.id));
    const expiring = await invites.create(inviteFor(meeting.id, { expiresAt: clock.now() + 10 }));
    const single = await invites.create(inviteFor(meeting.id, { singleUse: true }));
    const shared = await invites.create(inviteFor(meeting.id));
    expect(new Set([revoked.id, expiring.id, single.id, shared.id]).size).toBe(4);
    expect(revoked.id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    await invites.revoke(meeting.id, revoked.id);
    expect(await invites.isUsable(revoked.id)).toBe(false);
    expect(await invites.redeem(revoked.id)).toBeUndefined();
    expect(await invites.isRevoked(revoked.id)).toBe(true);

    expect(await invites.isUsable(expiring.id)).toBe(true);
    clock.advance(10);
    expect(await invites.isUsable(expiring.id)).toBe(false);
    expect(await invites.getUsable(expiring.id)).toBeUndefined();
    expect(await invites.isRevoked(expiring.id)).toBe(false);

    expect(await invites.redeem(single.id)).toMatchObject({ uses: 1 });
    expect(await invites.isUsable(single.id)).toBe(false);
    expect(await invites.redeem(single.id)).toBeUndefined();
    // Used up is not revoked: its holder stays in.
    expect(await invites.isRevoked(single.id)).toBe(false);

    expect(await invites.redeem(shared.id)).toMatchObject({ uses: 1 });
    expect(await invites.redeem(shared.id)).toMatchObject({ uses: 2 });
    expect(await invites.getUsable(shared.id)).toEqual({ ...shared, uses: 2 });
    await meetings.cancel(ALICE, meeting.id);
    expect(await invites.isUsable(shared.id)).toBe(false);
    expect(await invites.redeem(shared.id)).toBeUndefined();
    expect(await invites.isUsable(UNKNOWN)).toBe(false);
    expect(await invites.isRevoked(UNKNOWN)).toBe(true);

    expect((await invites.listByMeeting(meeting.id)).map((i) => i.id)).toEqual([
      revoked.id,
      expiring.id,
      single.id,
      shared.id,
    ]);
  });

  it('keeps every field of an invite as given', async () => {
    const clock = manualClock();
    const { meetings, invites } = await open(clock);
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const invite = await invites.create(
      inviteFor(meeting.id, {
        label: 'Jeanne',
        role: 'observer',
        passcodeHash: 'scrypt$15$8$1$c2FsdA$aGFzaA',
        requireAdmission: true,
        singleUse: true,
        expiresAt: clock.now() + 60_000,
      }),
    );
    expect(invite).toMatchObject({ createdAt: clock.now(), revokedAt: null, uses: 0 });
    expect(await invites.get(invite.id)).toEqual(invite);
    expect(await invites.get(UNKNOWN)).toBeUndefined();
  });

  it('revokes idempotently (the first time stays), and only through the invite’s own meeting', async () => {
    const clock = manualClock();
    const { meetings, invites } = await open(clock);
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const other = await meetings.createForOrganiser(ALICE, consultation);
    const invite = await invites.create(inviteFor(meeting.id));
    expect(await invites.revoke(other.id, invite.id)).toBeUndefined();
    expect(await invites.isUsable(invite.id)).toBe(true);
    const first = clock.now();
    expect(await invites.revoke(meeting.id, invite.id)).toMatchObject({ revokedAt: first });
    clock.advance(1_000);
    expect(await invites.revoke(meeting.id, invite.id)).toMatchObject({ revokedAt: first });
    expect(await invites.revoke(meeting.id, UNKNOWN)).toBeUndefined();
  });

  it('refuses an invite for a meeting that does not exist (foreign key)', async () => {
    const { invites } = await open(manualClock());
    await expect(invites.create(inviteFor(UNKNOWN))).rejects.toThrow(/foreign key/i);
  });

  it('redeems a single-use invite once of 20 concurrent redemptions', async () => {
    const { meetings, invites } = await open(manualClock());
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const invite = await invites.create(inviteFor(meeting.id, { singleUse: true }));
    const results = await Promise.all(Array.from({ length: 20 }, () => invites.redeem(invite.id)));
    expect(results.filter((r) => r !== undefined)).toEqual([{ ...invite, uses: 1 }]);
    expect((await invites.get(invite.id))!.uses).toBe(1);
  });

  it('counts every one of 20 concurrent redemptions of a shared invite', async () => {
    const { meetings, invites } = await open(manualClock());
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const invite = await invites.create(inviteFor(meeting.id));
    const results = await Promise.all(Array.from({ length: 20 }, () => invites.redeem(invite.id)));
    expect(results.map((r) => r?.uses).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect((await invites.get(invite.id))!.uses).toBe(20);
  });
}
