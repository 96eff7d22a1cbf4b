import { useEffect, useSyncExternalStore } from 'react';
import { sessionStore, type SessionState, type SessionStore } from './SessionStore.ts';

/** The organiser's session; asks the server the first time a page needs it. */
export function useSession(store: SessionStore = sessionStore): SessionState {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  useEffect(() => {
    if (state.status === 'unknown') {
      void store.check();
    }
  }, [state.status, store]);
  return state;
}
