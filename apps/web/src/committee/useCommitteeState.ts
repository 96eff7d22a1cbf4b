import { useCallback, useSyncExternalStore } from 'react';
import type { CommitteeState } from '@confidentiel/protocol';
import type { MeetingClient } from '../media/MeetingClient.ts';

/** The client's latest committee state (null outside a committee session, or before the first one). */
export function useCommitteeState(client: MeetingClient): CommitteeState | null {
  const subscribe = useCallback((onChange: () => void) => client.on('committeeState', onChange), [client]);
  const snapshot = useCallback(() => client.committee, [client]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
