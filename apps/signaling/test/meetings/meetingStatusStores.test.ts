/**
 * A meeting's status in both real databases: the transitions, a cancellation racing an opening
 * (two nodes on one database), and the migration of a database made before statuses followed
 * the room (its meetings and their invites kept).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { INVITE_MIGRATIONS } from '../../src/invites/SqliteInviteStore.ts';
import { POSTGRES_INVITE_MIGRATIONS } from '../../src/invites/PostgresInviteStore.ts';
import { MEETING_MIGRATIONS } from '../../src/meetings/SqliteMeetingStore.ts';
import { POSTGRES_MEETING_MIGRATIONS } from '../../src/meetings/PostgresMeetingStore.ts';
import type { Meeting } from '../../src/meetings/MeetingStore.ts';
import { createStores, type Stores } from '../../src/storage/createStores.ts';
import { Database } from '../../src/storage/Database.ts';
import { PostgresDatabase } from '../../src/storage/PostgresDatabase.ts';
import { postgresEngine, sqliteEngine, type StoreEngine } from '../support/storeEngines.ts';

const ALICE = 'account-alice-0001';
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const committee = {
  title: 'Commission des lois',
  kind: 'committee' as const,
  startsAt: T0,
  allowEarlyEntry: false,
};

const sqlite = sqliteEngine();
const postgres = postgresEngine();

afterAll(async () => {
  await Promise.all([sqlite.stop(), postgres.stop()]);
});

function transitionsOn(engine: StoreEngine): void {
  afterEach(async () => {
    await engine.cleanup();
  });

  const open = async (): Promise<Stores> => (await engine.newDatabase()).open({ now: () => T0 });

  it('moves scheduled → live → ended → live, keeping the latest session, and refuses what does not apply', async () => {
    const { meetings, invites } = await open();
    const meeting = await meetings.createForOrganiser(ALICE, committee);
    expect(meeting).toMatchObject({ status: 'scheduled', lastSession: null });
    const invite = await invites.create({
      meetingId: meeting.id,
      label: null,
      role: 'participant',
      passcodeHash: null,
      requireAdmission: false,
      singleUse: false,
      expiresAt: null,
    });

    expect(await meetings.transition(meeting.id, 'emptied', T0)).toEqual({
      kind: 'refused',
      reason: 'not-live',
    });
    const opened = await meetings.transition(meeting.id, 'opened', T0 + 1_000);
    expect(opened).toEqual({
      kind: 'changed',
      meeting: { ...meeting, status: 'live', lastSession: { startedAt: T0 + 1_000, endedAt: null } },
    });
    expect((await meetings.transition(meeting.id, 'opened', T0 + 2_000)).kind).toBe('unchanged');
    // Live, and still joinable: its invitations work.
    expect((await meetings.get(meeting.id))?.status).toBe('live');
    expect(await invites.isUsable(invite.id)).toBe(true);
    // Under way: not cancelled.
    expect(await meetings.cancel(ALICE, meeting.id)).toMatchObject({ status: 'live' });

    const ended = await meetings.transition(meeting.id, 'ended-by-host', T0 + 60_000);
    expect(ended).toMatchObject({
      kind: 'changed',
      meeting: { status: 'ended', lastSession: { startedAt: T0 + 1_000, endedAt: T0 + 60_000 } },
    });
    expect((await meetings.transition(meeting.id, 'emptied', T0 + 61_000)).kind).toBe('unchanged');
    expect(await meetings.getOwned(ALICE, meeting.id)).toMatchObject({
      status: 'ended',
      lastSession: { startedAt: T0 + 1_000, endedAt: T0 + 60_000 },
    });
    // Held: its record stays true.
    expect(await meetings.cancel(ALICE, meeting.id)).toMatchObject({ status: 'ended' });
    expect(await invites.isUsable(invite.id)).toBe(true);

    // Reopened: a new session.
    await meetings.transition(meeting.id, 'opened', T0 + 120_000);
    expect((await meetings.listByOwner(ALICE))[0]).toMatchObject({
      status: 'live',
      lastSession: { startedAt: T0 + 120_000, endedAt: null },
    });
  });

  it('cancels a meeting never held, for good: it never opens again', async () => {
    const { meetings } = await open();
    const meeting = await meetings.createForOrganiser(ALICE, committee);
    expect(await meetings.cancel(ALICE, meeting.id)).toEqual({ ...meeting, status: 'cancelled' });
    expect(await meetings.cancel(ALICE, meeting.id)).toEqual({ ...meeting, status: 'cancelled' });
    expect(await meetings.transition(meeting.id, 'opened', T0)).toEqual({
      kind: 'refused',
      reason: 'cancelled',
    });
    expect(await meetings.getOwned(ALICE, meeting.id)).toEqual({ ...meeting, status: 'cancelled' });
    expect(await meetings.get(meeting.id)).toBeUndefined();
  });

  it('changes nothing for an unknown meeting', async () => {
    const { meetings } = await open();
    const before = await meetings.createForOrganiser(ALICE, committee);
    expect(await meetings.transition('AAAAAAAAAAAAAAAAAAAAAA', 'opened', T0)).toEqual({
      kind: 'refused',
      reason: 'unknown',
    });
    expect(await meetings.listByOwner(ALICE)).toEqual([before]);
  });

  it('tracks open meetings too', async () => {
    const { meetings } = await open();
    const meeting = await meetings.create('Point rapide');
    expect((await meetings.transition(meeting.id, 'opened', T0)).kind).toBe('changed');
    expect(await meetings.get(meeting.id)).toMatchObject({ status: 'live' });
  });

  it('lets a cancellation racing an opening on two nodes end in one of the two outcomes, never both', async () => {
    const database = await engine.newDatabase();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    for (let round = 0; round < 8; round++) {
      const meeting = await a.meetings.createForOrganiser(ALICE, committee);
      const [cancelled, opened] = await Promise.all([
        a.meetings.cancel(ALICE, meeting.id),
        b.meetings.transition(meeting.id, 'opened', T0 + round),
      ]);
      const final = (await a.meetings.getOwned(ALICE, meeting.id))!;
      if (final.status === 'cancelled') {
        expect(opened).toEqual({ kind: 'refused', reason: 'cancelled' });
        expect(final.lastSession).toBeNull();
      } else {
        expect(final).toMatchObject({
          status: 'live',
          lastSession: { startedAt: T0 + round, endedAt: null },
        });
        expect(opened.kind).toBe('changed');
        expect(cancelled?.status).toBe('live');
      }
    }
  });

  it('applies concurrent openings from two nodes once', async () => {
    const database = await engine.newDatabase();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    const meeting = await a.meetings.createForOrganiser(ALICE, committee);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).meetings.transition(meeting.id, 'opened', T0 + i)),
    );
    expect(outcomes.filter((o) => o.kind === 'changed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'unchanged')).toHaveLength(9);
  });
}

describe('meeting status on SQLite', () => transitionsOn(sqlite));
describe('meeting status on PostgreSQL', () => transitionsOn(postgres));

describe('a database made before statuses followed the room', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Alice's two meetings of the old schema, one cancelled, each with an invitation. */
  function expectMigrated(meetings: Meeting[]): void {
    expect(meetings.map((m) => [m.title, m.status, m.lastSession])).toEqual([
      ['Held before', 'scheduled', null],
      ['Called off', 'cancelled', null],
    ]);
  }

  it('SQLite: keeps meetings and their invitations, then tracks the status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meeting-status-migration-'));
    dirs.push(dir);
    const path = join(dir, 'confidentiel.sqlite');
    const old = new Database(path);
    old.migrate('meetings', MEETING_MIGRATIONS.slice(0, 1));
    old.migrate('invites', INVITE_MIGRATIONS);
    old.sqlite.exec(`INSERT INTO meetings VALUES
      ('aaaaaaaaaaaaaaaaaaaaaa', 'Held before', 1, '${ALICE}', 'committee', 10, 'scheduled', 0),
      ('bbbbbbbbbbbbbbbbbbbbbb', 'Called off', 2, '${ALICE}', 'meeting', 20, 'cancelled', 0);
      INSERT INTO invites (id, meeting_id, role, require_admission, single_use, created_at) VALUES
      ('inviteaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaa', 'participant', 0, 0, 1),
      ('invitebbbbbbbbbbbbbbbbbb', 'bbbbbbbbbbbbbbbbbbbbbb', 'participant', 0, 0, 2);`);
    old.close();

    const stores = await createStores({ databasePath: path });
    try {
      expectMigrated(await stores.meetings.listByOwner(ALICE));
      expect(await stores.invites.listByMeeting('aaaaaaaaaaaaaaaaaaaaaa')).toHaveLength(1);
      expect(await stores.invites.listByMeeting('bbbbbbbbbbbbbbbbbbbbbb')).toHaveLength(1);
      expect((await stores.meetings.transition('aaaaaaaaaaaaaaaaaaaaaa', 'opened', T0)).kind).toBe('changed');
      expect(await stores.invites.isUsable('inviteaaaaaaaaaaaaaaaaaa')).toBe(true);
    } finally {
      await stores.close();
    }
  });

  it('PostgreSQL: the same', async () => {
    const url = (await postgres.newDatabase()).settings.DATABASE_URL!;
    const old = new PostgresDatabase({ url });
    try {
      await old.migrate('meetings', POSTGRES_MEETING_MIGRATIONS.slice(0, 1));
      await old.migrate('invites', POSTGRES_INVITE_MIGRATIONS);
      await old.query(`INSERT INTO meetings (id, title, created_at, owner_id, kind, starts_at, status, allow_early_entry) VALUES
        ('aaaaaaaaaaaaaaaaaaaaaa', 'Held before', 1, '${ALICE}', 'committee', 10, 'scheduled', false),
        ('bbbbbbbbbbbbbbbbbbbbbb', 'Called off', 2, '${ALICE}', 'meeting', 20, 'cancelled', false)`);
      await old.query(`INSERT INTO invites (id, meeting_id, role, require_admission, single_use, created_at) VALUES
        ('inviteaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaa', 'participant', false, false, 1),
        ('invitebbbbbbbbbbbbbbbbbb', 'bbbbbbbbbbbbbbbbbbbbbb', 'participant', false, false, 2)`);
    } finally {
      await old.close();
    }
    const stores = await createStores({ DATABASE_URL: url, databasePath: ':unused:' });
    try {
      expectMigrated(await stores.meetings.listByOwner(ALICE));
      expect(await stores.invites.listByMeeting('aaaaaaaaaaaaaaaaaaaaaa')).toHaveLength(1);
      expect((await stores.meetings.transition('aaaaaaaaaaaaaaaaaaaaaa', 'opened', T0)).kind).toBe('changed');
      expect(await stores.invites.isUsable('inviteaaaaaaaaaaaaaaaaaa')).toBe(true);
    } finally {
      await stores.close();
    }
  });
});
