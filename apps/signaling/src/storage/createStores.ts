import type { Logger } from 'pino';
import type { AccountStore } from '../accounts/AccountStore.ts';
import { PostgresAccountStore } from '../accounts/PostgresAccountStore.ts';
import { SqliteAccountStore } from '../accounts/SqliteAccountStore.ts';
import type { AgendaStore } from '../committee/AgendaStore.ts';
import type { MinutesStore } from '../committee/MinutesStore.ts';
import { PostgresAgendaStore } from '../committee/PostgresAgendaStore.ts';
import { PostgresMinutesStore } from '../committee/PostgresMinutesStore.ts';
import { SqliteAgendaStore } from '../committee/SqliteAgendaStore.ts';
import { SqliteMinutesStore } from '../committee/SqliteMinutesStore.ts';
import type { InviteStore } from '../invites/InviteStore.ts';
import { PostgresInviteStore } from '../invites/PostgresInviteStore.ts';
import { SqliteInviteStore } from '../invites/SqliteInviteStore.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import { PostgresMeetingStore } from '../meetings/PostgresMeetingStore.ts';
import { SqliteMeetingStore } from '../meetings/SqliteMeetingStore.ts';
import { PostgresRecordingIndex } from '../recordings/PostgresRecordingIndex.ts';
import type { RecordingIndex } from '../recordings/RecordingIndex.ts';
import { SqliteRecordingIndex } from '../recordings/SqliteRecordingIndex.ts';
import { Database } from './Database.ts';
import { PostgresDatabase } from './PostgresDatabase.ts';
import { redactedUrl } from './postgresUrl.ts';

/** Every durable store of signaling, on one database. */
export interface Stores {
  readonly engine: 'sqlite' | 'postgresql';
  /** The SQLite file, or the PostgreSQL URL without its password (for logs). */
  readonly location: string;
  accounts: AccountStore;
  meetings: MeetingStore;
  invites: InviteStore;
  agenda: AgendaStore;
  minutes: MinutesStore;
  /** Only the index: recording bytes stay files under DATA_DIR/recordings. */
  recordings: RecordingIndex;
  readonly closed: boolean;
  /** Closes the stores, then the database (idempotent). */
  close(): Promise<void>;
}

/** Which database: the two settings of config.ts that choose it. */
export interface StoreSettings {
  /** PostgreSQL when set (`postgres://…`); the SQLite file otherwise. */
  DATABASE_URL?: string | undefined;
  /** The SQLite file (`:memory:` keeps nothing). */
  databasePath: string;
}

export interface StoreDeps {
  /** Clock of meetings and invites (injected in tests). */
  now?: () => number;
  /** Random bytes for ids (injected in tests). */
  random?: (n: number) => Buffer;
  logger?: Logger;
}

/** The stores of one database, without the database's own life cycle. */
export type StoreSet = Pick<
  Stores,
  'accounts' | 'meetings' | 'invites' | 'agenda' | 'minutes' | 'recordings'
>;

/**
 * Opens the database the settings name and every store on it, migrating each
 * feature's tables. Rejects when PostgreSQL cannot be reached, naming it
 * without its password.
 */
export async function createStores(settings: StoreSettings, deps: StoreDeps = {}): Promise<Stores> {
  if (settings.DATABASE_URL === undefined) {
    const database = new Database(settings.databasePath);
    try {
      return assemble('sqlite', settings.databasePath, openSqliteStores(database, deps), () => {
        database.close();
        return Promise.resolve();
      });
    } catch (error) {
      database.close();
      throw error;
    }
  }
  const location = redactedUrl(settings.DATABASE_URL);
  const database = new PostgresDatabase({
    url: settings.DATABASE_URL,
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  try {
    return assemble('postgresql', location, await openPostgresStores(database, deps), () => database.close());
  } catch (error) {
    await database.close();
    throw new Error(
      `cannot open the PostgreSQL database ${location}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Every store on a SQLite database, its tables migrated (meetings before invites: invites reference them). */
export function openSqliteStores(database: Database, deps: StoreDeps = {}): StoreSet {
  const ids = deps.random ? { random: deps.random } : {};
  const clocked = { ...ids, ...(deps.now ? { now: deps.now } : {}) };
  const meetings = new SqliteMeetingStore({ database, ...clocked });
  return {
    accounts: new SqliteAccountStore(database, ids),
    meetings,
    invites: new SqliteInviteStore({ database, ...clocked }),
    agenda: new SqliteAgendaStore({ database, ...ids }),
    minutes: new SqliteMinutesStore({ database }),
    recordings: new SqliteRecordingIndex(database),
  };
}

/** Every store on a PostgreSQL database, its tables migrated (meetings before invites). */
export async function openPostgresStores(
  database: PostgresDatabase,
  deps: StoreDeps = {},
): Promise<StoreSet> {
  const ids = deps.random ? { random: deps.random } : {};
  const clocked = { ...ids, ...(deps.now ? { now: deps.now } : {}) };
  const meetings = await PostgresMeetingStore.open({ database, ...clocked });
  return {
    accounts: await PostgresAccountStore.open({ database, ...ids }),
    meetings,
    invites: await PostgresInviteStore.open({ database, ...clocked }),
    agenda: await PostgresAgendaStore.open({ database, ...ids }),
    minutes: await PostgresMinutesStore.open({ database }),
    recordings: await PostgresRecordingIndex.open({ database }),
  };
}

function assemble(
  engine: Stores['engine'],
  location: string,
  stores: StoreSet,
  closeDatabase: () => Promise<void>,
): Stores {
  let closing: Promise<void> | undefined;
  return {
    engine,
    location,
    ...stores,
    get closed() {
      return closing !== undefined;
    },
    close() {
      if (!closing) {
        stores.accounts.close();
        closing = closeDatabase();
      }
      return closing;
    },
  };
}
