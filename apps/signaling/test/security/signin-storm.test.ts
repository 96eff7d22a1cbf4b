/**
 * A storm of sign-ins with unknown emails must not stall the service's other
 * work (finding 4). Everything is real: a real SFU, signaling as
 * startSignaling runs it (SQLite file, journal files, TRUST_PROXY to play 10
 * client addresses through X-Forwarded-For), and scrypt at the production
 * costs (PASSWORD_COST for sign-in, 2^15 for passcodes): the point is what
 * the hashes cost.
 *
 * While 50 sign-ins with unknown emails arrive at once from 10 addresses
 * (each address within its own limits), legitimate requests keep going and
 * are timed: a guest's passcode check (a level-2 invite), a journaled
 * committee action (written and fsynced before it takes effect), and a
 * recording-chunk-like file write (open, write, fsync, rename) in the
 * service's process. A control runs the same storm with the hash gates
 * opened wide and the sign-in budget lifted (what the code did before): the
 * same requests then queue behind the hashes in libuv's thread pool.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CSRF_HEADER,
  PROTOCOL_VERSION,
  createInviteResponseSchema,
  loginResponseSchema,
  meetingSummarySchema,
  roomTokenResponseSchema,
  sessionResponseSchema,
} from '@confidentiel/protocol';
import { createAccounts } from '../../src/accounts/createAccounts.ts';
import { loadSignalingConfig } from '../../src/config.ts';
import { HashGate } from '../../src/crypto/HashGate.ts';
import { PASSWORD_MAX_WAIT_MS, PASSWORD_QUEUE_PER_SLOT } from '../../src/crypto/hashGates.ts';
import { dummyVerify, PASSWORD_COST } from '../../src/crypto/secretHash.ts';
import { startSignaling, type RunningSignaling, type SignalingDeps } from '../../src/startSignaling.ts';
import { Database } from '../../src/storage/Database.ts';
import { PASSWORD, totpCode } from '../accounts/support.ts';
import {
  attemptConnect,
  ORIGIN,
  request,
  startTestSfu,
  TEST_IDENTITY,
  type ClientSocket,
  type SfuHarness,
} from '../support/harness.ts';

/** The storm: sign-ins with unknown emails, all at once… */
const STORM = 50;
/** …from this many addresses (5 each: within the 10 a minute one address may try). */
const ADDRESSES = 10;
/** Bound on the p99 of a passcode check and of a committee action during the storm. */
const P99_BOUND_MS = 2_000;
/** Bound on a file write + fsync during the storm. */
const FILE_P99_BOUND_MS = 1_000;
/**
 * Storm requests beyond what the gate serves are refused within this (39-86 ms
 * on a quiet 2-core machine: the burst's own HTTP work, client and server in
 * this one process; a bound with room for a shared, loaded machine).
 */
const FAST_REFUSAL_MS = 1_000;
/** What the password gate serves at once or lets wait (default concurrency 1). */
const GATE_CAPACITY = 1 + PASSWORD_QUEUE_PER_SLOT;
/** A guest's address (not one of the storm's). */
const GUEST_ADDRESS = '198.51.100.7';
/** Bytes of the file-write probe (a small recording chunk). */
const CHUNK = randomBytes(64 * 1024);
/** Each kind of legitimate request starts at most this often. */
const PROBE_PERIOD_MS = 50;
/**
 * Every request of this test gives up after this: far beyond the web app's 10 s,
 * so that the control measures the whole stall (20-30 s on a loaded 2-core machine).
 */
const REQUEST_TIMEOUT_MS = 80_000;

interface Figures {
  n: number;
  p50: number;
  p99: number;
}

/** Nearest-rank percentiles (with fewer than 100 samples, p99 is the slowest). */
function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, p50: Math.round(rank(0.5)), p99: Math.round(rank(0.99)) };
}

function report(line: string): void {
  process.stdout.write(`[signin-storm] ${line}\n`);
}

const describeFigures = (name: string, f: Figures): string =>
  `${name} p50 ${f.p50} ms, p99 ${f.p99} ms (n=${f.n})`;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** A running signaling with a signed-in organiser, a level-2 invite and a host in a committee meeting. */
interface Service {
  signaling: RunningSignaling;
  dataDir: string;
  inviteId: string;
  passcode: string;
  host: ClientSocket;
  /** Alternates raiseHand / lowerHand: each is journaled (fsynced) before it is answered. */
  committeeAction(): Promise<void>;
  passcodeCheck(): Promise<void>;
  fileWrite(): Promise<void>;
  close(): Promise<void>;
}

async function startService(
  sfu: SfuHarness,
  env: Record<string, string>,
  deps: Pick<SignalingDeps, 'hashGates'> = {},
): Promise<Service> {
  const dataDir = await mkdtemp(join(tmpdir(), 'signin-storm-'));
  const databasePath = join(dataDir, 'confidentiel.sqlite');
  const email = 'greffe@barreau.example';
  // The organiser's account, at the production cost too, before signaling opens the file.
  const db = new Database(databasePath);
  const setup = createAccounts({
    db,
    logger: pino({ level: 'silent' }),
    secureCookies: false,
    allowedOrigins: [ORIGIN],
  });
  let totpSecret: string;
  try {
    ({ totpSecret } = await setup.service.createAccount({
      email,
      displayName: 'Maître Martin',
      role: 'organiser',
      password: PASSWORD,
    }));
  } finally {
    setup.close();
    db.close();
  }
  const config = loadSignalingConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    ALLOWED_ORIGINS: ORIGIN,
    SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
    SFU_CONTROL_SECRET: sfu.secret,
    TOKEN_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    TRUST_PROXY: 'true',
    LOG_LEVEL: 'warn',
    ...env,
  });
  // No passwordCost: production scrypt costs.
  const signaling = await startSignaling(config, { logger: pino({ level: 'silent' }), ...deps });
  const api = (path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${signaling.url}/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...init.headers },
      body: JSON.stringify(init.body ?? {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const ok = async (res: Response, status: number): Promise<unknown> => {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as unknown;
  };

  const login = await api('/auth/login', { body: { email, password: PASSWORD } });
  const { challenge } = loginResponseSchema.parse(await ok(login, 200));
  const signedIn = await api('/auth/one-time-code', {
    body: { challenge, code: totpCode(totpSecret, Date.now()) },
  });
  const session = sessionResponseSchema.parse(await ok(signedIn, 200));
  const organiser = {
    cookie: signedIn.headers.getSetCookie()[0]!.split(';')[0]!,
    [CSRF_HEADER]: session.csrfToken,
  };

  const meeting = meetingSummarySchema.parse(
    await ok(
      await api('/organiser/meetings', {
        headers: organiser,
        body: { title: 'Consultation', kind: 'consultation', startsAt: Date.now() + 3_600_000 },
      }),
      201,
    ),
  );
  const invite = createInviteResponseSchema.parse(
    await ok(
      await api(`/organiser/meetings/${meeting.meetingId}/invites`, {
        headers: organiser,
        body: { requirePasscode: true, requireAdmission: false },
      }),
      201,
    ),
  );

  const committee = await signaling.meetings.createForOrganiser(session.account.accountId, {
    title: 'Conseil de l’ordre',
    kind: 'committee',
    startsAt: Date.now(),
    allowEarlyEntry: true,
  });
  const { token } = roomTokenResponseSchema.parse(
    await ok(await api(`/organiser/meetings/${committee.id}/host-token`, { headers: organiser }), 201),
  );
  const outcome = await attemptConnect(signaling.url, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
  if (outcome.kind !== 'connected') {
    throw new Error(`the host could not connect: ${outcome.kind}`);
  }
  const host = outcome.socket;
  const joined = await request(host, 'join', { identity: TEST_IDENTITY });
  expect(joined.ok).toBe(true);

  let handRaised = false;
  const service: Service = {
    signaling,
    dataDir,
    inviteId: invite.invite.inviteId,
    passcode: invite.passcode!,
    host,
    async committeeAction() {
      const ack = await request(host, handRaised ? 'lowerHand' : 'raiseHand', {}, REQUEST_TIMEOUT_MS);
      expect(ack).toEqual({ ok: true, data: {} });
      handRaised = !handRaised;
    },
    async passcodeCheck() {
      const res = await api(`/invites/${service.inviteId}/join-tokens`, {
        headers: { 'x-forwarded-for': GUEST_ADDRESS },
        body: { displayName: 'Client', passcode: service.passcode },
      });
      roomTokenResponseSchema.parse(await ok(res, 201));
    },
    async fileWrite() {
      // What RecordingStore does with a chunk: a new file, written, fsynced, renamed.
      const temporary = join(dataDir, `chunk-${randomBytes(6).toString('hex')}.tmp`);
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(CHUNK);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(dataDir, 'chunk.bin'));
    },
    async close() {
      host.close();
      await signaling.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  // The first action opens the session journal.
  await service.committeeAction();
  await service.committeeAction();
  return service;
}

interface StormAnswer {
  status: number;
  reason: string;
  ms: number;
  retryAfter: string | null;
}

/** 50 sign-ins with unknown emails, 5 from each of 10 addresses, all at once. */
function storm(service: Service, run: string): Promise<StormAnswer[]> {
  return Promise.all(
    Array.from({ length: STORM }, async (_, i) => {
      const { ms, value } = await timed(async () => {
        const res = await fetch(`${service.signaling.url}/api/auth/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            origin: ORIGIN,
            'x-forwarded-for': `203.0.113.${1 + (i % ADDRESSES)}`,
          },
          body: JSON.stringify({
            email: `nobody-${run}-${i}@example.org`,
            password: 'not anybody’s password',
          }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = (await res.json()) as { reason: string };
        return { status: res.status, reason: body.reason, retryAfter: res.headers.get('retry-after') };
      });
      return { ...value, ms };
    }),
  );
}

interface Latencies {
  passcode: Figures;
  action: Figures;
  file: Figures;
}

/**
 * Runs each kind of legitimate request in its own loop, one after the other,
 * until `stop` settles (then at least `atLeast` of each); only requests
 * started before `stop` settled are kept.
 */
async function probe(service: Service, stop: Promise<unknown>, atLeast = 1): Promise<Latencies> {
  let stopped = false;
  void stop.finally(() => {
    stopped = true;
  });
  const loop = async (work: () => Promise<void>): Promise<Figures> => {
    const samples: number[] = [];
    while (!stopped || samples.length < atLeast) {
      const { ms } = await timed(work);
      samples.push(ms);
      // Paced well below the room's 40 requests a second per socket.
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, PROBE_PERIOD_MS - ms)));
    }
    return figures(samples);
  };
  const [passcode, action, file] = await Promise.all([
    loop(() => service.passcodeCheck()),
    loop(() => service.committeeAction()),
    loop(() => service.fileWrite()),
  ]);
  return { passcode, action, file };
}

/** A fixed number of rounds with no storm. */
function quietly(service: Service): Promise<Latencies> {
  return probe(service, Promise.resolve(), 20);
}

function reportLatencies(label: string, latencies: Latencies): void {
  report(
    `${label}: ${describeFigures('passcode check', latencies.passcode)}; ` +
      `${describeFigures('committee action', latencies.action)}; ${describeFigures('file write+fsync', latencies.file)}`,
  );
}

function reportStorm(label: string, answers: StormAnswer[]): void {
  const byStatus = new Map<string, number>();
  for (const a of answers) {
    byStatus.set(`${a.status} ${a.reason}`, (byStatus.get(`${a.status} ${a.reason}`) ?? 0) + 1);
  }
  const statuses = [...byStatus].map(([status, count]) => `${count}× ${status}`).join(', ');
  report(
    `${label}: storm answers ${statuses}; ${describeFigures('storm', figures(answers.map((a) => a.ms)))}`,
  );
}

describe('a storm of sign-ins with unknown emails (production scrypt cost)', () => {
  let sfu: SfuHarness;
  /** One dummy password hash on an idle machine. */
  let hashMs: number;

  beforeAll(async () => {
    sfu = await startTestSfu();
    hashMs = (await timed(() => dummyVerify('warm-up password', PASSWORD_COST))).ms;
    report(`one password hash (PASSWORD_COST, idle): ${Math.round(hashMs)} ms`);
  }, 60_000);

  afterAll(async () => {
    await sfu?.close();
  });

  it('keeps passcode checks and journaled committee actions under 2 s (p99) and refuses what it cannot hash at once', async () => {
    const service = await startService(sfu, {});
    try {
      const quiet = await quietly(service);
      reportLatencies('gated, no storm', quiet);

      const answers = storm(service, 'gated');
      const during = await probe(service, answers);
      const stormAnswers = await answers;
      reportLatencies('gated, during the storm', during);
      reportStorm('gated', stormAnswers);

      expect(during.passcode.p99).toBeLessThan(P99_BOUND_MS);
      expect(during.action.p99).toBeLessThan(P99_BOUND_MS);
      expect(during.file.p99).toBeLessThan(FILE_P99_BOUND_MS);
      // Each attempt failed alike or was refused, never anything else.
      for (const answer of stormAnswers) {
        expect(['401 invalid-credentials', '429 rate-limited', '503 busy']).toContain(
          `${answer.status} ${answer.reason}`,
        );
        if (answer.status !== 401) {
          expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        }
      }
      // At most what the gate runs or lets wait was hashed; everything beyond was refused
      // at once: before the first hash of the storm was done, and within FAST_REFUSAL_MS.
      const hashed = stormAnswers.filter((a) => a.status === 401);
      expect(hashed.length).toBeLessThanOrEqual(GATE_CAPACITY);
      const firstHashed = Math.min(...hashed.map((a) => a.ms));
      const refusedAtOnce = stormAnswers.filter((a) => a.status !== 401 && a.ms < firstHashed);
      report(
        `gated: ${describeFigures('refused before any hash was done', figures(refusedAtOnce.map((a) => a.ms)))}`,
      );
      expect(refusedAtOnce.length).toBeGreaterThanOrEqual(STORM - GATE_CAPACITY);
      expect(figures(refusedAtOnce.map((a) => a.ms)).p99).toBeLessThan(FAST_REFUSAL_MS);
      // Nobody waited longer than the gate's bounded wait plus the hashes ahead of it.
      expect(Math.max(...stormAnswers.map((a) => a.ms))).toBeLessThan(
        PASSWORD_MAX_WAIT_MS + GATE_CAPACITY * hashMs * 2 + 1_000,
      );
    } finally {
      await service.close();
    }
  }, 60_000);

  it('control: with the gates opened wide and no sign-in budget, the same storm stalls the same requests', async () => {
    const wide = { concurrency: 10_000, maxQueue: 0, maxWaitMs: 60_000 };
    const service = await startService(
      sfu,
      { SIGN_IN_FAILURES_PER_MINUTE: '100000' },
      { hashGates: { passwords: new HashGate(wide), passcodes: new HashGate(wide) } },
    );
    try {
      const answers = storm(service, 'control');
      const during = await probe(service, answers);
      const stormAnswers = await answers;
      reportLatencies('ungated (control), during the storm', during);
      reportStorm('ungated (control)', stormAnswers);

      expect(stormAnswers.every((a) => a.status === 401)).toBe(true);
      // The passcode check and the journal fsync waited behind the hashes: on a 2-core
      // machine well past the bound the gated run met. (On a much faster machine,
      // still several hashes long.)
      const stalled = Math.min(P99_BOUND_MS, 5 * hashMs);
      expect(during.passcode.p99).toBeGreaterThan(stalled);
      expect(during.action.p99).toBeGreaterThan(stalled);
      expect(during.file.p99).toBeGreaterThan(stalled);
    } finally {
      await service.close();
    }
  }, 90_000);
});
