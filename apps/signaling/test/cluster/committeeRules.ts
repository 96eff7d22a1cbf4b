/**
 * The rules of the committee property (committee-properties.test.ts): who may do what, and what the
 * room must answer each request given what the model believes (CommitteeRoom, committeeRoles.ts,
 * permissions.ts): the reason it refuses it, or null when it accepts it.
 */
import type { MemberRole } from '@confidentiel/protocol';
import type { CommitteeModel, Person, VoteModel } from './committeeModel.ts';
import { BAD_CHOICE } from './committeeScenario.ts';

const RANK: Record<MemberRole, number> = { host: 3, 'co-host': 2, participant: 1, observer: 0 };
// The rules as committeeRoles.ts and permissions.ts state them (restated: the model must not import what it checks).
export const isChair = (role: MemberRole): boolean => role === 'host';
export const isSecretary = (role: MemberRole): boolean => role === 'host' || role === 'co-host';
export const isModerator = isSecretary;
export const mayVote = (role: MemberRole): boolean => role !== 'observer';
export const mayTakeFloor = (role: MemberRole): boolean => role !== 'observer';

/** The refusal each request by `a` must get (the room's reason), or null: it must be accepted. */
export const refusalOf = {
  agendaOpen(m: CommitteeModel, a: Person, itemId: string): string | null {
    return !isChair(a.role) ? 'forbidden' : m.current === itemId ? 'conflict' : null;
  },

  agendaClose(m: CommitteeModel, a: Person, itemId: string): string | null {
    return !isChair(a.role) ? 'forbidden' : m.current !== itemId ? 'conflict' : null;
  },

  /** `complete`: whether every item is listed. */
  agendaReorder(a: Person, complete: boolean): string | null {
    return !isChair(a.role) ? 'forbidden' : !complete ? 'invalid-payload' : null;
  },

  raiseHand(m: CommitteeModel, a: Person): string | null {
    return m.queue.includes(a) || m.speaker === a ? 'conflict' : null;
  },

  lowerHand(m: CommitteeModel, a: Person): string | null {
    return m.queue.includes(a) ? null : 'conflict';
  },

  giveFloor(m: CommitteeModel, a: Person, target: Person): string | null {
    if (!isChair(a.role) || !mayTakeFloor(target.role)) {
      return 'forbidden';
    }
    if (m.speaker === target) {
      return 'conflict';
    }
    return null;
  },

  withdrawFloor(m: CommitteeModel, a: Person): string | null {
    return !isChair(a.role) ? 'forbidden' : m.speaker === null ? 'conflict' : null;
  },

  openVote(m: CommitteeModel, a: Person): string | null {
    return !isChair(a.role) ? 'forbidden' : m.vote !== null ? 'conflict' : null;
  },

  /** `vote`: the vote the ballot names (undefined: an unknown id). */
  castVote(m: CommitteeModel, a: Person, vote: VoteModel | undefined, choice: string): string | null {
    // The room's order of checks: the voter's role, the vote, a second ballot, the option.
    if (!mayVote(a.role)) {
      return 'forbidden';
    }
    if (vote === undefined) {
      return 'not-found';
    }
    if (vote !== m.vote) {
      return 'conflict';
    }
    if (vote.ballots.has(a.token.memberId)) {
      return 'conflict';
    }
    if (choice === BAD_CHOICE) {
      return 'invalid-payload';
    }
    return null;
  },

  /** `vote`: the vote the closing names (undefined: an unknown id). */
  closeVote(m: CommitteeModel, a: Person, vote: VoteModel | undefined): string | null {
    if (!isChair(a.role)) {
      return 'forbidden';
    }
    if (vote === undefined) {
      return 'not-found';
    }
    if (vote !== m.vote) {
      return 'conflict';
    }
    return null;
  },

  /** `latest`: the item's last saved revision (0: none). */
  saveMinutes(a: Person, revision: number, latest: number): string | null {
    return !isSecretary(a.role) ? 'forbidden' : revision !== latest + 1 ? 'conflict' : null;
  },

  setRecording(m: CommitteeModel, a: Person, on: boolean): string | null {
    if (!isChair(a.role)) {
      return 'forbidden';
    }
    if (on ? m.recording !== null : m.recording === null) {
      return 'conflict';
    }
    return null;
  },

  /** A moderation request: its refusal is the room's, not the committee's. */
  setMemberRole(a: Person, target: Person, role: MemberRole): string | null {
    const from = target.role;
    const allowed = isModerator(a.role) && RANK[from] < RANK[a.role] && RANK[role] < RANK[a.role];
    return allowed ? null : 'forbidden';
  },
};
