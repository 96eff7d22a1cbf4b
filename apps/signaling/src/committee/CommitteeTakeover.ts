import type { Logger } from 'pino';
import type { MemberInfo } from '@confidentiel/protocol';
import type { CommitteeActor, CommitteeRoom } from './CommitteeRoom.ts';
import { entriesAfterSnapshot, type CommitteeSnapshot } from './CommitteeSnapshot.ts';
import type { JournalService } from './JournalService.ts';
import type { SessionJournal } from './SessionJournal.ts';

/**
 * How a node that takes a committee meeting over carries its session on (ADR 0007): the session's
 * journal reopened where the dead (or departing) owner left it, and the room's presence brought in
 * line with the meeting's members. `CommitteeService.takeOver` runs these around
 * `CommitteeRoom.restore`.
 */
export interface Continuation {
  /** What to restore: the stored snapshot, or the same taken as between sessions (`restartSession`). */
  snapshot: CommitteeSnapshot;
  /** The session's journal, reopened under the new owner's fence; undefined between sessions. */
  journal: SessionJournal | undefined;
  /**
   * The snapshot was taken during a session whose journal cannot be continued (the file is gone,
   * does not verify, ended, or does not match): the members still here start a new session, whose
   * first entry records the state it resumes.
   */
  restartSession: boolean;
}

export interface ContinueSessionOptions {
  journals: JournalService;
  /** The new owner's lease fence (undefined on one machine). */
  fence: string | undefined;
  logger: Logger;
}

/** Reopens the journal of the session `snapshot` was taken in, if any, to continue its chain. */
export async function continueSession(
  snapshot: CommitteeSnapshot,
  { journals, fence, logger }: ContinueSessionOptions,
): Promise<Continuation> {
  const taken = snapshot.journal;
  if (taken === null) {
    return { snapshot, journal: undefined, restartSession: false };
  }
  const room = snapshot.meetingId.slice(0, 6);
  const restart = (why: string, error?: unknown): Continuation => {
    logger.error(
      { err: error, room, session: taken.sessionId },
      `the committee session's journal cannot be continued (${why}): a new session starts`,
    );
    return { snapshot: { ...snapshot, journal: null }, journal: undefined, restartSession: true };
  };
  const prefix = `${snapshot.meetingId}/`;
  if (!taken.sessionId.startsWith(prefix)) {
    return restart('it is not a session of this meeting');
  }
  let journal: SessionJournal;
  try {
    journal = await journals.resume(snapshot.meetingId, taken.sessionId.slice(prefix.length), fence);
  } catch (error) {
    return restart('reopening it failed', error);
  }
  const letGo = async (why: string, error?: unknown): Promise<Continuation> => {
    await journal.detach().catch(() => undefined);
    return restart(why, error);
  };
  // Its writer ended the session (a stop that was not a handover) after the last snapshot.
  if (journal.resumedFrom?.type === 'session-ended') {
    return letGo('the session ended in it');
  }
  try {
    // As `CommitteeRoom.restore` checks it (which also warns of entries after the snapshot).
    entriesAfterSnapshot(snapshot, journal);
  } catch (error) {
    return letGo('it is not the snapshot’s', error);
  }
  return { snapshot, journal, restartSession: false };
}

/**
 * Brings a rebuilt room's presence in line with the meeting's members now (`members`, from the
 * room state): someone the snapshot has present who is no longer a member left while the old owner
 * was dying (the room never heard of it) and is marked as left; with `restartSession`, the members
 * still here start the new session. Members whose socket's node is gone stay present until the
 * owner's recovery window ends, as on the old owner.
 */
export async function reconcilePresence(
  room: CommitteeRoom,
  continuation: Continuation,
  members: readonly MemberInfo[],
): Promise<void> {
  const here = new Map(members.map((member) => [member.memberId, member]));
  const present = continuation.snapshot.present;
  const work: Promise<void>[] = [];
  if (continuation.restartSession) {
    for (const span of present) {
      const member = here.get(span.memberId);
      if (member) {
        work.push(
          room.memberJoined({
            memberId: member.memberId,
            displayName: member.displayName,
            role: member.role,
          }),
        );
      }
    }
  }
  for (const span of present) {
    if (!here.has(span.memberId)) {
      const gone: CommitteeActor = {
        memberId: span.memberId,
        displayName: span.displayName,
        role: span.role,
      };
      work.push(room.memberLeft(gone));
    }
  }
  await Promise.all(work);
}
