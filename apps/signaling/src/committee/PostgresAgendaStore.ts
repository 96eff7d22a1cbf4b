import { randomBytes } from 'node:crypto';
import type { AgendaItemInput } from '@confidentiel/protocol';
import type { PostgresDatabase } from '../storage/PostgresDatabase.ts';
import { newAgendaItemId, type AgendaStore, type PreparedItem } from './AgendaStore.ts';

/**
 * The `agenda` feature's PostgreSQL migrations: the table of AGENDA_MIGRATIONS
 * (SqliteAgendaStore). Append, never edit a released one.
 */
export const POSTGRES_AGENDA_MIGRATIONS: readonly string[] = [
  `CREATE TABLE agenda_items (
    meeting_id TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    item_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    presenter TEXT,
    planned_minutes INTEGER NOT NULL CHECK (planned_minutes >= 0),
    notes TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
  );`,
];

/** First key of the advisory locks that serialise replacements of one meeting's agenda. */
const AGENDA_LOCK = 0x61676e64; // "agnd"

interface ItemRow {
  item_id: string;
  title: string;
  presenter: string | null;
  planned_minutes: number;
  notes: string;
}

export interface PostgresAgendaStoreOptions {
  database: PostgresDatabase;
  random?: (n: number) => Buffer;
}

/** Agendas in PostgreSQL (feature `agenda`). */
export class PostgresAgendaStore implements AgendaStore {
  readonly #db: PostgresDatabase;
  readonly #random: (n: number) => Buffer;

  private constructor(options: PostgresAgendaStoreOptions) {
    this.#db = options.database;
    this.#random = options.random ?? randomBytes;
  }

  /** Migrates the `agenda_items` table, then gives the store. */
  static async open(options: PostgresAgendaStoreOptions): Promise<PostgresAgendaStore> {
    await options.database.migrate('agenda', POSTGRES_AGENDA_MIGRATIONS);
    return new PostgresAgendaStore(options);
  }

  async get(meetingId: string): Promise<PreparedItem[]> {
    const { rows } = await this.#db.query<ItemRow>(
      `SELECT item_id, title, presenter, planned_minutes, notes FROM agenda_items
       WHERE meeting_id = $1 ORDER BY position`,
      [meetingId],
    );
    return rows.map((row) => ({
      itemId: row.item_id,
      title: row.title,
      presenter: row.presenter,
      plannedMinutes: row.planned_minutes,
      notes: row.notes,
    }));
  }

  async replace(meetingId: string, items: readonly AgendaItemInput[]): Promise<PreparedItem[]> {
    const prepared = items.map((input): PreparedItem => ({
      itemId: newAgendaItemId(this.#random),
      title: input.title,
      presenter: input.presenter,
      plannedMinutes: input.plannedMinutes,
      notes: input.notes,
    }));
    await this.#db.transaction(async (client) => {
      // Two replacements of one agenda (two organiser tabs, two nodes) run one
      // after the other: the last one wins whole, never a mix of both.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AGENDA_LOCK, meetingId]);
      await client.query('DELETE FROM agenda_items WHERE meeting_id = $1', [meetingId]);
      for (const [position, item] of prepared.entries()) {
        await client.query(
          `INSERT INTO agenda_items (meeting_id, position, item_id, title, presenter, planned_minutes, notes)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [meetingId, position, item.itemId, item.title, item.presenter, item.plannedMinutes, item.notes],
        );
      }
    });
    return prepared;
  }
}
