import type { ParseKeys } from 'i18next';
import type { MeetingAccess } from '../pages/meetingAccess.ts';
import { errorMessageKey } from '../ui/errorMessages.ts';
import type { JoinFailure } from './MeetingSessionFlow.ts';

/** The join form's field a failure is about: the page shows the message there. */
export type JoinField = 'displayName' | 'passcode';

/** The words for a join failure, which depend on the way in (an invite, a host's page). */
export function joinFailureMessage(failure: JoinFailure, access: MeetingAccess['kind']): ParseKeys {
  switch (failure.kind) {
    case 'preview':
      return errorMessageKey(failure.reason);
    case 'e2ee-unavailable':
      return errorMessageKey('e2ee-unavailable');
    case 'token':
      if (failure.reason === 'invalid-payload' && access === 'open') {
        // An open meeting's join request has one field: the name.
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

/** Which field of the join form a failure is about, if one: a passcode's refusal is never the name's. */
export function joinFailureField(failure: JoinFailure, access: MeetingAccess['kind']): JoinField | null {
  if (failure.kind !== 'token') {
    return null;
  }
  switch (failure.reason) {
    case 'wrong-passcode':
    case 'passcode-required':
    case 'invalid-passcode':
      return 'passcode';
    case 'invalid-name':
      return 'displayName';
    case 'invalid-payload':
      return access === 'open' ? 'displayName' : null;
    default:
      return null;
  }
}
