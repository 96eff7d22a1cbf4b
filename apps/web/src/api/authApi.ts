import {
  accountInvitationResponseSchema,
  CSRF_HEADER,
  enrolmentCompleteResponseSchema,
  enrolmentStartResponseSchema,
  loginResponseSchema,
  sessionResponseSchema,
  type AccountRole,
  type SessionResponse,
} from '@confidentiel/protocol';
import { ApiError, refusalOf, type FetchLike } from './meetingsApi.ts';

/**
 * Organiser accounts (`/api/auth/*`, `/api/enrolment/*`, `/api/admin/*`).
 * The session itself is an HTTP-only cookie the browser carries; this module
 * only ever sees the CSRF token that state-changing requests must echo.
 * Passwords, codes and enrolment tokens go in request bodies, never in a URL.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT';

export interface RequestOptions {
  body?: unknown;
  /** The session's CSRF token, sent as `x-csrf-token`; required by every state-changing organiser route. */
  csrfToken?: string;
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * One JSON request to signaling's HTTP API on this origin, with the session
 * cookie. A refusal becomes an {@link ApiError} carrying the server's reason.
 */
export async function requestJson(
  fetchFn: FetchLike,
  method: HttpMethod,
  path: string,
  options: RequestOptions = {},
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  if (options.csrfToken !== undefined) {
    headers[CSRF_HEADER] = options.csrfToken;
  }
  let response: Response;
  try {
    response = await fetchFn(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      credentials: 'same-origin',
      // Session answers and meeting lists must not be served from a cache.
      cache: 'no-store',
    });
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
    throw refusalOf(response.status, body, 'not-found');
  }
  return body;
}

/** `POST /api/auth/login`: the password step. Answers the challenge for the one-time code step. */
export async function login(
  email: string,
  password: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<{ challenge: string }> {
  const body = await requestJson(fetchFn, 'POST', '/api/auth/login', { body: { email, password } });
  const parsed = loginResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to login');
  }
  return { challenge: parsed.data.challenge };
}

/** `POST /api/auth/one-time-code`: a TOTP code or a recovery code. The server sets the session cookie. */
export async function submitOneTimeCode(
  challenge: string,
  code: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<SessionResponse> {
  const body = await requestJson(fetchFn, 'POST', '/api/auth/one-time-code', {
    body: { challenge, code: normaliseOneTimeCode(code) },
  });
  return parseSession(body);
}

/** `GET /api/auth/session`: the signed-in account, or null when there is no session (401). */
export async function fetchSession(fetchFn: FetchLike = defaultFetch): Promise<SessionResponse | null> {
  let body: unknown;
  try {
    body = await requestJson(fetchFn, 'GET', '/api/auth/session');
  } catch (error) {
    if (error instanceof ApiError && error.reason === 'unauthorized') {
      return null;
    }
    throw error;
  }
  return parseSession(body);
}

/** `POST /api/auth/logout`. A session already gone counts as signed out. */
export async function logout(csrfToken: string, fetchFn: FetchLike = defaultFetch): Promise<void> {
  try {
    await requestJson(fetchFn, 'POST', '/api/auth/logout', { body: {}, csrfToken });
  } catch (error) {
    if (error instanceof ApiError && error.reason === 'unauthorized') {
      return;
    }
    throw error;
  }
}

export interface EnrolmentStart {
  email: string;
  displayName: string;
  totpSecret: string;
  otpauthUri: string;
}

/** `POST /api/enrolment/start`: what the invitee needs to set up an authenticator app. */
export async function startEnrolment(
  token: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<EnrolmentStart> {
  const body = await requestJson(fetchFn, 'POST', '/api/enrolment/start', { body: { token } });
  const parsed = enrolmentStartResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to enrolment start');
  }
  return parsed.data;
}

/** `POST /api/enrolment/complete`: sets the password; answers the recovery codes, shown once. */
export async function completeEnrolment(
  request: { token: string; password: string; code: string },
  fetchFn: FetchLike = defaultFetch,
): Promise<{ recoveryCodes: string[] }> {
  const body = await requestJson(fetchFn, 'POST', '/api/enrolment/complete', {
    body: { token: request.token, password: request.password, code: request.code.replace(/\s/g, '') },
  });
  const parsed = enrolmentCompleteResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer to enrolment complete');
  }
  return parsed.data;
}

export interface AccountInvitation {
  /** `/inscription#t=<token>`: the token stays in the fragment. */
  enrolPath: string;
  expiresAt: number;
}

/** `POST /api/admin/account-invitations` (admins only). */
export async function inviteAccount(
  csrfToken: string,
  request: { email: string; displayName: string; role: AccountRole },
  fetchFn: FetchLike = defaultFetch,
): Promise<AccountInvitation> {
  const body = await requestJson(fetchFn, 'POST', '/api/admin/account-invitations', {
    body: request,
    csrfToken,
  });
  const parsed = accountInvitationResponseSchema.safeParse(body);
  // The path is shown as a link on this origin: anything but a local enrolment path is refused.
  if (!parsed.success || !parsed.data.enrolPath.startsWith('/inscription#')) {
    throw new ApiError('bad-response', 'unexpected answer to account invitation');
  }
  return parsed.data;
}

/**
 * What people type into a code field: spaces dropped ("123 456"), a recovery
 * code lowercased. The server checks the format; this only forgives typing.
 */
export function normaliseOneTimeCode(code: string): string {
  return code.replace(/\s/g, '').toLowerCase();
}

function parseSession(body: unknown): SessionResponse {
  const parsed = sessionResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected session answer');
  }
  return parsed.data;
}
