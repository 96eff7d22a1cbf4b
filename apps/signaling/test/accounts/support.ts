/**
 * Accounts test harness: a real SQLite database, the real accounts router in
 * a real express app on loopback, driven with fetch the way a browser would.
 * Time is a fake clock the tests move; TOTP codes are made by the test from
 * the secret with otpauth, as an authenticator app would.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { Secret, TOTP } from 'otpauth';
import {
  CSRF_HEADER,
  SESSION_COOKIE,
  loginResponseSchema,
  sessionResponseSchema,
  type AccountRole,
  type SessionResponse,
} from '@confidentiel/protocol';
import type { HashGate } from '../../src/crypto/HashGate.ts';
import { TEST_COST, type ScryptCost } from '../../src/crypto/secretHash.ts';
import { Database } from '../../src/storage/Database.ts';
import type { AccountRateLimits } from '../../src/accounts/accountRoutes.ts';
import { createAccounts, type Accounts } from '../../src/accounts/createAccounts.ts';
import { accountOf } from '../../src/accounts/requireAccount.ts';

/** The Origin the test browser sends (and the service allows). */
export const ORIGIN = 'http://localhost:1234';
export const PASSWORD = 'correct horse battery staple';
/** A fixed start, on a TOTP step boundary (tests reason in steps). */
export const START = Date.UTC(2030, 0, 7, 9, 0, 0);
/** Limits high enough that only the rate-limit tests meet them. */
export const NO_LIMITS: AccountRateLimits = {
  loginPerIp: { points: 10_000, durationS: 60 },
  loginPerEmail: { points: 10_000, durationS: 60 },
  oneTimeCodePerIp: { points: 10_000, durationS: 60 },
  enrolmentPerIp: { points: 10_000, durationS: 60 },
  failedSignIns: { points: 10_000, durationS: 60 },
};

export class FakeClock {
  #t: number;

  constructor(start = START) {
    this.#t = start;
  }

  readonly now = (): number => this.#t;

  advance(ms: number): void {
    this.#t += ms;
  }
}

/** The code an authenticator app shows at `timestamp` (ms). */
export function totpCode(secret: string, timestamp: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({
    timestamp,
  });
}

export interface RequestOptions {
  cookie?: string;
  csrf?: string;
  /** Defaults to ORIGIN; `null` sends none. */
  origin?: string | null;
  headers?: Record<string, string>;
  /** A raw body (sent as is) instead of JSON. */
  raw?: string;
  contentType?: string;
}

export interface SignedIn {
  /** `confidentiel_session=…`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
  session: SessionResponse;
  setCookie: string;
}

export interface TestAccount {
  accountId: string;
  email: string;
  totpSecret: string;
  recoveryCodes: string[];
}

export interface AccountsHarness {
  baseUrl: string;
  port: number;
  clock: FakeClock;
  db: Database;
  accounts: Accounts;
  /** Every log line written, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Raw log output (to search for what must never be logged). */
  logText: () => string;
  post(path: string, body: unknown, options?: RequestOptions): Promise<Response>;
  get(path: string, options?: RequestOptions): Promise<Response>;
  createAccount(email: string, role?: AccountRole, displayName?: string): Promise<TestAccount>;
  /** Password step; the challenge. */
  login(email: string, password?: string): Promise<string>;
  /** Both steps with the code of the current time; fails the test on any refusal. */
  signIn(account: { email: string; totpSecret: string }, password?: string): Promise<SignedIn>;
  /** Rows of a table (to check what changed or not). */
  count(table: string): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  limits?: Partial<AccountRateLimits>;
  secureCookies?: boolean;
  db?: Database;
  now?: FakeClock;
  /** Keep the database open on close (it belongs to the test). */
  keepDb?: boolean;
  /** TEST_COST unless given. */
  passwordCost?: ScryptCost;
  /** The gate of password hashes; one of the service's own unless given. */
  hashGate?: HashGate;
}

export async function startAccountsHarness(options: HarnessOptions = {}): Promise<AccountsHarness> {
  const clock = options.now ?? new FakeClock();
  const db = options.db ?? new Database(':memory:');
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const accounts = createAccounts({
    db,
    logger,
    now: clock.now,
    passwordCost: options.passwordCost ?? TEST_COST,
    secureCookies: options.secureCookies ?? false,
    allowedOrigins: [ORIGIN],
    limits: { ...NO_LIMITS, ...options.limits },
    ...(options.hashGate ? { hashGate: options.hashGate } : {}),
  });
  const app = express();
  app.use('/api', accounts.router);
  // An organiser route of another feature, guarded the way the app owner will.
  app.post('/api/probe', accounts.requireAccount, (_req, res) => {
    res.json({ account: accountOf(res), locals: res.locals.account as unknown });
  });
  app.get('/api/probe', accounts.requireAccount, (_req, res) => {
    res.json({ account: accountOf(res) });
  });
  app.post('/api/admin-probe', accounts.requireAdmin, (_req, res) => {
    res.json({ ok: true });
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const send = (method: string, path: string, body: unknown, o: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const origin = o.origin === undefined ? ORIGIN : o.origin;
    if (origin !== null) {
      headers.origin = origin;
    }
    if (o.cookie !== undefined) {
      headers.cookie = o.cookie;
    }
    if (o.csrf !== undefined) {
      headers[CSRF_HEADER] = o.csrf;
    }
    let payload: string | undefined;
    if (o.raw !== undefined) {
      payload = o.raw;
      headers['content-type'] = o.contentType ?? 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    return fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  };

  const harness: AccountsHarness = {
    baseUrl,
    port,
    clock,
    db,
    accounts,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => lines.join(''),
    post: (path, body, o) => send('POST', path, body, o),
    get: (path, o) => send('GET', path, undefined, o),
    async createAccount(email, role = 'organiser', displayName = 'Maître Test') {
      const created = await accounts.service.createAccount({ email, displayName, role, password: PASSWORD });
      return {
        accountId: created.account.accountId,
        email: created.account.email,
        totpSecret: created.totpSecret,
        recoveryCodes: created.recoveryCodes,
      };
    },
    async login(email, password = PASSWORD) {
      const res = await harness.post('/api/auth/login', { email, password });
      const body: unknown = await res.json();
      if (res.status !== 200) {
        throw new Error(`login refused: ${res.status} ${JSON.stringify(body)}`);
      }
      return loginResponseSchema.parse(body).challenge;
    },
    async signIn(account, password = PASSWORD) {
      const challenge = await harness.login(account.email, password);
      const res = await harness.post('/api/auth/one-time-code', {
        challenge,
        code: totpCode(account.totpSecret, clock.now()),
      });
      const body: unknown = await res.json();
      if (res.status !== 200) {
        throw new Error(`one-time code refused: ${res.status} ${JSON.stringify(body)}`);
      }
      const setCookie = sessionSetCookie(res);
      if (!setCookie) {
        throw new Error('no session cookie');
      }
      const session = sessionResponseSchema.parse(body);
      return { cookie: setCookie.split(';')[0]!, csrfToken: session.csrfToken, session, setCookie };
    },
    count(table) {
      return (db.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    },
    async close() {
      accounts.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.keepDb) {
        db.close();
      }
    },
  };
  return harness;
}

/** The Set-Cookie header of the session cookie, if the response sets it. */
export function sessionSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

/** Tables of the accounts feature, to check that a refused request changed none. */
export const ACCOUNT_TABLES = [
  'accounts',
  'account_recovery_codes',
  'account_login_failures',
  'account_login_challenges',
  'account_sessions',
  'account_invitations',
] as const;

/** A snapshot of every accounts table (row counts and content). */
export function snapshot(db: Database): string {
  return JSON.stringify(
    ACCOUNT_TABLES.map((table) => db.sqlite.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()),
  );
}

/** A POST from another loopback address (127.0.0.x), to tell per-address limits apart. */
export function postFrom(
  localAddress: string,
  port: number,
  path: string,
  body: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          origin: ORIGIN,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
