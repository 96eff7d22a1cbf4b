import {
  CSRF_HEADER,
  inviteIdSchema,
  invitePreviewResponseSchema,
  meetingIdSchema,
  roomTokenResponseSchema,
  sessionResponseSchema,
} from '@confidentiel/protocol';
import type { z } from 'zod';
import { ApiError, getJson, joinFieldRefusal, postJson, type FetchLike } from './meetingsApi.ts';

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

export type InvitePreview = z.infer<typeof invitePreviewResponseSchema>;
export type RoomToken = z.infer<typeof roomTokenResponseSchema>;

/** `GET /api/invites/:id`: the meeting's title and whether a passcode is needed. */
export async function getInvitePreview(
  inviteId: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<InvitePreview> {
  if (!inviteIdSchema.safeParse(inviteId).success) {
    throw new ApiError('invite-invalid', 'malformed invite id');
  }
  const parsed = invitePreviewResponseSchema.safeParse(
    await getJson(fetchFn, `/api/invites/${encodeURIComponent(inviteId)}`),
  );
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to invite preview');
  }
  return parsed.data;
}

/**
 * `POST /api/invites/:id/join-tokens`: a room token for a guest (the passcode checked by the server,
 * which reads it as people type it, like the page: see normalisePasscode).
 */
export async function redeemInvite(
  inviteId: string,
  displayName: string,
  passcode: string | undefined,
  fetchFn: FetchLike = defaultFetch,
): Promise<RoomToken> {
  if (!inviteIdSchema.safeParse(inviteId).success) {
    throw new ApiError('invite-invalid', 'malformed invite id');
  }
  const body = await postJson(fetchFn, `/api/invites/${encodeURIComponent(inviteId)}/join-tokens`, {
    displayName,
    ...(passcode !== undefined && passcode !== '' ? { passcode } : {}),
  }).catch((error: unknown) => {
    throw joinFieldRefusal(error);
  });
  const parsed = roomTokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to invite redemption');
  }
  return parsed.data;
}

/** A host token for the signed-in organiser's own meeting (session cookie + CSRF header). */
export async function requestHostToken(
  meetingId: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<RoomToken> {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new ApiError('room-not-found', 'malformed meeting id');
  }
  const session = sessionResponseSchema.safeParse(await getJson(fetchFn, '/api/auth/session'));
  if (!session.success) {
    throw new ApiError('unauthorized', 'not signed in');
  }
  const body = await postJson(
    fetchFn,
    `/api/organiser/meetings/${encodeURIComponent(meetingId)}/host-token`,
    {},
    { [CSRF_HEADER]: session.data.csrfToken },
  );
  const parsed = roomTokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to host token');
  }
  return parsed.data;
}
