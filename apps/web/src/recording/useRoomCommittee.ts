import { useCallback, useSyncExternalStore } from 'react';
import type { CommitteeState } from '@confidentiel/protocol';
import type { MeetingClient } from '../media/MeetingClient.ts';

/** The room's committee state (null outside a committee session, and until the first one arrives). */
export function useRoomCommittee(client: Pick<MeetingClient, 'committee' | 'on'>): CommitteeState | null {
  const subscribe = useCallback((onChange: () => void) => client.on('committeeState', onChange), [client]);
  return useSyncExternalStore(subscribe, () => client.committee);
}
