import {
  createMeetingResponseSchema,
  errorBodySchema,
  joinTokenResponseSchema,
  meetingIdSchema,
  openMeetingResponseSchema,
  type RefusalReason,
} from '@confidentiel/protocol';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Why a call failed: the server's refusal reason, or one of the client's own.
 * `invalid-name` and `invalid-passcode` are an `invalid-payload` refusal of a
 * join request about that field (see joinFieldRefusal), so the join page names it.
 */
export type ApiErrorReason = RefusalReason | 'network' | 'bad-response' | 'invalid-name' | 'invalid-passcode';

/** A failed HTTP API call, with a reason the UI can translate. */
export class ApiError extends Error {
  readonly reason: ApiErrorReason;
  readonly status: number | null;
  /** The request field an `invalid-payload` refusal is about, when the server named one. */
  readonly field: string | null;

  constructor(
    reason: ApiErrorReason,
    message: string,
    options?: { status?: number; cause?: unknown; field?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.reason = reason;
    this.status = options?.status ?? null;
    this.field = options?.field ?? null;
  }
}

/**
 * A join request's refusal, with the field it is about in its reason: the
 * page must say "this passcode" or "this name", never one for the other.
 */
export function joinFieldRefusal(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.reason !== 'invalid-payload') {
    return error;
  }
  const reason =
    error.field === 'passcode' ? 'invalid-passcode' : error.field === 'displayName' ? 'invalid-name' : null;
  return reason === null
    ? error
    : new ApiError(reason, error.message, {
        ...(error.status === null ? {} : { status: error.status }),
        field: error.field ?? undefined,
        cause: error,
      });
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

export interface CreatedMeeting {
  meetingId: string;
  joinPath: string;
}

/** `POST /api/meetings`. */
export async function createMeeting(
  fetchFn: FetchLike = defaultFetch,
  title?: string,
): Promise<CreatedMeeting> {
  const body = await postJson(fetchFn, '/api/meetings', title ? { title } : {});
  const parsed = createMeetingResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to create meeting');
  }
  return parsed.data;
}

export interface JoinToken {
  token: string;
  expiresAt: number;
}

/**
 * `GET /api/meetings/:id`: whether an open meeting exists, asked before the
 * join form is shown. A malformed id is refused locally, like an unknown one.
 */
export async function getOpenMeeting(meetingId: string, fetchFn: FetchLike = defaultFetch): Promise<void> {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new ApiError('room-not-found', 'malformed meeting id');
  }
  const parsed = openMeetingResponseSchema.safeParse(
    await getJson(fetchFn, `/api/meetings/${encodeURIComponent(meetingId)}`),
  );
  if (!parsed.success || parsed.data.meetingId !== meetingId) {
    throw new ApiError('bad-response', 'unexpected answer to open meeting');
  }
}

/** `POST /api/meetings/:id/join-tokens`. A malformed id is refused locally, like an unknown one. */
export async function requestJoinToken(
  meetingId: string,
  displayName: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<JoinToken> {
  if (!meetingIdSchema.safeParse(meetingId).success) {
    throw new ApiError('room-not-found', 'malformed meeting id');
  }
  const body = await postJson(fetchFn, `/api/meetings/${encodeURIComponent(meetingId)}/join-tokens`, {
    displayName,
  }).catch((error: unknown) => {
    throw joinFieldRefusal(error);
  });
  const parsed = joinTokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to join token');
  }
  return parsed.data;
}

export function postJson(
  fetchFn: FetchLike,
  path: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  return sendJson(fetchFn, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(payload),
    credentials: 'same-origin',
  });
}

export function getJson(fetchFn: FetchLike, path: string): Promise<unknown> {
  return sendJson(fetchFn, path, {
    method: 'GET',
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
}

async function sendJson(fetchFn: FetchLike, path: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchFn(path, init);
  } catch (error) {
    throw new ApiError('network', 'the server could not be reached', { cause: error });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw refusalOf(response.status, body);
  }
  return body;
}

/**
 * The reason of a refusal that came without a readable body (a proxy's page,
 * an old server). `notFound` says what a 404 means where the call was made.
 */
export function statusReason(status: number, notFound: ApiErrorReason = 'room-not-found'): ApiErrorReason {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return notFound;
    case 409:
      return 'conflict';
    case 413:
      return 'too-large';
    case 429:
      return 'rate-limited';
    case 502:
    case 503:
    case 504:
      // The proxy in front of signaling answers for it when it is down.
      return 'network';
    default:
      return status >= 500 ? 'internal' : 'bad-response';
  }
}

/** The ApiError of a refused answer: the server's `{reason, message}`, else one made from the status. */
export function refusalOf(status: number, body: unknown, notFound?: ApiErrorReason): ApiError {
  const refusal = errorBodySchema.safeParse(body);
  if (refusal.success) {
    const { reason, message, field } = refusal.data;
    return new ApiError(reason, message, { status, ...(field === undefined ? {} : { field }) });
  }
  return new ApiError(statusReason(status, notFound), `HTTP ${status}`, { status });
}
