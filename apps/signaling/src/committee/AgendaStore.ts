import { randomBytes } from 'node:crypto';
import type { AgendaItemInput } from '@confidentiel/protocol';

/** An agenda item as prepared before the session (no session state). */
export interface PreparedItem {
  itemId: string;
  title: string;
  presenter: string | null;
  plannedMinutes: number;
  notes: string;
}

/**
 * The agendas organisers prepare before a committee session, one per meeting,
 * in order. Replacing an agenda gives every item a new id.
 */
export interface AgendaStore {
  /** The meeting's agenda in order; empty when none was prepared. */
  get(meetingId: string): Promise<PreparedItem[]>;
  /** Replaces the whole agenda; returns it with the new item ids. */
  replace(meetingId: string, items: readonly AgendaItemInput[]): Promise<PreparedItem[]>;
}

/** 12 random bytes, base64url (16 characters). */
export function newAgendaItemId(random: (n: number) => Buffer = randomBytes): string {
  return random(12).toString('base64url');
}
