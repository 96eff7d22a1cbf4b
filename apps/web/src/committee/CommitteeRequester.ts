import type { MeetingClient } from '../media/MeetingClient.ts';

/** What the committee panel needs of the meeting client to act (a fake in tests). */
export type CommitteeRequester = Pick<MeetingClient, 'committeeRequest'>;
