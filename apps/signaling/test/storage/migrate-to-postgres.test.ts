import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.ts';
import { createStores, type Stores } from '../../src/storage/createStores.ts';
import { Database } from '../../src/storage/Database.ts';
import { MIGRATED_TABLES } from '../../src/storage/migrateToPostgres.ts';
import { PostgresDatabase } from '../../src/storage/PostgresDatabase.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgresServer.ts';
import { newAccount } from './contract/accounts.ts';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function admin(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString('utf8'));
        callback();
      },
    });
  const code = await runAdmin(args, {
    env,
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
  });
  return { code, stdout, stderr };
}

interface Filled {
  accountId: string;
  meetingId: string;
  openMeetingId: string;
}

/** A row in every table, through the stores. */
async function fill(stores: Stores): Promise<Filled> {
  const ada = await stores.accounts.createAccount(newAccount('ada@example.org', { usedTotpStep: 7 }));
  await stores.accounts.useRecoveryCode(ada.id, 'h1', 3);
  await stores.accounts.recordLoginFailure('eve@example.org', 5, { maxFailures: 9, lockoutMs: 10 });
  const future = Date.now() + 3_600_000;
  await stores.accounts.createChallenge({
    challengeHash: 'c1',
    accountId: ada.id,
    expiresAt: future,
    failures: 1,
  });
  const session = {
    sessionHash: 's1',
    accountId: ada.id,
    csrfToken: 'csrf',
    createdAt: 1,
    expiresAt: future,
    idleExpiresAt: future - 1,
  };
  await stores.accounts.createSession(session);
  await stores.accounts.createInvitation({
    tokenHash: 'i1',
    email: 'bob@example.org',
    displayName: 'Bob',
    role: 'organiser',
    invitedBy: ada.id,
    totpSecret: 'JBSWY3DPEHPK3PXP',
    createdAt: 1,
    expiresAt: future,
    usedAt: undefined,
  });
  const meeting = await stores.meetings.createForOrganiser(ada.id, {
    title: 'Conseil',
    kind: 'committee',
    startsAt: future,
    allowEarlyEntry: true,
  });
  const open = await stores.meetings.create(undefined);
  const base = {
    meetingId: meeting.id,
    label: null,
    role: 'participant' as const,
    passcodeHash: null,
    requireAdmission: true,
    singleUse: false,
    expiresAt: null,
  };
  // Same creation instant: the order of creation must survive the move.
  const invites = [
    await stores.invites.create({ ...base, label: 'Jeanne', singleUse: true }),
    await stores.invites.create(base),
    await stores.invites.create({ ...base, role: 'observer', requireAdmission: false }),
  ];
  await stores.invites.redeem(invites[0]!.id);
  await stores.invites.revoke(meeting.id, invites[1]!.id);
  const items = await stores.agenda.replace(meeting.id, [
    { title: 'Ouverture', presenter: 'Présidente', plannedMinutes: 5, notes: '' },
    { title: 'Budget', presenter: null, plannedMinutes: 20, notes: 'n' },
  ]);
  await stores.minutes.save({
    meetingId: meeting.id,
    itemId: items[0]!.itemId,
    revision: 1,
    sealed: 'sealed',
    sha256: 'a'.repeat(64),
    savedAt: 9,
  });
  await stores.recordings.insert({ id: 'rec-1', meetingId: meeting.id, startedAt: 4, writerSha256: 'w' });
  await stores.recordings.addChunk('rec-1', { index: 0, size: 3, sha256: 'b'.repeat(64) }, 5);
  await stores.recordings.finish('rec-1', 6);

  return { accountId: ada.id, meetingId: meeting.id, openMeetingId: open.id };
}

/** Everything the stores give back of what fill() wrote. */
async function snapshot(on: Stores, filled: Filled): Promise<unknown> {
  return {
    accounts: await on.accounts.listAccounts(),
    codesLeft: await on.accounts.countRecoveryCodesLeft(filled.accountId),
    totpReplay: await on.accounts.useTotpStep(filled.accountId, 7),
    failureLock: await on.accounts.lockedUntil('eve@example.org', 6),
    challenge: await on.accounts.findChallenge('c1'),
    session: await on.accounts.findSession('s1'),
    invitation: await on.accounts.findInvitation('i1'),
    meetings: await on.meetings.listByOwner(filled.accountId),
    open: await on.meetings.get(filled.openMeetingId),
    invites: await on.invites.listByMeeting(filled.meetingId),
    agenda: await on.agenda.get(filled.meetingId),
    minutes: await on.minutes.latest(filled.meetingId),
    recordings: await on.recordings.listByMeeting(filled.meetingId),
    chunks: await on.recordings.chunks('rec-1'),
  };
}

describe('migrate-to-postgres (admin CLI)', () => {
  let server: PostgresServer;
  let dir: string;

  beforeAll(async () => {
    server = await startPostgresServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function sqliteFile(): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'migrate-'));
    return join(dir, 'confidentiel.sqlite');
  }

  it('copies every table into an empty PostgreSQL database, and the stores there read the same', async () => {
    const path = await sqliteFile();
    const url = await server.createDatabase();
    const sqlite = await createStores({ databasePath: path });
    const filled = await fill(sqlite);
    const before = await snapshot(sqlite, filled);
    await sqlite.close();

    const migrated = await admin(['migrate-to-postgres', '--database-url', url], { DATABASE_PATH: path });
    expect(migrated.stderr).toContain('now set DATABASE_URL');
    expect(migrated.code).toBe(0);
    const report = JSON.parse(migrated.stdout) as { copied: Record<string, number> };
    expect(Object.keys(report.copied)).toEqual(MIGRATED_TABLES);
    for (const table of MIGRATED_TABLES) {
      expect(report.copied[table], table).toBeGreaterThan(0);
    }

    const pg = await createStores({ DATABASE_URL: url, databasePath: '' });
    try {
      expect(await snapshot(pg, filled)).toEqual(before);
      // The copy goes on where SQLite stopped: new rows come after the copied ones.
      const added = await pg.invites.create({
        meetingId: filled.meetingId,
        label: null,
        role: 'participant',
        passcodeHash: null,
        requireAdmission: false,
        singleUse: false,
        expiresAt: null,
      });
      expect((await pg.invites.listByMeeting(filled.meetingId)).at(-1)!.id).toBe(added.id);
    } finally {
      await pg.close();
    }
  });

  it('refuses a PostgreSQL database that already holds data, and changes nothing there', async () => {
    const path = await sqliteFile();
    const url = await server.createDatabase();
    const sqlite = await createStores({ databasePath: path });
    await sqlite.accounts.createAccount(newAccount('ada@example.org'));
    await sqlite.close();
    const pg = await createStores({ DATABASE_URL: url, databasePath: '' });
    const meeting = await pg.meetings.create('already here');
    await pg.close();

    const refused = await admin(['migrate-to-postgres'], { DATABASE_PATH: path, DATABASE_URL: url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds data \(table meetings\)/);
    const after = await createStores({ DATABASE_URL: url, databasePath: '' });
    try {
      expect(await after.accounts.listAccounts()).toEqual([]);
      expect(await after.meetings.get(meeting.id)).toEqual(meeting);
    } finally {
      await after.close();
    }
  });

  it('refuses without a target, with a missing SQLite file, and with a bad URL (exit code 2)', async () => {
    const path = await sqliteFile();
    expect((await admin(['migrate-to-postgres'], { DATABASE_PATH: path })).code).toBe(2);
    const missing = await admin(['migrate-to-postgres', '--database-url', 'postgres://127.0.0.1/x'], {
      DATABASE_PATH: path,
    });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no SQLite file') });
    const bad = await admin(['migrate-to-postgres', '--database-url', 'mysql://u:s3cret@h/x'], {
      DATABASE_PATH: path,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('s3cret');
    expect((await admin(['list-accounts', '--database-url', 'postgres://h/x'], {})).code).toBe(2);
  });

  it('runs the account commands on PostgreSQL when DATABASE_URL is set', async () => {
    await sqliteFile();
    const url = await server.createDatabase();
    const env = { DATABASE_URL: url, DATABASE_PATH: join(dir, 'unused.sqlite') };
    const created = await admin(
      ['create-account', '--email', 'Ada@Example.org', '--name', 'Ada', '--role', 'admin'],
      env,
      'correct horse battery staple\n',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const listed = await admin(['list-accounts'], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ email: 'ada@example.org', role: 'admin' }),
    ]);
    expect((await admin(['disable-account', '--email', 'ada@example.org'], env)).code).toBe(0);
    const stores = await createStores({ DATABASE_URL: url, databasePath: '' });
    try {
      expect((await stores.accounts.findAccountByEmail('ada@example.org'))?.disabledAt).toEqual(
        expect.any(Number),
      );
    } finally {
      await stores.close();
    }
  });

  it('names every table of both engines in MIGRATED_TABLES', async () => {
    const path = await sqliteFile();
    const url = await server.createDatabase();
    await (await createStores({ databasePath: path })).close();
    await (await createStores({ DATABASE_URL: url, databasePath: '' })).close();
    const sqlite = new Database(path);
    const pg = new PostgresDatabase({ url });
    try {
      const sqliteTables = (
        sqlite.sqlite
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
          .all() as Array<{ name: string }>
      ).map((row) => row.name);
      const { rows } = await pg.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      const expected = [...MIGRATED_TABLES, 'schema_migrations'].sort();
      expect(sqliteTables.sort()).toEqual(expected);
      expect(rows.map((row) => row.name).sort()).toEqual(expected);
    } finally {
      sqlite.close();
      await pg.close();
    }
  });
});
