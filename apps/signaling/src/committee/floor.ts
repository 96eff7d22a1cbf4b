import type { MemberInfo } from '@confidentiel/protocol';
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

// The floor: raised hands in order, the speaker the chair gave the floor to, speaking time per item.

/** Most raised hands at once. */
export const MAX_QUEUE = 1000;

/** Where the room tells one member that the chair gave or withdrew their floor. */
export interface FloorChannel {
  floor(memberId: string, speaking: boolean): void;
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
  state.speaker = null;
  state.speakerSince = null;
  state.speakingFrom = null;
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
      channel.floor(memberId, true);
      if (previous !== null) {
        channel.floor(previous, false);
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
      return {};
    },
  };
}
