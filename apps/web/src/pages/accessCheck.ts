import type { MeetingStatus, SessionResponse } from '@confidentiel/protocol';
import { fetchSession } from '../api/authApi.ts';
import { ApiError, getOpenMeeting } from '../api/meetingsApi.ts';
import { OrganiserApi } from '../api/organiserApi.ts';
import type { DeadEnd } from './deadEnds.ts';
import type { MeetingAccess } from './meetingAccess.ts';

/** What the check asks the server; injected so tests drive it. */
export interface AccessCheckApi {
  /** Resolves when the open meeting exists; rejects with room-not-found otherwise. */
  openMeeting(meetingId: string): Promise<void>;
  /** The signed-in organiser's session, or null when signed out. */
  session(): Promise<SessionResponse | null>;
  /** The organiser's own meeting's status; rejects with room-not-found for anyone else's. */
  ownMeetingStatus(session: SessionResponse, meetingId: string): Promise<MeetingStatus>;
}

export const browserAccessCheckApi: AccessCheckApi = {
  openMeeting: (meetingId) => getOpenMeeting(meetingId),
  session: () => fetchSession(),
  ownMeetingStatus: async (session, meetingId) =>
    (await new OrganiserApi(session.csrfToken).getMeeting(meetingId)).meeting.status,
};

function isNoSuchMeeting(error: unknown): boolean {
  return error instanceof ApiError && (error.reason === 'room-not-found' || error.reason === 'not-found');
}

/**
 * Asked before the join form is shown: whether this way in can lead anywhere.
 * An open meeting's link to no meeting, and the host link signed out or to a
 * meeting gone, are dead ends; an invite is checked by its preview (the flow's).
 * When the server cannot say (network), null: the form is shown and the join says why.
 */
export async function checkAccess(
  access: MeetingAccess,
  api: AccessCheckApi = browserAccessCheckApi,
): Promise<DeadEnd | null> {
  switch (access.kind) {
    case 'invite':
      return null;
    case 'open':
      try {
        await api.openMeeting(access.meetingId);
        return null;
      } catch (error) {
        return isNoSuchMeeting(error) ? 'meeting-not-found' : null;
      }
    case 'host': {
      let session: SessionResponse | null;
      try {
        session = await api.session();
      } catch {
        return null;
      }
      if (session === null) {
        return 'sign-in';
      }
      try {
        return (await api.ownMeetingStatus(session, access.meetingId)) === 'cancelled'
          ? 'meeting-cancelled'
          : null;
      } catch (error) {
        if (error instanceof ApiError && (error.reason === 'unauthorized' || error.reason === 'csrf')) {
          return 'sign-in';
        }
        return isNoSuchMeeting(error) ? 'meeting-not-found' : null;
      }
    }
    default: {
      const unreachable: never = access;
      return unreachable;
    }
  }
}
