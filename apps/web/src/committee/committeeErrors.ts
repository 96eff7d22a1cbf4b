import type { ParseKeys } from 'i18next';
import type { MeetingErrorReason } from '../media/MeetingError.ts';

/** The message shown when the server (or the connection) refuses a committee action. */
export function committeeErrorKey(reason: MeetingErrorReason): ParseKeys {
  switch (reason) {
    case 'forbidden':
    case 'unauthorized':
      return 'committee.errors.forbidden';
    case 'not-found':
      return 'committee.errors.notFound';
    case 'conflict':
      return 'committee.errors.conflict';
    case 'invalid-payload':
    case 'too-large':
      return 'committee.errors.invalid';
    case 'rate-limited':
      return 'committee.errors.rateLimited';
    case 'timeout':
    case 'connection-failed':
    case 'connection-lost':
    case 'not-joined':
    case 'closed':
      return 'committee.errors.network';
    default:
      return 'committee.errors.generic';
  }
}
