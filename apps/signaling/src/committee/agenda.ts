import { ProtocolError } from '@confidentiel/protocol';
import {
  conflict,
  requireChair,
  type CommitteeActor,
  type JournalData,
  type Plan,
  type Req,
  type Res,
} from './committeePlan.ts';
import { itemOf, type CommitteeRoomState, type ItemState } from './CommitteeRoomState.ts';
import { countSpeaking } from './floor.ts';

// The agenda as the chair runs it: one item open at a time, its time and its speakers' counted.

/** The agenda-closed entry of `item` closing at `now` (its totals as they will be). */
function closingData(
  state: CommitteeRoomState,
  item: ItemState,
  now: number,
  actor: CommitteeActor,
): JournalData {
  const speakingMs = Object.fromEntries(item.speakingMs);
  if (state.speaker !== null && state.speakingFrom !== null) {
    speakingMs[state.speaker] = (speakingMs[state.speaker] ?? 0) + (now - state.speakingFrom);
  }
  return {
    itemId: item.itemId,
    elapsedMs: item.elapsedMs + (now - (state.currentSince ?? now)),
    speakingMs,
    by: actor.memberId,
  };
}

function closeCurrent(state: CommitteeRoomState, now: number): void {
  const item = state.current;
  if (item === null) {
    return;
  }
  countSpeaking(state, now);
  item.elapsedMs += now - (state.currentSince ?? now);
  item.status = 'closed';
  state.current = null;
  state.currentSince = null;
}

export function planAgendaOpen(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { itemId }: Req<'agendaOpen'>,
  now: number,
): Plan<Res<'agendaOpen'>> {
  requireChair(actor, 'run the agenda');
  const item = itemOf(state, itemId);
  if (state.current === item) {
    throw conflict('this item is already open');
  }
  const entries: Plan<unknown>['entries'] = [];
  const current = state.current;
  if (current !== null) {
    entries.push(['agenda-closed', closingData(state, current, now, actor)]);
  }
  entries.push([
    'agenda-opened',
    { itemId, title: item.title, reopened: item.status === 'closed', by: actor.memberId },
  ]);
  return {
    entries,
    apply: () => {
      closeCurrent(state, now);
      item.status = 'open';
      state.current = item;
      state.currentSince = now;
      if (state.speaker !== null) {
        state.speakingFrom = now;
      }
      return {};
    },
  };
}

export function planAgendaClose(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { itemId }: Req<'agendaClose'>,
  now: number,
): Plan<Res<'agendaClose'>> {
  requireChair(actor, 'run the agenda');
  const item = itemOf(state, itemId);
  if (state.current !== item) {
    throw conflict('this item is not open');
  }
  return {
    entries: [['agenda-closed', closingData(state, item, now, actor)]],
    apply: () => {
      closeCurrent(state, now);
      return {};
    },
  };
}

export function planAgendaReorder(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { itemIds }: Req<'agendaReorder'>,
): Plan<Res<'agendaReorder'>> {
  requireChair(actor, 'reorder the agenda');
  const known = new Set(state.items.map((item) => item.itemId));
  const given = new Set(itemIds);
  if (given.size !== itemIds.length || given.size !== known.size || itemIds.some((id) => !known.has(id))) {
    throw ProtocolError.invalidPayload('list every agenda item exactly once');
  }
  return {
    entries: [['agenda-reordered', { itemIds, by: actor.memberId }]],
    apply: () => {
      const order = new Map(itemIds.map((id, index) => [id, index]));
      state.items.sort((a, b) => order.get(a.itemId)! - order.get(b.itemId)!);
      return {};
    },
  };
}
