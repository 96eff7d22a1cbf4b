import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStores } from '../../src/storage/createStores.ts';
import { PostgresDatabase } from '../../src/storage/PostgresDatabase.ts';
import { postgresEngine } from '../support/storeEngines.ts';
import { storeContract } from './storeContract.ts';

/** One server for the file: the contract's tests and these. */
const engine = postgresEngine();

afterAll(async () => {
  await engine.stop();
});

storeContract('PostgreSQL', engine);

describe('PostgreSQL migrations', () => {
  afterEach(async () => {
    await engine.cleanup();
  });

  it('migrates once when several nodes start together on an empty database', async () => {
    const database = await engine.newDatabase();
    const nodes = await Promise.all(Array.from({ length: 4 }, () => database.open()));
    expect(nodes.map((stores) => stores.engine)).toEqual(Array(4).fill('postgresql'));
    const db = new PostgresDatabase({ url: database.settings.DATABASE_URL! });
    try {
      const { rows } = await db.query<{ feature: string; version: number; n: number }>(
        `SELECT feature, version, COUNT(*) AS n FROM schema_migrations
         GROUP BY feature, version ORDER BY feature, version`,
      );
      // Each migration once; meetings has two (its status follows the room).
      expect(rows).toEqual(
        [
          ['accounts', 1],
          ['agenda', 1],
          ['invites', 1],
          ['meetings', 1],
          ['meetings', 2],
          ['minutes', 1],
          ['recordings', 1],
        ].map(([feature, version]) => ({ feature, version, n: 1 })),
      );
    } finally {
      await db.close();
    }
  });

  it('refuses a database whose schema is newer than this program, and closes its pool', async () => {
    const database = await engine.newDatabase();
    await (await database.open()).close();
    const db = new PostgresDatabase({ url: database.settings.DATABASE_URL! });
    try {
      await db.query("INSERT INTO schema_migrations (feature, version, applied_at) VALUES ('minutes', 2, 0)");
    } finally {
      await db.close();
    }
    await expect(
      createStores({ DATABASE_URL: database.settings.DATABASE_URL!, databasePath: '' }),
    ).rejects.toThrow(/minutes schema version 2, newer than this program \(1\)/);
  });
});
