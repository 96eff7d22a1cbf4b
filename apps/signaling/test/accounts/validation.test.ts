import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '@confidentiel/protocol';
import {
  PASSWORD,
  sessionSetCookie,
  snapshot,
  startAccountsHarness,
  type AccountsHarness,
  type RequestOptions,
  type SignedIn,
} from './support.ts';

interface Case {
  name: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** Start of the message (the first zod issue's path, as describeIssue words it). */
  message?: string | RegExp;
  /** 400 unless told (415: a charset or encoding the parser does not read). */
  status?: number;
}

const challenge = 'c'.repeat(43);
const token = 't'.repeat(43);

/** Every account endpoint that takes a body, with bodies it must refuse before doing anything. */
const cases: Record<string, Case[]> = {
  '/api/auth/login': [
    { name: 'an extra key', body: { email: 'ada@example.org', password: PASSWORD, role: 'admin' } },
    {
      name: 'a __proto__ key',
      raw: `{"email":"ada@example.org","password":"${PASSWORD}","__proto__":{"polluted":true}}`,
    },
    {
      name: 'a huge password',
      body: { email: 'ada@example.org', password: 'x'.repeat(10_000) },
      message: /^password: /,
    },
    {
      name: 'a huge email',
      body: { email: `${'a'.repeat(300)}@example.org`, password: PASSWORD },
      message: /^email: /,
    },
    { name: 'not an email', body: { email: 'ada', password: PASSWORD }, message: /^email: / },
    { name: 'a number for the email', body: { email: 5, password: PASSWORD } },
    { name: 'no password', body: { email: 'ada@example.org' }, message: /^password: / },
    { name: 'an array', body: [] },
    { name: 'null', raw: 'null' },
    { name: 'a string', raw: '"ada@example.org"' },
    { name: 'malformed JSON', raw: '{"email":', message: 'malformed JSON' },
    {
      name: 'an unsupported charset',
      raw: JSON.stringify({ email: 'ada@example.org', password: PASSWORD }),
      contentType: 'application/json; charset=iso-8859-1',
      message: 'unsupported charset: send UTF-8',
      status: 415,
    },
    {
      name: 'JSON sent as text/plain',
      raw: JSON.stringify({ email: 'ada@example.org', password: PASSWORD }),
      contentType: 'text/plain',
    },
  ],
  '/api/auth/one-time-code': [
    { name: 'an extra key', body: { challenge, code: '123456', remember: true } },
    { name: 'a 5-digit code', body: { challenge, code: '12345' }, message: /^code: / },
    { name: 'an uppercase recovery code', body: { challenge, code: 'ABCD-EFGH-IJKL' }, message: /^code: / },
    { name: 'a short challenge', body: { challenge: 'short', code: '123456' }, message: /^challenge: / },
    {
      name: 'a huge challenge',
      body: { challenge: 'c'.repeat(12_000), code: '123456' },
      message: /^challenge: /,
    },
    { name: 'a __proto__ key', raw: `{"challenge":"${challenge}","code":"123456","__proto__":{"x":1}}` },
  ],
  '/api/enrolment/start': [
    { name: 'an extra key', body: { token, email: 'eve@example.org' } },
    { name: 'a short token', body: { token: 'abc' }, message: /^token: / },
    { name: 'a __proto__ key', raw: `{"token":"${token}","__proto__":{"x":1}}` },
  ],
  '/api/enrolment/complete': [
    { name: 'a short password', body: { token, password: 'short', code: '123456' }, message: /^password: / },
    {
      name: 'a huge password',
      body: { token, password: 'p'.repeat(12_000), code: '123456' },
      message: /^password: /,
    },
    {
      name: 'a recovery code instead of a TOTP code',
      body: { token, password: PASSWORD, code: 'abcd-efgh-ijkl' },
    },
    { name: 'an extra key', body: { token, password: PASSWORD, code: '123456', role: 'admin' } },
    {
      name: 'a __proto__ key',
      raw: `{"token":"${token}","password":"${PASSWORD}","code":"123456","__proto__":{"role":"admin"}}`,
    },
  ],
  '/api/admin/account-invitations': [
    { name: 'an extra key', body: { email: 'eve@example.org', displayName: 'Eve', admin: true } },
    {
      name: 'an unknown role',
      body: { email: 'eve@example.org', displayName: 'Eve', role: 'root' },
      message: /^role: /,
    },
    {
      name: 'a control character in the name',
      body: { email: 'eve@example.org', displayName: 'Eve\u0000' },
      message: /^displayName: /,
    },
    {
      name: 'a huge name',
      body: { email: 'eve@example.org', displayName: 'E'.repeat(5_000) },
      message: /^displayName: /,
    },
    {
      name: 'a __proto__ key',
      raw: '{"email":"eve@example.org","displayName":"Eve","__proto__":{"role":"admin"}}',
    },
  ],
};

describe('malformed bodies are refused with 400 invalid-payload and change nothing', () => {
  let h: AccountsHarness;
  let admin: SignedIn;

  beforeAll(async () => {
    h = await startAccountsHarness();
    await h.createAccount('ada@example.org');
    admin = await h.signIn(await h.createAccount('admin@example.org', 'admin'));
  });

  afterAll(async () => {
    await h.close();
  });

  for (const [path, list] of Object.entries(cases)) {
    for (const c of list) {
      it(`${path}: refuses ${c.name}`, async () => {
        const before = snapshot(h.db);
        const options: RequestOptions = path.startsWith('/api/admin/')
          ? { cookie: admin.cookie, csrf: admin.csrfToken }
          : {};
        if (c.raw !== undefined) {
          options.raw = c.raw;
        }
        if (c.contentType !== undefined) {
          options.contentType = c.contentType;
        }
        const res = await h.post(path, c.raw === undefined ? c.body : undefined, options);
        expect(res.status).toBe(c.status ?? 400);
        const body = errorBodySchema.parse(await res.json());
        expect(body.reason).toBe('invalid-payload');
        if (typeof c.message === 'string') {
          expect(body.message).toBe(c.message);
        } else if (c.message) {
          expect(body.message).toMatch(c.message);
        }
        if (c.name === 'an extra key' || c.name === 'a __proto__ key') {
          expect(body.message).toMatch(/^\(root\): Unrecognized key/);
        }
        expect(sessionSetCookie(res)).toBeUndefined();
        expect(snapshot(h.db)).toBe(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).role).toBeUndefined();
      });
    }
  }

  it('refuses a body over 16 kB with 413 too-large', async () => {
    const before = snapshot(h.db);
    const res = await h.post('/api/auth/login', { email: 'ada@example.org', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ reason: 'too-large', message: 'request body too large' });
    expect(snapshot(h.db)).toBe(before);
  });

  it('still signs in after all that (the refusals counted no failure)', async () => {
    const challenge = await h.login('ada@example.org');
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h.count('account_login_failures')).toBe(0);
  });
});
