import type { ApiErrorReason } from '../api/meetingsApi.ts';
import type { JoinFailure } from '../meeting/MeetingSessionFlow.ts';
import type { MeetingAccess } from './meetingAccess.ts';

/**
 * Where a link leads nowhere, whatever the person does on this page: the page
 * says so and what to do next, and offers no join button that can only fail.
 * A failure that trying again may cure (network, busy, a wrong passcode) is
 * not one: the join form stays, with its message.
 */
export type DeadEnd =
  /** An invite link unknown, revoked, expired or used up, or whose meeting was cancelled. */
  | 'invite-invalid'
  /** No such meeting (or not one this way in opens: the two look the same). */
  | 'meeting-not-found'
  /** The host's own meeting, cancelled. */
  | 'meeting-cancelled'
  /** A host removed this person (their link was revoked with them). */
  | 'removed'
  /** The host link, signed out: only the organiser's account opens it. */
  | 'sign-in';

const NO_SUCH_MEETING: readonly ApiErrorReason[] = ['room-not-found', 'not-found', 'forbidden'];

/** The dead end a join failure leads to, if it is one. */
export function deadEndOf(failure: JoinFailure, access: MeetingAccess['kind']): DeadEnd | null {
  switch (failure.kind) {
    case 'preview':
      // The invite preview: 404 (invite-invalid, or a bare 404 from a proxy) is a dead link.
      return failure.reason === 'invite-invalid' || NO_SUCH_MEETING.includes(failure.reason)
        ? 'invite-invalid'
        : null;
    case 'e2ee-unavailable':
      return null;
    case 'token':
      return tokenDeadEnd(failure.reason, access);
    case 'refused':
      if (failure.reason === 'removed') {
        return 'removed';
      }
      if (failure.reason === 'invite-invalid') {
        return 'invite-invalid';
      }
      return failure.reason === 'room-not-found' || failure.reason === 'forbidden'
        ? access === 'invite'
          ? 'invite-invalid'
          : 'meeting-not-found'
        : null;
    default: {
      const unreachable: never = failure;
      return unreachable;
    }
  }
}

function tokenDeadEnd(reason: ApiErrorReason, access: MeetingAccess['kind']): DeadEnd | null {
  switch (access) {
    case 'open':
      return NO_SUCH_MEETING.includes(reason) ? 'meeting-not-found' : null;
    case 'invite':
      return reason === 'invite-invalid' || NO_SUCH_MEETING.includes(reason) ? 'invite-invalid' : null;
    case 'host':
      if (reason === 'unauthorized' || reason === 'csrf') {
        return 'sign-in';
      }
      if (reason === 'conflict') {
        // The only conflict of a host token: the meeting is cancelled.
        return 'meeting-cancelled';
      }
      return NO_SUCH_MEETING.includes(reason) ? 'meeting-not-found' : null;
    default: {
      const unreachable: never = access;
      return unreachable;
    }
  }
}
