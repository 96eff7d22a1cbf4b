import type { LobbyEntry, MemberInfo, ProducerInfo } from '@confidentiel/protocol';

/**
 * Everything RoomState holds of one room, at one moment: what the owner of a
 * meeting writes back whole to Redis after Redis restarted empty, and what it
 * loads when it starts to own a meeting (see OwnerRoomState).
 */
export interface RoomSnapshot {
  /** In order of arrival, each with its current role. */
  members: MemberInfo[];
  producers: ProducerInfo[];
  /** In order of arrival in the lobby. */
  waiting: LobbyEntry[];
  locked: boolean;
  /** The next E2EE sender index the room hands out. */
  nextSenderIndex: number;
}

/** An empty room: what a room nobody is in looks like. */
export const EMPTY_ROOM: Readonly<RoomSnapshot> = Object.freeze({
  members: [],
  producers: [],
  waiting: [],
  locked: false,
  nextSenderIndex: 0,
});

/** Whether a room snapshot holds nobody (a room that is forgotten). */
export function isEmptyRoom(snapshot: RoomSnapshot): boolean {
  return snapshot.members.length === 0 && snapshot.waiting.length === 0;
}
