import { MAX_FLOOR_TURNS, type MemberInfo, type MemberRole } from '@confidentiel/protocol';
import {
  conflict,
  forbidden,
  notFound,
  requireChair,
  who,
  type CommitteeActor,
  type Plan,
  type Req,
  type Res,
} from './committeePlan.ts';
import { mayTakeFloor } from './committeeRoles.ts';
import type { CommitteeRoomState } from './CommitteeRoomState.ts';

// The floor: raised hands in order, the speaker the chair gave the floor to, speaking time per item,
// every floor given (the procès-verbal's), free discussion; and who may send microphone audio.

/** Most raised hands at once. */
export const MAX_QUEUE = 1000;

/** Where the room tells one member that the chair gave or withdrew their floor. */
export interface FloorChannel {
  floor(memberId: string, speaking: boolean): void;
  /**
   * Who may speak narrowed (the floor passed or was withdrawn, free discussion closed): the server
   * pauses the microphones of everyone who may not speak now, `by` (a member id) having decided it.
   */
  restrict(by: string): void;
}

/**
 * Pauses the live microphones of the room's members `which` selects (by id and current role), on
 * the media server and in the room state, and tells the room and each member muted (`by`, a member
 * id, decided it); resolves how many microphones it paused.
 */
export type PauseMicrophones = (
  which: (memberId: string, role: MemberRole) => boolean,
  by: string,
) => Promise<number>;

/**
 * Whether a member may send microphone audio now, decided on the server: the chair (host) and the
 * secretaries (co-hosts) always; a participant while they have the floor or free discussion is
 * open; an observer never.
 */
export function mayUseMicrophone(state: CommitteeRoomState, memberId: string, role: MemberRole): boolean {
  switch (role) {
    case 'host':
    case 'co-host':
      return true;
    case 'participant':
      return state.freeDiscussion || state.speaker === memberId;
    case 'observer':
      return false;
    default: {
      const unreachable: never = role;
      return unreachable;
    }
  }
}

/** Counts the speaker's time so far on the current item. */
export function countSpeaking(state: CommitteeRoomState, now: number): void {
  const speaker = state.speaker;
  const item = state.current;
  if (speaker !== null && state.speakingFrom !== null && item !== null) {
    item.speakingMs.set(speaker, (item.speakingMs.get(speaker) ?? 0) + (now - state.speakingFrom));
  }
  state.speakingFrom = speaker === null ? null : now;
}

export function clearFloor(state: CommitteeRoomState, now: number): void {
  countSpeaking(state, now);
  const turn = state.history.at(-1);
  if (turn !== undefined && turn.to === null) {
    turn.to = now;
  }
  state.speaker = null;
  state.speakerSince = null;
  state.speakingFrom = null;
}

/** A floor given: a new turn in the history (the oldest go first beyond MAX_FLOOR_TURNS). */
function openTurn(
  state: CommitteeRoomState,
  member: { memberId: string; displayName: string },
  now: number,
): void {
  state.history.push({
    memberId: member.memberId,
    displayName: member.displayName,
    itemId: state.current?.itemId ?? null,
    from: now,
    to: null,
  });
  if (state.history.length > MAX_FLOOR_TURNS) {
    state.history.splice(0, state.history.length - MAX_FLOOR_TURNS);
  }
}

export function planRaiseHand(state: CommitteeRoomState, actor: CommitteeActor): Plan<Res<'raiseHand'>> {
  if (state.queue.includes(actor.memberId)) {
    throw conflict('your hand is already raised');
  }
  if (state.speaker === actor.memberId) {
    throw conflict('you have the floor');
  }
  if (state.queue.length >= MAX_QUEUE) {
    throw conflict('too many raised hands');
  }
  return {
    entries: [['hand-raised', who(actor)]],
    apply: () => {
      state.queue.push(actor.memberId);
      return {};
    },
  };
}

export function planLowerHand(state: CommitteeRoomState, actor: CommitteeActor): Plan<Res<'lowerHand'>> {
  if (!state.queue.includes(actor.memberId)) {
    throw conflict('your hand is not raised');
  }
  return {
    entries: [['hand-lowered', who(actor)]],
    apply: () => {
      state.queue = state.queue.filter((id) => id !== actor.memberId);
      return {};
    },
  };
}

/** `members`: the room's admitted members now, with their current roles. */
export async function planGiveFloor(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { memberId }: Req<'giveFloor'>,
  now: number,
  members: () => Promise<MemberInfo[]>,
  channel: FloorChannel,
): Promise<Plan<Res<'giveFloor'>>> {
  requireChair(actor, 'give the floor');
  const target = (await members()).find((m) => m.memberId === memberId);
  if (!target) {
    throw notFound('member not found');
  }
  if (!mayTakeFloor(target.role)) {
    throw forbidden('observers do not take the floor');
  }
  if (state.speaker === memberId) {
    throw conflict('this member already has the floor');
  }
  const previous = state.speaker;
  return {
    entries: [['floor-given', { memberId, displayName: target.displayName, previous, by: actor.memberId }]],
    apply: () => {
      clearFloor(state, now);
      state.speaker = memberId;
      state.speakerSince = now;
      state.speakingFrom = now;
      state.queue = state.queue.filter((id) => id !== memberId);
      openTurn(state, target, now);
      channel.floor(memberId, true);
      if (previous !== null) {
        channel.floor(previous, false);
        channel.restrict(actor.memberId);
      }
      return {};
    },
  };
}

export function planWithdrawFloor(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  now: number,
  channel: FloorChannel,
): Plan<Res<'withdrawFloor'>> {
  requireChair(actor, 'withdraw the floor');
  const speaker = state.speaker;
  if (speaker === null) {
    throw conflict('nobody has the floor');
  }
  return {
    entries: [['floor-withdrawn', { memberId: speaker, reason: 'chair', by: actor.memberId }]],
    apply: () => {
      clearFloor(state, now);
      channel.floor(speaker, false);
      channel.restrict(actor.memberId);
      return {};
    },
  };
}

/** The chair opens or closes free discussion; closing it mutes everyone who has no floor. */
export function planSetFreeDiscussion(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { open }: Req<'setFreeDiscussion'>,
  channel: FloorChannel,
): Plan<Res<'setFreeDiscussion'>> {
  requireChair(actor, open ? 'open free discussion' : 'close free discussion');
  if (state.freeDiscussion === open) {
    throw conflict(open ? 'free discussion is already open' : 'free discussion is not open');
  }
  return {
    entries: [[open ? 'free-discussion-opened' : 'free-discussion-closed', { by: actor.memberId }]],
    apply: () => {
      state.freeDiscussion = open;
      if (!open) {
        channel.restrict(actor.memberId);
      }
      return {};
    },
  };
}

/**
 * The chair mutes every microphone in the room but their own, whatever the role (secretaries too).
 * `pauseAllBut` pauses them and resolves how many it paused; the members may unmute again as far as
 * the floor lets them (the chair's act is a moment, not a rule).
 */
export function planMuteAll(
  actor: CommitteeActor,
  pauseAllBut: (memberId: string, by: string) => Promise<number>,
): Plan<Res<'muteAll'>> {
  requireChair(actor, 'mute everyone');
  return {
    entries: [['all-muted', { by: actor.memberId }]],
    apply: async () => ({ muted: await pauseAllBut(actor.memberId, actor.memberId) }),
  };
}
