import type { ParseKeys } from 'i18next';
import type { MeetingAccess } from '../pages/meetingAccess.ts';
import { errorMessageKey } from '../ui/errorMessages.ts';
import type { JoinFailure } from './MeetingSessionFlow.ts';

/** The words for a join failure, which depend on the way in (an invite, a host's page). */
export function joinFailureMessage(failure: JoinFailure, access: MeetingAccess['kind']): ParseKeys {
  switch (failure.kind) {
    case 'preview':
      return errorMessageKey(failure.reason);
    case 'e2ee-unavailable':
      return errorMessageKey('e2ee-unavailable');
    case 'token':
      if (failure.reason === 'invalid-payload') {
        return 'errors.invalidName';
      }
      if (failure.reason === 'unauthorized' && access === 'host') {
        return 'errors.signInFirst';
      }
      if (failure.reason === 'rate-limited' && access === 'invite') {
        return 'errors.tooManyAttempts';
      }
      return errorMessageKey(failure.reason);
    case 'refused':
      // An unknown meeting and a forbidden one look the same; removal and a dead invite say so.
      return failure.reason === 'removed' || failure.reason === 'invite-invalid'
        ? errorMessageKey(failure.reason)
        : 'errors.notFound';
    default: {
      const unreachable: never = failure;
      return unreachable;
    }
  }
}
