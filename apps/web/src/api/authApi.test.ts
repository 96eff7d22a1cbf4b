import { describe, expect, it } from 'vitest';
import {
  completeEnrolment,
  fetchSession,
  inviteAccount,
  login,
  logout,
  normaliseOneTimeCode,
  requestJson,
  startEnrolment,
  submitOneTimeCode,
} from './authApi.ts';
import { ApiError, type FetchLike } from './meetingsApi.ts';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: unknown, calls: Call[] = []): FetchLike {
  return (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
    );
  };
}

function headersOf(call: Call | undefined): Record<string, string> {
  return (call?.init.headers ?? {}) as Record<string, string>;
}

function bodyOf(call: Call | undefined): unknown {
  return JSON.parse(call?.init.body as string);
}

const CSRF = 'csrf-0123456789abcdef';
const SESSION = {
  account: {
    accountId: 'acct-0001',
    email: 'avocat@example.fr',
    displayName: 'Maître Dupont',
    role: 'organiser',
  },
  csrfToken: CSRF,
  recoveryCodesLeft: 10,
};

describe('auth API', () => {
  it('sends the password step as a same-origin JSON POST, without a CSRF header', async () => {
    const calls: Call[] = [];
    const answer = await login(
      'avocat@example.fr',
      'correct horse battery',
      fakeFetch(200, { step: 'one-time-code', challenge: 'c'.repeat(32) }, calls),
    );
    expect(answer).toEqual({ challenge: 'c'.repeat(32) });
    expect(calls[0]?.url).toBe('/api/auth/login');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(headersOf(calls[0])['content-type']).toBe('application/json');
    expect(headersOf(calls[0])['x-csrf-token']).toBeUndefined();
    expect(bodyOf(calls[0])).toEqual({ email: 'avocat@example.fr', password: 'correct horse battery' });
  });

  it('maps a wrong password and a locked account to their reasons', async () => {
    await expect(
      login('a@example.fr', 'x', fakeFetch(401, { reason: 'invalid-credentials', message: 'no' })),
    ).rejects.toMatchObject({ reason: 'invalid-credentials', status: 401 });
    await expect(
      login('a@example.fr', 'x', fakeFetch(423, { reason: 'locked-out', message: 'later' })),
    ).rejects.toMatchObject({ reason: 'locked-out', status: 423 });
    await expect(
      login('a@example.fr', 'x', fakeFetch(429, { reason: 'rate-limited', message: 'slow down' })),
    ).rejects.toMatchObject({ reason: 'rate-limited' });
  });

  it('forgives spaces and capitals in a typed code, and returns the session', async () => {
    const calls: Call[] = [];
    const session = await submitOneTimeCode(
      'c'.repeat(32),
      ' ABCD-EFGH-2345 ',
      fakeFetch(200, SESSION, calls),
    );
    expect(session).toEqual(SESSION);
    expect(calls[0]?.url).toBe('/api/auth/one-time-code');
    expect(bodyOf(calls[0])).toEqual({ challenge: 'c'.repeat(32), code: 'abcd-efgh-2345' });
    expect(normaliseOneTimeCode('123 456')).toBe('123456');
  });

  it('reads the session, and answers null when there is none', async () => {
    const calls: Call[] = [];
    await expect(fetchSession(fakeFetch(200, SESSION, calls))).resolves.toEqual(SESSION);
    expect(calls[0]?.url).toBe('/api/auth/session');
    expect(calls[0]?.init.method).toBe('GET');
    expect(calls[0]?.init.body).toBeUndefined();
    await expect(
      fetchSession(fakeFetch(401, { reason: 'unauthorized', message: 'no session' })),
    ).resolves.toBe(null);
    await expect(fetchSession(fakeFetch(500, { reason: 'internal', message: 'oops' }))).rejects.toMatchObject(
      {
        reason: 'internal',
      },
    );
  });

  it('rejects a session answer that does not match the schema', async () => {
    await expect(fetchSession(fakeFetch(200, { ...SESSION, csrfToken: 'short' }))).rejects.toMatchObject({
      reason: 'bad-response',
    });
  });

  it('signs out with the CSRF header, and treats a session already gone as signed out', async () => {
    const calls: Call[] = [];
    await logout(CSRF, fakeFetch(204, undefined, calls));
    expect(calls[0]?.url).toBe('/api/auth/logout');
    expect(headersOf(calls[0])['x-csrf-token']).toBe(CSRF);
    await expect(logout(CSRF, fakeFetch(401, { reason: 'unauthorized', message: 'x' }))).resolves.toBe(
      undefined,
    );
    await expect(logout(CSRF, fakeFetch(403, { reason: 'csrf', message: 'x' }))).rejects.toMatchObject({
      reason: 'csrf',
    });
  });

  it('starts and completes an enrolment with the token in the body only', async () => {
    const token = 't'.repeat(43);
    const calls: Call[] = [];
    const start = await startEnrolment(
      token,
      fakeFetch(
        200,
        {
          email: 'avocat@example.fr',
          displayName: 'Maître Dupont',
          totpSecret: 'JBSWY3DPEHPK3PXP',
          otpauthUri: 'otpauth://totp/Confidentiel:avocat@example.fr?secret=JBSWY3DPEHPK3PXP',
        },
        calls,
      ),
    );
    expect(start.totpSecret).toBe('JBSWY3DPEHPK3PXP');
    expect(calls[0]?.url).toBe('/api/enrolment/start');
    expect(bodyOf(calls[0])).toEqual({ token });

    const codes = Array.from({ length: 10 }, (_, i) => `abcd-efgh-ij${i}2`);
    const done = await completeEnrolment(
      { token, password: 'a long enough passphrase', code: '123 456' },
      fakeFetch(200, { recoveryCodes: codes }, calls),
    );
    expect(done.recoveryCodes).toEqual(codes);
    expect(calls[1]?.url).toBe('/api/enrolment/complete');
    expect(bodyOf(calls[1])).toEqual({ token, password: 'a long enough passphrase', code: '123456' });
    for (const call of calls) {
      expect(call.url).not.toContain(token);
    }
  });

  it('refuses an enrolment start whose otpauth URI is not one', async () => {
    await expect(
      startEnrolment(
        't'.repeat(43),
        fakeFetch(200, {
          email: 'a@example.fr',
          displayName: 'A',
          totpSecret: 'JBSWY3DPEHPK3PXP',
          otpauthUri: 'javascript:alert(1)',
        }),
      ),
    ).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('invites an organiser with the CSRF header and accepts only a local enrolment path', async () => {
    const calls: Call[] = [];
    const invitation = await inviteAccount(
      CSRF,
      { email: 'greffe@example.fr', displayName: 'Greffe', role: 'organiser' },
      fakeFetch(201, { enrolPath: '/inscription#t=abc', expiresAt: 1_000 }, calls),
    );
    expect(invitation).toEqual({ enrolPath: '/inscription#t=abc', expiresAt: 1_000 });
    expect(calls[0]?.url).toBe('/api/admin/account-invitations');
    expect(headersOf(calls[0])['x-csrf-token']).toBe(CSRF);
    expect(bodyOf(calls[0])).toEqual({
      email: 'greffe@example.fr',
      displayName: 'Greffe',
      role: 'organiser',
    });
    await expect(
      inviteAccount(
        CSRF,
        { email: 'a@example.fr', displayName: 'A', role: 'admin' },
        fakeFetch(201, { enrolPath: '//evil.example/inscription#t=abc', expiresAt: 1 }),
      ),
    ).rejects.toMatchObject({ reason: 'bad-response' });
  });

  it('maps errors without a body by status, and a network failure to network', async () => {
    const bare =
      (status: number): FetchLike =>
      () =>
        Promise.resolve(new Response('<html>', { status }));
    await expect(requestJson(bare(401), 'GET', '/api/x')).rejects.toMatchObject({ reason: 'unauthorized' });
    await expect(requestJson(bare(404), 'GET', '/api/x')).rejects.toMatchObject({ reason: 'not-found' });
    await expect(requestJson(bare(409), 'GET', '/api/x')).rejects.toMatchObject({ reason: 'conflict' });
    await expect(requestJson(bare(503), 'GET', '/api/x')).rejects.toMatchObject({ reason: 'network' });
    await expect(requestJson(bare(500), 'GET', '/api/x')).rejects.toMatchObject({ reason: 'internal' });
    const offline: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    const failure = await requestJson(offline, 'GET', '/api/x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ reason: 'network', status: null });
  });
});
