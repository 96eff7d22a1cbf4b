/**
 * Committee session tests: a real SFU and a real signaling server with its
 * own temporary DATA_DIR (SQLite file, journal key, journal files), a real
 * organiser account signed in over HTTP (password + TOTP), and members
 * joining with crafted room tokens of any role.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { expect } from 'vitest';
import {
  CSRF_HEADER,
  PROTOCOL_VERSION,
  agendaResponseSchema,
  committeeStateSchema,
  loginResponseSchema,
  sessionResponseSchema,
  type AgendaItem,
  type AgendaItemInput,
  type CommitteeState,
  type Ack,
  type MemberRole,
  type RequestOf,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { publicKeyFromPem, publicKeyMap, verifyJournal, type JournalReport } from '@confidentiel/journal';
import { createAccounts } from '../../src/accounts/createAccounts.ts';
import { loadSignalingConfig } from '../../src/config.ts';
import { TEST_COST } from '../../src/crypto/secretHash.ts';
import type { JournalSummary } from '../../src/committee/JournalService.ts';
import { ROOM_TOKEN_ISSUER, startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import { Database } from '../../src/storage/Database.ts';
import { PASSWORD, totpCode } from '../accounts/support.ts';
import { issueToken, type IssuedToken } from '../security/support.ts';
import {
  attemptConnect,
  captureLogger,
  okData,
  ORIGIN,
  recordEvents,
  refusalOf,
  request,
  roomKeyId,
  sleep,
  startTestSfu,
  TEST_IDENTITY,
  waitFor,
  type CapturedLogger,
  type ClientSocket,
  type RoomRequestName,
  type SfuHarness,
} from '../support/harness.ts';

export interface Organiser {
  accountId: string;
  email: string;
  cookie: string;
  csrf: string;
}

/** Someone in (or waiting at) a committee meeting's room. */
export interface Person {
  memberId: string;
  name: string;
  role: MemberRole;
  token: IssuedToken;
  socket: ClientSocket;
  events: Map<string, unknown[]>;
  status: 'joined' | 'waiting';
}

/** A parsed journal line. */
export interface Entry {
  seq: number;
  at: number;
  sessionId: string;
  type: string;
  data: Record<string, unknown>;
  prev: string;
  hash: string;
  signature: string;
  keyId: string;
}

export interface CommitteeHarness {
  sfu: SfuHarness;
  signaling: RunningSignaling;
  baseUrl: string;
  dataDir: string;
  databasePath: string;
  roomTokens: TokenService;
  logs: CapturedLogger;
  /** The organiser who owns the meetings, and another one. */
  owner: Organiser;
  stranger: Organiser;
  createMeeting(kind?: 'committee' | 'meeting' | 'consultation', owner?: Organiser): Promise<string>;
  /** An HTTP request to `/api…`, as `as` (an organiser with cookie and CSRF, a bearer token, or nobody). */
  api(
    method: string,
    path: string,
    options?: { as?: Organiser | { bearer: string } | null; body?: unknown; csrf?: boolean },
  ): Promise<Response>;
  putAgenda(meetingId: string, items: Partial<AgendaItemInput>[]): Promise<AgendaItem[]>;
  /** Connects with a crafted token of `role` and joins. */
  arrive(meetingId: string, role: MemberRole, name: string, options?: { lobby?: boolean }): Promise<Person>;
  journals(meetingId: string): Promise<JournalSummary[]>;
  journalText(meetingId: string, sessionId: string): Promise<string>;
  publicKeyPem(): Promise<string>;
  verify(text: string, tsaCertificates?: string[]): Promise<JournalReport>;
  close(): Promise<void>;
}

export interface CommitteeHarnessOptions {
  tsaUrl?: string;
  tsaEvery?: number;
}

const silentLogger = pino({ level: 'silent' });

/** Creates the organiser accounts in the database file, before signaling opens it. */
async function createOrganisers(databasePath: string): Promise<{ email: string; totpSecret: string }[]> {
  const db = new Database(databasePath);
  const accounts = createAccounts({
    db,
    logger: silentLogger,
    secureCookies: false,
    allowedOrigins: [ORIGIN],
    passwordCost: TEST_COST,
  });
  try {
    const made = [];
    for (const [email, displayName] of [
      ['greffe@barreau.example', 'Maître Martin'],
      ['autre@mairie.example', 'Mme Durand'],
    ] as const) {
      const created = await accounts.service.createAccount({
        email,
        displayName,
        role: 'organiser',
        password: PASSWORD,
      });
      made.push({ email, totpSecret: created.totpSecret });
    }
    return made;
  } finally {
    accounts.close();
    db.close();
  }
}

async function signIn(baseUrl: string, email: string, totpSecret: string): Promise<Organiser> {
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify(body),
    });
  const login = await post('/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(200);
  const { challenge } = loginResponseSchema.parse(await login.json());
  const res = await post('/auth/one-time-code', { challenge, code: totpCode(totpSecret, Date.now()) });
  expect(res.status).toBe(200);
  const session = sessionResponseSchema.parse(await res.json());
  const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
  return { accountId: session.account.accountId, email, cookie, csrf: session.csrfToken };
}

export async function startCommitteeHarness(
  options: CommitteeHarnessOptions = {},
): Promise<CommitteeHarness> {
  const sfu = await startTestSfu();
  const dataDir = await mkdtemp(join(tmpdir(), 'committee-'));
  const databasePath = join(dataDir, 'confidentiel.sqlite');
  const tokenSecret = randomBytes(32).toString('hex');
  const logs = captureLogger('signaling');
  let signaling: RunningSignaling;
  let organisers: { email: string; totpSecret: string }[];
  try {
    organisers = await createOrganisers(databasePath);
    const config = loadSignalingConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      ALLOWED_ORIGINS: ORIGIN,
      SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
      SFU_CONTROL_SECRET: sfu.secret,
      TOKEN_SECRET: tokenSecret,
      LOG_LEVEL: 'debug',
      DATA_DIR: dataDir,
      ...(options.tsaUrl ? { TSA_URL: options.tsaUrl } : {}),
      ...(options.tsaEvery ? { TSA_EVERY: String(options.tsaEvery) } : {}),
    });
    signaling = await startSignaling(config, { logger: logs.logger, passwordCost: TEST_COST });
  } catch (error) {
    await sfu.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = signaling.url;
  const secret = Buffer.from(tokenSecret, 'hex');
  const roomTokens = new TokenService({
    keys: new KeyRing([{ kid: roomKeyId(secret), secret }]),
    issuer: ROOM_TOKEN_ISSUER,
  });
  const owner = await signIn(baseUrl, organisers[0]!.email, organisers[0]!.totpSecret);
  const stranger = await signIn(baseUrl, organisers[1]!.email, organisers[1]!.totpSecret);
  const sockets = new Set<ClientSocket>();

  const harness: CommitteeHarness = {
    sfu,
    signaling,
    baseUrl,
    dataDir,
    databasePath,
    roomTokens,
    logs,
    owner,
    stranger,
    async createMeeting(kind = 'committee', by = owner) {
      const meeting = await signaling.meetings.createForOrganiser(by.accountId, {
        title: kind === 'committee' ? 'Conseil de l’ordre' : 'Réunion',
        kind,
        startsAt: Date.now(),
        allowEarlyEntry: true,
      });
      return meeting.id;
    },
    api(method, path, callOptions = {}) {
      const as = callOptions.as === undefined ? owner : callOptions.as;
      const headers: Record<string, string> = { origin: ORIGIN };
      if (as !== null && 'bearer' in as) {
        headers.authorization = `Bearer ${as.bearer}`;
      } else if (as !== null) {
        headers.cookie = as.cookie;
        if (callOptions.csrf !== false) {
          headers[CSRF_HEADER] = as.csrf;
        }
      }
      let body: string | undefined;
      if (callOptions.body !== undefined) {
        body = JSON.stringify(callOptions.body);
        headers['content-type'] = 'application/json';
      }
      return fetch(`${baseUrl}/api${path}`, { method, headers, body });
    },
    async putAgenda(meetingId, items) {
      const res = await harness.api('PUT', `/organiser/meetings/${meetingId}/agenda`, { body: { items } });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return agendaResponseSchema.parse(JSON.parse(text)).items;
    },
    async arrive(meetingId, role, name, arriveOptions = {}) {
      const token = issueToken(roomTokens, {
        room: meetingId,
        role,
        name,
        lobby: arriveOptions.lobby ?? false,
      });
      const outcome = await attemptConnect(baseUrl, {
        auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
      });
      sockets.add(outcome.socket);
      if (outcome.kind !== 'connected') {
        throw new Error(`${name} could not connect: ${outcome.kind}`);
      }
      const socket = outcome.socket;
      const events = recordEvents(socket);
      const answer = okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
      return { memberId: token.memberId, name, role, token, socket, events, status: answer.status };
    },
    async journals(meetingId) {
      const res = await harness.api('GET', `/organiser/meetings/${meetingId}/journals`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { journals: JournalSummary[] }).journals;
    },
    async journalText(meetingId, sessionId) {
      const res = await harness.api(
        'GET',
        `/organiser/meetings/${meetingId}/journals/${encodeURIComponent(sessionId)}`,
      );
      expect(res.status).toBe(200);
      return res.text();
    },
    async publicKeyPem() {
      const res = await fetch(`${baseUrl}/api/journal/public-key`);
      expect(res.status).toBe(200);
      return res.text();
    },
    async verify(text, tsaCertificates) {
      const key = publicKeyFromPem(await harness.publicKeyPem());
      return verifyJournal(text, {
        publicKeys: publicKeyMap([key]),
        ...(tsaCertificates ? { tsaCertificates } : {}),
      });
    },
    async close() {
      for (const socket of sockets) {
        socket.close();
      }
      await signaling.close();
      await sfu.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Sends a committee (or any room) request and gives its raw acknowledgement,
 * waiting out the per-socket rate limit (a test asks faster than people do).
 */
export async function ask<K extends RoomRequestName>(
  person: Person,
  name: K,
  payload: RequestOf<typeof roomRequests, K>,
): Promise<Ack<ResponseOf<typeof roomRequests, K>>> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const ack = await request(person.socket, name, payload);
    if (refusalOf(ack) !== 'rate-limited') {
      return ack;
    }
    await sleep(250);
  }
  throw new Error(`${name} stayed rate-limited`);
}

/** The data of a request that must succeed. */
export async function must<K extends RoomRequestName>(
  person: Person,
  name: K,
  payload: RequestOf<typeof roomRequests, K>,
): Promise<ResponseOf<typeof roomRequests, K>> {
  return okData(await ask(person, name, payload));
}

/** The refusal of a request that must be refused: its reason and message. */
export async function refused<K extends RoomRequestName>(
  person: Person,
  name: K,
  payload: RequestOf<typeof roomRequests, K>,
): Promise<{ reason: string; message: string }> {
  const ack = await ask(person, name, payload);
  if (ack.ok) {
    throw new Error(`${name} was accepted, expected a refusal`);
  }
  return ack.error;
}

/** The committee states a person received, in order (each checked against the protocol). */
export function statesOf(person: Person): CommitteeState[] {
  return (person.events.get('committeeState') ?? []).map((s) => committeeStateSchema.parse(s));
}

/** Waits for the person's latest committee state to satisfy `check`. */
export async function stateWhere(
  person: Person,
  what: string,
  check: (state: CommitteeState) => boolean,
): Promise<CommitteeState> {
  return waitFor(what, () => {
    const states = statesOf(person);
    const last = states[states.length - 1];
    return last !== undefined && check(last) ? last : undefined;
  });
}

/** The floorChanged events a person received. */
export function floorEvents(person: Person): boolean[] {
  return (person.events.get('floorChanged') ?? []).map((e) => (e as { speaking: boolean }).speaking);
}

export function parseJournal(text: string): Entry[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Entry);
}

export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

export function joinLines(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}
