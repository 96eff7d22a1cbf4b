/**
 * A real express app with the organiser routes on loopback, real SQLite
 * (`:memory:`), a real TokenService; driven by fetch. Only the account
 * middleware is a stand-in: it trusts the `x-test-account` header.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express, { type RequestHandler } from 'express';
import { pino } from 'pino';
import { expect } from 'vitest';
import {
  createInviteResponseSchema,
  meetingDetailResponseSchema,
  meetingSummarySchema,
  roomTokenClaimsSchema,
  roomTokenResponseSchema,
  type MeetingSummary,
  type RoomTokenClaims,
} from '@confidentiel/protocol';
import type { z } from 'zod';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import type { HashGate } from '../../src/crypto/HashGate.ts';
import { TEST_COST } from '../../src/crypto/secretHash.ts';
import type { InviteStore } from '../../src/invites/InviteStore.ts';
import { SqliteInviteStore } from '../../src/invites/SqliteInviteStore.ts';
import type { PasscodeLimits } from '../../src/invites/PasscodeAttempts.ts';
import type { MeetingStore } from '../../src/meetings/MeetingStore.ts';
import { SqliteMeetingStore } from '../../src/meetings/SqliteMeetingStore.ts';
import { organiserRoutes } from '../../src/organiser/organiserRoutes.ts';
import { ROOM_AUDIENCE, ROOM_TOKEN_TYPE } from '../../src/socket/authenticate.ts';
import { Database } from '../../src/storage/Database.ts';

export const ACCOUNT_HEADER = 'x-test-account';
export const ALICE = 'account-alice-0001';
export const BOB = 'account-bob-000002';
export const JOIN_TOKEN_TTL = 300;

/** Stands in for the accounts feature's requireAccount: the account id comes from a header. */
export const testRequireAccount: RequestHandler = (req, res, next) => {
  const accountId = req.get(ACCOUNT_HEADER);
  if (accountId === undefined) {
    res.status(401).json({ reason: 'unauthorized', message: 'sign in first' });
    return;
  }
  res.locals.account = {
    accountId,
    email: `${accountId}@example.test`,
    displayName: `Maître ${accountId.split('-')[1] ?? accountId}`,
    role: 'organiser',
  };
  next();
};

export interface Clock {
  now: () => number;
  advance: (ms: number) => void;
}

/** A clock tests move by hand, starting at a fixed date. */
export function manualClock(start = Date.UTC(2030, 0, 15, 9, 0, 0)): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface OrganiserApp {
  baseUrl: string;
  /** The SQLite database of the stores (left empty when `stores` were given). */
  database: Database;
  meetings: MeetingStore;
  invites: InviteStore;
  tokens: TokenService;
  clock: Clock;
  /** Every log line written, as JSON text. */
  logs: string[];
  /** A JSON request as organiser `account` (no header when undefined). */
  call(
    method: string,
    path: string,
    options?: { account?: string | undefined; body?: unknown; raw?: string },
  ): Promise<Response>;
  createMeeting(account?: string, overrides?: Record<string, unknown>): Promise<MeetingSummary>;
  createInvite(
    meetingId: string,
    body: Record<string, unknown>,
    account?: string,
  ): Promise<z.infer<typeof createInviteResponseSchema>>;
  detail(meetingId: string, account?: string): Promise<z.infer<typeof meetingDetailResponseSchema>>;
  /** POST join-tokens for an invite. */
  redeem(inviteId: string, body: Record<string, unknown>): Promise<Response>;
  /** Checks a room token answer and gives its verified claims. */
  claimsOf(res: Response): Promise<RoomTokenClaims>;
  close(): Promise<void>;
}

export async function startOrganiserApp(
  options: {
    passcodeLimits?: PasscodeLimits;
    clock?: Clock;
    passcodeGate?: HashGate;
    /** Stores of another engine (made with `clock`); SQLite `:memory:` ones when absent. */
    stores?: { meetings: MeetingStore; invites: InviteStore };
  } = {},
): Promise<OrganiserApp> {
  const clock = options.clock ?? manualClock();
  const database = new Database(':memory:');
  const meetings = options.stores?.meetings ?? new SqliteMeetingStore({ database, now: clock.now });
  const invites = options.stores?.invites ?? new SqliteInviteStore({ database, now: clock.now });
  // Tokens keep real time: jsonwebtoken checks exp against it.
  const tokens = new TokenService({ keys: KeyRing.generate(), issuer: 'organiser-test' });
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  );
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/api',
    organiserRoutes({
      meetings,
      invites,
      tokens,
      requireAccount: testRequireAccount,
      joinTokenTtl: JOIN_TOKEN_TTL,
      now: clock.now,
      passcodeCost: TEST_COST,
      logger,
      ...(options.passcodeLimits ? { passcodeLimits: options.passcodeLimits } : {}),
      ...(options.passcodeGate ? { passcodeGate: options.passcodeGate } : {}),
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call: OrganiserApp['call'] = (method, path, callOptions = {}) => {
    const headers: Record<string, string> = {};
    const account = 'account' in callOptions ? callOptions.account : ALICE;
    if (account !== undefined) {
      headers[ACCOUNT_HEADER] = account;
    }
    let body: string | undefined;
    if (callOptions.raw !== undefined) {
      body = callOptions.raw;
    } else if (callOptions.body !== undefined) {
      body = JSON.stringify(callOptions.body);
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    return fetch(`${baseUrl}/api${path}`, { method, headers, body });
  };

  const created = async <T>(res: Response, schema: z.ZodType<T>, status = 201): Promise<T> => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return schema.parse(JSON.parse(text));
  };

  return {
    baseUrl,
    database,
    meetings,
    invites,
    tokens,
    clock,
    logs,
    call,
    async createMeeting(account = ALICE, overrides = {}) {
      const res = await call('POST', '/organiser/meetings', {
        account,
        body: {
          title: 'Consultation Dupont',
          kind: 'consultation',
          startsAt: clock.now() + 3_600_000,
          ...overrides,
        },
      });
      return created(res, meetingSummarySchema);
    },
    async createInvite(meetingId, body, account = ALICE) {
      const res = await call('POST', `/organiser/meetings/${meetingId}/invites`, { account, body });
      return created(res, createInviteResponseSchema);
    },
    async detail(meetingId, account = ALICE) {
      const res = await call('GET', `/organiser/meetings/${meetingId}`, { account });
      return created(res, meetingDetailResponseSchema, 200);
    },
    redeem(inviteId, body) {
      return call('POST', `/invites/${inviteId}/join-tokens`, { account: undefined, body });
    },
    async claimsOf(res) {
      const answer = await created(res, roomTokenResponseSchema);
      const verified = tokens.verify(answer.token, { audience: ROOM_AUDIENCE, typ: ROOM_TOKEN_TYPE });
      expect(verified.exp).toBe(answer.expiresAt);
      const claims = roomTokenClaimsSchema.parse({
        ...verified.claims,
        sub: verified.sub,
        typ: verified.typ,
      });
      expect(claims.room).toBe(answer.meetingId);
      return claims;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      database.close();
    },
  };
}

/** The JSON body of an error answer, checked against its status. */
export async function errorOf(res: Response, status: number): Promise<{ reason: string; message: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as { reason: string; message: string };
}
