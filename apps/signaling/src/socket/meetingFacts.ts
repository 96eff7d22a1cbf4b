import type { RoomInfo } from '@confidentiel/protocol';
import type { Meeting } from '../meetings/MeetingStore.ts';

/** What every member learns about the meeting itself in the room info. */
export type MeetingFacts = Required<Pick<RoomInfo, 'title' | 'startsAt'>>;

/**
 * The meeting's title and scheduled start, for the room info: the procès-verbal
 * is made in a browser (the minutes are end-to-end encrypted) and must name the
 * meeting by its title and date, never by its id. Every `roomUpdated` carries
 * them too, because a browser replaces its whole room info with each one.
 */
export function meetingFacts(meeting: Meeting | undefined): MeetingFacts {
  return {
    title: meeting?.title === undefined || meeting.title.trim() === '' ? null : meeting.title,
    startsAt: meeting?.startsAt ?? null,
  };
}
