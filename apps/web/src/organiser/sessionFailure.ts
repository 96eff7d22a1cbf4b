import type { ParseKeys } from 'i18next';
import { failureMessageKey, isSessionLost, type FailureStep } from './failureMessages.ts';
import { sessionStore, type SessionStore } from './SessionStore.ts';

/**
 * What an organiser page shows for a failed request. A lost session is not
 * shown here: the store learns it, and the page goes to sign-in (null).
 */
export function organiserFailure(
  failure: unknown,
  step: FailureStep = 'organiser',
  store: SessionStore = sessionStore,
): ParseKeys | null {
  if (isSessionLost(failure)) {
    store.expired();
    return null;
  }
  return failureMessageKey(failure, step);
}
