import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret, TEST_COST, verifySecret } from '../../src/crypto/secretHash.ts';
import { SqliteInviteStore } from '../../src/invites/SqliteInviteStore.ts';
import {
  InMemoryMeetingStore,
  MEETING_LIFETIME_MS,
  type MeetingStore,
} from '../../src/meetings/MeetingStore.ts';
import { MEETING_MIGRATIONS, SqliteMeetingStore } from '../../src/meetings/SqliteMeetingStore.ts';
import { INVITE_MIGRATIONS } from '../../src/invites/SqliteInviteStore.ts';
import { Database } from '../../src/storage/Database.ts';
import { ALICE, BOB, manualClock } from './support.ts';

const opened: Database[] = [];
const dirs: string[] = [];

function open(path = ':memory:'): Database {
  const database = new Database(path);
  opened.push(database);
  return database;
}

afterEach(() => {
  for (const database of opened.splice(0)) {
    database.close();
  }
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

const consultation = { title: 'RDV', kind: 'consultation' as const, startsAt: 5_000, allowEarlyEntry: false };

describe.each([
  ['InMemoryMeetingStore', (now: () => number): MeetingStore => new InMemoryMeetingStore({ now })],
  [
    'SqliteMeetingStore',
    (now: () => number): MeetingStore => new SqliteMeetingStore({ database: open(), now }),
  ],
])('%s', (_name, makeStore) => {
  it('keeps open meetings working: anonymous, kind meeting, early entry, forgotten after 24 h', async () => {
    const clock = manualClock();
    const store = makeStore(clock.now);
    const meeting = await store.create('Standup');
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
    expect(await store.get(meeting.id)).toEqual(meeting);
    const untitled = await store.create(undefined);
    expect((await store.get(untitled.id))!.title).toBeUndefined();

    clock.advance(MEETING_LIFETIME_MS);
    expect(await store.get(meeting.id)).toEqual(meeting);
    clock.advance(1);
    expect(await store.get(meeting.id)).toBeUndefined();
    expect(await store.get('AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('keeps organiser meetings past 24 h, and hides them once cancelled', async () => {
    const clock = manualClock();
    const store = makeStore(clock.now);
    const meeting = await store.createForOrganiser(ALICE, consultation);
    expect(meeting).toMatchObject({ ...consultation, ownerId: ALICE, status: 'scheduled' });
    clock.advance(MEETING_LIFETIME_MS * 30);
    // Creating an open meeting prunes the old open ones, never organiser meetings.
    await store.create(undefined);
    expect(await store.get(meeting.id)).toEqual(meeting);
    expect(await store.cancel(ALICE, meeting.id)).toMatchObject({ status: 'cancelled' });
    expect(await store.get(meeting.id)).toBeUndefined();
    expect(await store.getOwned(ALICE, meeting.id)).toMatchObject({ status: 'cancelled' });
  });

  it('scopes every organiser operation to the owner', async () => {
    const store = makeStore(manualClock().now);
    const meeting = await store.createForOrganiser(ALICE, consultation);
    await store.create('open');
    expect(await store.getOwned(BOB, meeting.id)).toBeUndefined();
    expect(await store.update(BOB, meeting.id, { title: 'Mine now' })).toBeUndefined();
    expect(await store.cancel(BOB, meeting.id)).toBeUndefined();
    expect(await store.listByOwner(BOB)).toEqual([]);
    expect(await store.listByOwner(ALICE)).toEqual([meeting]);
    expect(await store.getOwned(ALICE, meeting.id)).toEqual(meeting);
  });

  it('updates only the given fields, and never a cancelled meeting', async () => {
    const store = makeStore(manualClock().now);
    const meeting = await store.createForOrganiser(ALICE, consultation);
    const updated = await store.update(ALICE, meeting.id, { allowEarlyEntry: true, kind: 'meeting' });
    expect(updated).toEqual({ ...meeting, allowEarlyEntry: true, kind: 'meeting' });
    await store.cancel(ALICE, meeting.id);
    expect(await store.update(ALICE, meeting.id, { title: 'Again' })).toBeUndefined();
    expect((await store.getOwned(ALICE, meeting.id))!.title).toBe('RDV');
  });
});

describe('SqliteInviteStore', () => {
  it('needs the meetings table of the same database', () => {
    expect(() => new SqliteInviteStore({ database: open() })).toThrow(/SqliteMeetingStore/);
  });

  it('is usable only while not revoked, not expired, not used up, and its meeting not cancelled', async () => {
    const clock = manualClock();
    const database = open();
    const meetings = new SqliteMeetingStore({ database, now: clock.now });
    const invites = new SqliteInviteStore({ database, now: clock.now });
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const base = {
      meetingId: meeting.id,
      label: null,
      role: 'participant' as const,
      passcodeHash: null,
      requireAdmission: false,
      singleUse: false,
      expiresAt: null,
    };
    const revoked = await invites.create(base);
    const expiring = await invites.create({ ...base, expiresAt: clock.now() + 10 });
    const single = await invites.create({ ...base, singleUse: true });
    const shared = await invites.create(base);
    expect(new Set([revoked.id, expiring.id, single.id, shared.id]).size).toBe(4);

    await invites.revoke(meeting.id, revoked.id);
    expect(await invites.isUsable(revoked.id)).toBe(false);
    expect(await invites.redeem(revoked.id)).toBeUndefined();

    expect(await invites.isUsable(expiring.id)).toBe(true);
    clock.advance(10);
    expect(await invites.isUsable(expiring.id)).toBe(false);
    expect(await invites.isRevoked(expiring.id)).toBe(false);

    expect(await invites.redeem(single.id)).toMatchObject({ uses: 1 });
    expect(await invites.isUsable(single.id)).toBe(false);
    expect(await invites.redeem(single.id)).toBeUndefined();

    expect(await invites.redeem(shared.id)).toMatchObject({ uses: 1 });
    expect(await invites.redeem(shared.id)).toMatchObject({ uses: 2 });
    await meetings.cancel(ALICE, meeting.id);
    expect(await invites.isUsable(shared.id)).toBe(false);
    expect(await invites.redeem(shared.id)).toBeUndefined();
    expect(await invites.isUsable('AAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
    expect(await invites.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);

    expect((await invites.listByMeeting(meeting.id)).map((i) => i.id)).toEqual([
      revoked.id,
      expiring.id,
      single.id,
      shared.id,
    ]);
  });

  it('refuses an invite for a meeting that does not exist (foreign key)', async () => {
    const database = open();
    new SqliteMeetingStore({ database });
    const invites = new SqliteInviteStore({ database });
    await expect(
      invites.create({
        meetingId: 'AAAAAAAAAAAAAAAAAAAAAA',
        label: null,
        role: 'participant',
        passcodeHash: null,
        requireAdmission: false,
        singleUse: false,
        expiresAt: null,
      }),
    ).rejects.toThrow(/FOREIGN KEY/);
  });
});

describe('migrations', () => {
  it('are applied once: a reopened file database keeps its data and its schema versions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'organiser-db-'));
    dirs.push(dir);
    const path = join(dir, 'signaling.sqlite');

    const first = open(path);
    const meetings = new SqliteMeetingStore({ database: first });
    const invites = new SqliteInviteStore({ database: first });
    const meeting = await meetings.createForOrganiser(ALICE, consultation);
    const passcodeHash = await hashSecret('12345678', TEST_COST);
    const invite = await invites.create({
      meetingId: meeting.id,
      label: 'Jeanne',
      role: 'observer',
      passcodeHash,
      requireAdmission: true,
      singleUse: true,
      expiresAt: null,
    });
    first.close();

    for (let round = 0; round < 2; round++) {
      const again = open(path);
      const reopenedMeetings = new SqliteMeetingStore({ database: again });
      const reopenedInvites = new SqliteInviteStore({ database: again });
      // Twice on the same connection too.
      new SqliteMeetingStore({ database: again });
      new SqliteInviteStore({ database: again });
      expect(await reopenedMeetings.getOwned(ALICE, meeting.id)).toEqual(meeting);
      const stored = await reopenedInvites.get(invite.id);
      expect(stored).toEqual(invite);
      expect(await verifySecret('12345678', stored!.passcodeHash!)).toBe(true);
      const versions = again.sqlite
        .prepare('SELECT feature, version FROM schema_migrations ORDER BY feature, version')
        .all();
      expect(versions).toEqual([
        ...INVITE_MIGRATIONS.map((_, i) => ({ feature: 'invites', version: i + 1 })),
        ...MEETING_MIGRATIONS.map((_, i) => ({ feature: 'meetings', version: i + 1 })),
      ]);
      again.close();
    }
  });

  it('makes STRICT tables that refuse a wrongly typed value', () => {
    const database = open();
    new SqliteMeetingStore({ database });
    expect(() =>
      database.sqlite
        .prepare(
          `INSERT INTO meetings (id, title, created_at, owner_id, kind, starts_at, status, allow_early_entry)
           VALUES ('x', 't', 'yesterday', NULL, 'meeting', 0, 'scheduled', 1)`,
        )
        .run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
  });
});
