import { journalListResponseSchema, meetingIdSchema, type JournalListResponse } from '@confidentiel/protocol';
import { requestJson } from '../api/authApi.ts';
import { ApiError, type FetchLike } from '../api/meetingsApi.ts';

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * `GET /api/organiser/meetings/:meetingId/journals` with the session cookie:
 * the committee's session journals, what each is signed with and how far it
 * is time-stamped, and whether this service time-stamps at all.
 */
export async function fetchJournalList(
  meetingId: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<JournalListResponse> {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new ApiError('room-not-found', 'malformed meeting id');
  }
  const parsed = journalListResponseSchema.safeParse(
    await requestJson(fetchFn, 'GET', `/api/organiser/meetings/${encodeURIComponent(meetingId)}/journals`),
  );
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected journal list');
  }
  return parsed.data;
}
