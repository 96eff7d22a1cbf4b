import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import type { AgendaItemInput } from '@confidentiel/protocol';
import { settle } from '../meetings/settle.ts';
import type { Database } from '../storage/Database.ts';
import { newAgendaItemId, type AgendaStore, type PreparedItem } from './AgendaStore.ts';

/** The `agenda` feature's migrations: append, never edit a released one. */
export const AGENDA_MIGRATIONS: readonly string[] = [
  `CREATE TABLE agenda_items (
    meeting_id TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position >= 0),
    item_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    presenter TEXT,
    planned_minutes INTEGER NOT NULL CHECK (planned_minutes >= 0),
    notes TEXT NOT NULL,
    PRIMARY KEY (meeting_id, position)
  ) STRICT;`,
];

interface ItemRow {
  item_id: string;
  title: string;
  presenter: string | null;
  planned_minutes: number;
  notes: string;
}

/** Agendas in the signaling database (feature `agenda`). */
export class SqliteAgendaStore implements AgendaStore {
  readonly #database: Database;
  readonly #random: (n: number) => Buffer;
  readonly #select: StatementSync;
  readonly #delete: StatementSync;
  readonly #insert: StatementSync;

  constructor(deps: { database: Database; random?: (n: number) => Buffer }) {
    this.#database = deps.database;
    this.#random = deps.random ?? randomBytes;
    deps.database.migrate('agenda', AGENDA_MIGRATIONS);
    const db = deps.database.sqlite;
    this.#select = db.prepare(
      'SELECT item_id, title, presenter, planned_minutes, notes FROM agenda_items WHERE meeting_id = ? ORDER BY position',
    );
    this.#delete = db.prepare('DELETE FROM agenda_items WHERE meeting_id = ?');
    this.#insert = db.prepare(
      `INSERT INTO agenda_items (meeting_id, position, item_id, title, presenter, planned_minutes, notes)
       VALUES (:meetingId, :position, :itemId, :title, :presenter, :plannedMinutes, :notes)`,
    );
  }

  get(meetingId: string): Promise<PreparedItem[]> {
    return settle(() =>
      (this.#select.all(meetingId) as unknown as ItemRow[]).map((row) => ({
        itemId: row.item_id,
        title: row.title,
        presenter: row.presenter,
        plannedMinutes: row.planned_minutes,
        notes: row.notes,
      })),
    );
  }

  replace(meetingId: string, items: readonly AgendaItemInput[]): Promise<PreparedItem[]> {
    return settle(() =>
      this.#database.transaction(() => {
        this.#delete.run(meetingId);
        return items.map((input, position) => {
          const item: PreparedItem = {
            itemId: newAgendaItemId(this.#random),
            title: input.title,
            presenter: input.presenter,
            plannedMinutes: input.plannedMinutes,
            notes: input.notes,
          };
          this.#insert.run({ meetingId, position, ...item });
          return item;
        });
      }),
    );
  }
}
