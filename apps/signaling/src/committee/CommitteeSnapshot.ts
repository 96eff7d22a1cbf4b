import { z } from 'zod';
import {
  agendaItemIdSchema,
  agendaItemSchema,
  attendanceEntrySchema,
  displayNameSchema,
  floorTurnSchema,
  MAX_FLOOR_TURNS,
  meetingIdSchema,
  memberIdSchema,
  openVoteSchema,
  recordingIdSchema,
  voteResultSchema,
} from '@confidentiel/protocol';
import { CommitteeSnapshotError } from './CommitteeSnapshotError.ts';
import type { SessionJournal } from './SessionJournal.ts';

/**
 * A committee room's whole state as plain JSON, for the node that takes a meeting over when its
 * owner dies (ADR 0007): `CommitteeRoom.toSnapshot()` writes it, `CommitteeRoom.restore()` rebuilds
 * an identical room from it. It crosses a process boundary, so it is parsed with this schema when
 * read back; the maps of the room are lists here, in their order.
 *
 * It holds the ballots of the open vote, the choices of a secret ballot included: they must
 * survive the owner's death, or the vote would lose them. The snapshot lives in the operator's
 * Redis next to the rest of the meeting's state, and is no more secret than the owner's memory,
 * where the ballots are anyway while the vote is open (a Redis with persistence turned on would
 * also keep them on its disk; ADR 0007 runs it without). Once the vote closes, the next snapshot
 * holds only the result, which for a secret ballot is the tally, never who chose what. The
 * journal's rule is unchanged: a secret ballot's entry says who voted, never what, and restoring
 * writes no entry.
 */
export const COMMITTEE_SNAPSHOT_VERSION = 1;

const time = z.number().int();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const itemSchema = agendaItemSchema.omit({ speakingMs: true }).extend({
  /** Speaking time per member on this item (ms), in the order speakers first spoke. */
  speakingMs: z.array(z.strictObject({ memberId: memberIdSchema, ms: z.number().int().min(0) })),
});

const voteSchema = openVoteSchema.omit({ voted: true }).extend({
  /** Every ballot cast so far, in the order cast. */
  ballots: z.array(
    z.strictObject({ memberId: memberIdSchema, displayName: displayNameSchema, choice: z.string() }),
  ),
});

export const committeeSnapshotSchema = z
  .strictObject({
    version: z.literal(COMMITTEE_SNAPSHOT_VERSION),
    meetingId: meetingIdSchema,
    title: z.string().max(1000),
    /** When it was taken, by the owner's clock (for diagnosis: restoring does not read it). */
    takenAt: time,
    /** In the agenda's current order. */
    items: z.array(itemSchema).max(100),
    currentItemId: agendaItemIdSchema.nullable(),
    currentSince: time.nullable(),
    floor: z.strictObject({
      speaker: memberIdSchema.nullable(),
      since: time.nullable(),
      /** Start of the speaker's time not yet counted on the current item. */
      speakingFrom: time.nullable(),
      queue: z.array(memberIdSchema).max(1000),
      /** Every floor given (a snapshot from before the history was kept has none). */
      history: z.array(floorTurnSchema).max(MAX_FLOOR_TURNS).default([]),
    }),
    /** Free discussion open (absent from a snapshot taken before it existed: closed). */
    freeDiscussion: z.boolean().default(false),
    vote: voteSchema.nullable(),
    results: z.array(voteResultSchema).max(200),
    recording: z.strictObject({ since: time, recordingId: recordingIdSchema }).nullable(),
    minutes: z
      .array(
        z.strictObject({ itemId: agendaItemIdSchema, revision: z.number().int().min(1), sha256: z.string() }),
      )
      .max(100),
    attendance: z.array(attendanceEntrySchema).max(5000),
    /** The members in the room now, each with their current span. */
    present: z.array(attendanceEntrySchema),
    /** Refusal-journaling budgets still running (the flood guard), per member. */
    refusals: z.array(
      z.strictObject({ memberId: memberIdSchema, since: time, count: z.number().int().min(0) }),
    ),
    /** The host ended the meeting; the session ends as everyone is sent out. */
    ended: z.boolean(),
    /** The session's journal when one is running: the new owner resumes this session's file. */
    journal: z
      .strictObject({
        sessionId: z.string().min(1).max(200),
        /** The last entry written (fsynced) when the snapshot was taken; null before the first. */
        head: z.strictObject({ seq: z.number().int().min(0), hash: hex64 }).nullable(),
      })
      .nullable(),
  })
  .superRefine((snapshot, ctx) => {
    const problem = consistencyProblem(snapshot);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

export type CommitteeSnapshot = z.infer<typeof committeeSnapshotSchema>;

/** Checks a snapshot read back; throws `CommitteeSnapshotError` ('invalid') naming what is wrong. */
export function parseCommitteeSnapshot(value: unknown): CommitteeSnapshot {
  const parsed = committeeSnapshotSchema.safeParse(value);
  if (!parsed.success) {
    throw CommitteeSnapshotError.invalid(z.prettifyError(parsed.error), parsed.error);
  }
  return parsed.data;
}

/** A snapshot's stored form (JSON text) read back and checked. */
export function readCommitteeSnapshot(text: string): CommitteeSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw CommitteeSnapshotError.invalid('not JSON', error);
  }
  return parseCommitteeSnapshot(value);
}

/**
 * Checks that `journal` continues the session the snapshot was taken in, and returns how many
 * entries the file holds beyond the last one the snapshot saw: written by the dead owner after its
 * last snapshot (presence noted, or an action journaled whose effect and answer died with it).
 * They stay in the chain; the state is the snapshot's. Throws `CommitteeSnapshotError`
 * ('mismatch') for another session's journal, or one that ends before the snapshot's last entry.
 */
export function entriesAfterSnapshot(
  snapshot: CommitteeSnapshot,
  journal: SessionJournal | undefined,
): number {
  const taken = snapshot.journal;
  if (taken === null) {
    if (journal !== undefined) {
      throw CommitteeSnapshotError.mismatch(
        'the snapshot was taken between sessions: the next arrival opens a new journal',
      );
    }
    return 0;
  }
  if (journal === undefined) {
    throw CommitteeSnapshotError.mismatch(
      `the snapshot was taken during session ${taken.sessionId}: resume its journal`,
    );
  }
  if (journal.sessionId !== taken.sessionId) {
    throw CommitteeSnapshotError.mismatch(
      `the journal is session ${journal.sessionId}, the snapshot's is ${taken.sessionId}`,
    );
  }
  const found = journal.head;
  if (taken.head === null) {
    return found === undefined ? 0 : found.seq + 1;
  }
  if (found === undefined || found.seq < taken.head.seq) {
    throw CommitteeSnapshotError.mismatch(
      `the journal ends at seq ${found?.seq ?? 'none'}, before the snapshot's last entry ${taken.head.seq}`,
    );
  }
  if (found.seq === taken.head.seq && found.hash !== taken.head.hash) {
    throw CommitteeSnapshotError.mismatch(
      `the journal's entry ${found.seq} is not the one the snapshot saw: another chain`,
    );
  }
  return found.seq - taken.head.seq;
}

/** What the room's invariants forbid and the schema alone cannot see. */
function consistencyProblem(snapshot: z.infer<typeof committeeSnapshotSchema>): string | undefined {
  const itemIds = new Set(snapshot.items.map((item) => item.itemId));
  if (itemIds.size !== snapshot.items.length) {
    return 'an agenda item appears twice';
  }
  const open = snapshot.items.filter((item) => item.status === 'open').map((item) => item.itemId);
  const current = snapshot.currentItemId;
  if (current === null ? open.length > 0 : open.length !== 1 || open[0] !== current) {
    return 'the open item is not the current one';
  }
  if ((current === null) !== (snapshot.currentSince === null)) {
    return 'currentSince goes with currentItemId';
  }
  const { speaker, since, queue } = snapshot.floor;
  if ((speaker === null) !== (since === null) || new Set(queue).size !== queue.length) {
    return 'the floor is inconsistent (speaker without since, or a hand raised twice)';
  }
  if (speaker !== null && queue.includes(speaker)) {
    return 'the speaker is still in the queue';
  }
  // At most one turn open: the speaker's, the last one given.
  const openTurns = snapshot.floor.history.filter((turn) => turn.to === null);
  const lastTurn = snapshot.floor.history.at(-1);
  if (
    openTurns.length > 1 ||
    (openTurns.length === 1 && (lastTurn?.to !== null || lastTurn.memberId !== speaker))
  ) {
    return 'the floor history has an open turn that is not the speaker’s last';
  }
  const vote = snapshot.vote;
  if (vote !== null) {
    const voters = new Set(vote.ballots.map((ballot) => ballot.memberId));
    if (voters.size !== vote.ballots.length) {
      return 'a member has two ballots';
    }
    if (vote.ballots.some((ballot) => !vote.options.includes(ballot.choice))) {
      return 'a ballot is not one of the options';
    }
    if (snapshot.results.some((result) => result.voteId === vote.voteId)) {
      return 'the open vote is also closed';
    }
  }
  if (new Set(snapshot.results.map((result) => result.voteId)).size !== snapshot.results.length) {
    return 'a vote result appears twice';
  }
  if (snapshot.minutes.some((m) => !itemIds.has(m.itemId))) {
    return 'minutes of an item not on the agenda';
  }
  if (new Set(snapshot.minutes.map((m) => m.itemId)).size !== snapshot.minutes.length) {
    return 'minutes of an item appear twice';
  }
  const present = new Set(snapshot.present.map((span) => span.memberId));
  if (present.size !== snapshot.present.length || snapshot.present.some((span) => span.leftAt !== null)) {
    return 'a present member appears twice, or has left';
  }
  return undefined;
}
