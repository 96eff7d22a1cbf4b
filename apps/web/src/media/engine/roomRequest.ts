import type { RequestOf, ResponseOf, RoomRequestName, roomRequests } from '@confidentiel/protocol';

/** Sends one room request and resolves with its validated answer (rejects with a MeetingError). */
export type RoomRequest = <K extends RoomRequestName>(
  name: K,
  payload: RequestOf<typeof roomRequests, K>,
) => Promise<ResponseOf<typeof roomRequests, K>>;
