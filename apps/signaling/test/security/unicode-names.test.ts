/**
 * Names and titles carrying invisible or spoofing characters (finding 7),
 * sent to the real service the way an attacker would: HTTP with fetch,
 * Socket.IO with socket.io-client, the admin CLI with its own arguments.
 * A real SFU and a real signaling server with its own SQLite file, accounts
 * signed in with password and TOTP. Each spoof is refused with 400
 * `invalid-payload` naming the field, and leaves every table as it was; an
 * ordinary accented name goes through.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CSRF_HEADER,
  PROTOCOL_VERSION,
  committeeStateSchema,
  createInviteResponseSchema,
  loginResponseSchema,
  meetingDetailResponseSchema,
  meetingSummarySchema,
  sessionResponseSchema,
  type AccountRole,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { createAccounts } from '../../src/accounts/createAccounts.ts';
import { runAdmin } from '../../src/cli/admin.ts';
import { loadSignalingConfig } from '../../src/config.ts';
import { TEST_COST } from '../../src/crypto/secretHash.ts';
import { ROOM_TOKEN_ISSUER, startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import { Database } from '../../src/storage/Database.ts';
import { PASSWORD, totpCode } from '../accounts/support.ts';
import {
  attemptConnect,
  captureLogger,
  okData,
  ORIGIN,
  patientRequest,
  recordEvents,
  request,
  roomKeyId,
  startTestSfu,
  TEST_IDENTITY,
  waitFor,
  type ClientSocket,
  type SfuHarness,
} from '../support/harness.ts';
import { decodeToken, issueToken } from './support.ts';

/** What an attacker puts in a name or a title, and the character the refusal must name. */
const SPOOFS: [what: string, text: string, found: string][] = [
  ['a right-to-left override', 'Me Du\u202Erand.pdf', 'U+202E'],
  ['a zero-width space alone', '\u200B', 'U+200B'],
  ['a next-line control (U+0085)', 'Me Durand\u0085Hôte', 'U+0085'],
  ['a line feed', 'Me Durand\nHôte', 'U+000A'],
  ['a line separator', 'Me Durand\u2028Hôte', 'U+2028'],
  ['a paragraph separator', 'Me Durand\u2029Hôte', 'U+2029'],
  ['a byte order mark', '\uFEFFMe Durand', 'U+FEFF'],
  ['a left-to-right isolate', 'Me \u2066Durand', 'U+2066'],
  ['a left-to-right mark', 'Me Durand\u200E', 'U+200E'],
];
const BLANK = '\u0301\u0301';
const GOOD = 'Zoë Lefèvre-Ångström';

interface Session {
  accountId: string;
  cookie: string;
  csrf: string;
}

const silent = pino({ level: 'silent' });

/** Makes accounts in the database file before signaling opens it (as the admin CLI would). */
async function makeAccounts(path: string, people: [string, AccountRole][]): Promise<string[]> {
  const db = new Database(path);
  const accounts = createAccounts({
    db,
    logger: silent,
    secureCookies: false,
    allowedOrigins: [ORIGIN],
    passwordCost: TEST_COST,
  });
  try {
    const secrets = [];
    for (const [email, role] of people) {
      const created = await accounts.service.createAccount({
        email,
        displayName: 'Me Martin',
        role,
        password: PASSWORD,
      });
      secrets.push(created.totpSecret);
    }
    return secrets;
  } finally {
    accounts.close();
    db.close();
  }
}

describe('names and titles with invisible or spoofing characters', () => {
  let sfu: SfuHarness;
  let signaling: RunningSignaling;
  let baseUrl: string;
  let dataDir: string;
  let databasePath: string;
  let roomTokens: TokenService;
  let admin: Session;
  let organiser: Session;
  const sockets: ClientSocket[] = [];

  async function signIn(email: string, totpSecret: string): Promise<Session> {
    const login = await api('POST', '/auth/login', { as: null, body: { email, password: PASSWORD } });
    const { challenge } = loginResponseSchema.parse(await login.json());
    const res = await api('POST', '/auth/one-time-code', {
      as: null,
      body: { challenge, code: totpCode(totpSecret, Date.now()) },
    });
    const session = sessionResponseSchema.parse(await res.json());
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    return { accountId: session.account.accountId, cookie, csrf: session.csrfToken };
  }

  function api(method: string, path: string, options: { as?: Session | null; body?: unknown } = {}) {
    const as = options.as === undefined ? organiser : options.as;
    const headers: Record<string, string> = { origin: ORIGIN };
    if (as !== null) {
      headers.cookie = as.cookie;
      headers[CSRF_HEADER] = as.csrf;
    }
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return fetch(`${baseUrl}/api${path}`, { method, headers, body });
  }

  /** Every row a refused request could have written. */
  function tables(): string {
    const db = new DatabaseSync(databasePath, { readOnly: true });
    try {
      return JSON.stringify(
        ['meetings', 'invites', 'agenda_items', 'accounts', 'account_invitations'].map((table) =>
          db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all(),
        ),
      );
    } finally {
      db.close();
    }
  }

  /** Sends every spoof in `field` of `body(text)`: each 400 invalid-payload naming the field, nothing stored. */
  async function expectRefused(
    method: string,
    path: string,
    field: string,
    body: (text: string) => unknown,
    as?: Session | null,
  ): Promise<void> {
    const before = tables();
    for (const [what, text, found] of [...SPOOFS, ['only combining marks', BLANK, ''] as const]) {
      const res = await api(method, path, { as, body: body(text) });
      const answer = (await res.json()) as { reason: string; message: string };
      expect(res.status, `${what}: ${JSON.stringify(answer)}`).toBe(400);
      expect(answer.reason).toBe('invalid-payload');
      expect(answer.message, what).toBe(
        found === ''
          ? `${field}: must contain a visible character (a letter, digit, punctuation mark or symbol)`
          : `${field}: must not contain invisible or control characters (found ${found})`,
      );
    }
    expect(tables()).toBe(before);
  }

  async function createMeeting(kind: 'meeting' | 'committee'): Promise<string> {
    const res = await api('POST', '/organiser/meetings', {
      body: { title: 'Conseil de l’ordre', kind, startsAt: Date.now(), allowEarlyEntry: true },
    });
    expect(res.status).toBe(201);
    return meetingSummarySchema.parse(await res.json()).meetingId;
  }

  async function detail(meetingId: string) {
    const res = await api('GET', `/organiser/meetings/${meetingId}`);
    expect(res.status).toBe(200);
    return meetingDetailResponseSchema.parse(await res.json());
  }

  beforeAll(async () => {
    sfu = await startTestSfu();
    dataDir = await mkdtemp(join(tmpdir(), 'unicode-names-'));
    databasePath = join(dataDir, 'confidentiel.sqlite');
    const [adminTotp, organiserTotp] = await makeAccounts(databasePath, [
      ['admin@barreau.example', 'admin'],
      ['greffe@barreau.example', 'organiser'],
    ]);
    const tokenSecret = randomBytes(32);
    signaling = await startSignaling(
      loadSignalingConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        ALLOWED_ORIGINS: ORIGIN,
        SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
        SFU_CONTROL_SECRET: sfu.secret,
        TOKEN_SECRET: tokenSecret.toString('hex'),
        ALLOW_OPEN_MEETINGS: 'true',
        LOG_LEVEL: 'debug',
        DATA_DIR: dataDir,
      }),
      { logger: captureLogger('signaling').logger, passwordCost: TEST_COST },
    );
    baseUrl = signaling.url;
    roomTokens = new TokenService({
      keys: new KeyRing([{ kid: roomKeyId(tokenSecret), secret: tokenSecret }]),
      issuer: ROOM_TOKEN_ISSUER,
    });
    admin = await signIn('admin@barreau.example', adminTotp!);
    organiser = await signIn('greffe@barreau.example', organiserTotp!);
  });

  afterAll(async () => {
    for (const socket of sockets) {
      socket.close();
    }
    await signaling?.close();
    await sfu?.close();
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a spoofed name at an open meeting, and gives a token to an accented one', async () => {
    const created = await api('POST', '/meetings', { as: null, body: {} });
    const { meetingId } = (await created.json()) as { meetingId: string };
    const path = `/meetings/${meetingId}/join-tokens`;
    await expectRefused('POST', path, 'displayName', (displayName) => ({ displayName }), null);
    await expectRefused('POST', '/meetings', 'title', (title) => ({ title }), null);

    const res = await api('POST', path, { as: null, body: { displayName: ` ${GOOD} ` } });
    expect(res.status).toBe(201);
    expect(decodeToken(((await res.json()) as { token: string }).token).name).toBe(GOOD);
  });

  it("refuses a spoofed invite label, leaving the meeting's invite list as it was", async () => {
    const meetingId = await createMeeting('meeting');
    const flags = { requirePasscode: false, requireAdmission: false };
    await expectRefused('POST', `/organiser/meetings/${meetingId}/invites`, 'label', (label) => ({
      label,
      ...flags,
    }));
    expect((await detail(meetingId)).invites).toEqual([]);

    const before = tables();
    const res = await api('POST', `/organiser/meetings/${meetingId}/invites`, {
      body: { label: GOOD, ...flags },
    });
    expect(res.status).toBe(201);
    expect(createInviteResponseSchema.parse(await res.json()).invite.label).toBe(GOOD);
    expect((await detail(meetingId)).invites.map((invite) => invite.label)).toEqual([GOOD]);
    // The snapshot sees what signaling writes: "unchanged" above means something.
    expect(tables()).not.toBe(before);
  });

  it('refuses a spoofed meeting title at creation and at a change', async () => {
    const meetingId = await createMeeting('meeting');
    await expectRefused('POST', '/organiser/meetings', 'title', (title) => ({
      title,
      kind: 'meeting',
      startsAt: Date.now(),
    }));
    await expectRefused('PATCH', `/organiser/meetings/${meetingId}`, 'title', (title) => ({ title }));
    expect((await detail(meetingId)).meeting.title).toBe('Conseil de l’ordre');
  });

  it('refuses a spoofed name when an invite is redeemed, without counting a use', async () => {
    const meetingId = await createMeeting('meeting');
    const made = await api('POST', `/organiser/meetings/${meetingId}/invites`, {
      body: { requirePasscode: false, requireAdmission: false },
    });
    const { invite } = createInviteResponseSchema.parse(await made.json());
    const path = `/invites/${invite.inviteId}/join-tokens`;
    await expectRefused('POST', path, 'displayName', (displayName) => ({ displayName }), null);
    expect((await detail(meetingId)).invites[0]!.uses).toBe(0);

    const res = await api('POST', path, { as: null, body: { displayName: GOOD } });
    expect(res.status).toBe(201);
    expect(decodeToken(((await res.json()) as { token: string }).token).name).toBe(GOOD);
    expect((await detail(meetingId)).invites[0]!.uses).toBe(1);
  });

  it("refuses a spoofed name in an administrator's account invitation, storing no invitation", async () => {
    const body = (displayName: string) => ({ email: 'nouvelle@barreau.example', displayName });
    await expectRefused('POST', '/admin/account-invitations', 'displayName', body, admin);

    const before = tables();
    const res = await api('POST', '/admin/account-invitations', { as: admin, body: body(GOOD) });
    expect(res.status).toBe(201);
    expect(tables()).not.toBe(before);
    const token = ((await res.json()) as { enrolPath: string }).enrolPath.split('#t=')[1];
    const start = await api('POST', '/enrolment/start', { as: null, body: { token } });
    expect(((await start.json()) as { displayName: string }).displayName).toBe(GOOD);
  });

  it('refuses a spoofed agenda title, presenter or notes, keeping the agenda', async () => {
    const meetingId = await createMeeting('committee');
    const path = `/organiser/meetings/${meetingId}/agenda`;
    await expectRefused('PUT', path, 'items.0.title', (title) => ({ items: [{ title }] }));
    await expectRefused('PUT', path, 'items.0.presenter', (presenter) => ({
      items: [{ title: 'Budget', presenter }],
    }));
    const res = await api('PUT', path, {
      body: { items: [{ title: 'Budget', notes: 'Pièces\u202Ejointes' }] },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^items\.0\.notes: .*U\+202E/);

    const good = await api('PUT', path, {
      body: { items: [{ title: 'Budget 2027', presenter: GOOD, notes: 'Pièces :\n\t- bilan' }] },
    });
    expect(good.status).toBe(200);
  });

  it('refuses a spoofed motion or vote option over Socket.IO, opening no vote', async () => {
    const meetingId = await createMeeting('committee');
    const chair = issueToken(roomTokens, { room: meetingId, role: 'host', name: GOOD });
    const outcome = await attemptConnect(baseUrl, {
      auth: { token: chair.token, protocolVersion: PROTOCOL_VERSION },
    });
    sockets.push(outcome.socket);
    expect(outcome.kind).toBe('connected');
    const socket = outcome.socket;
    const events = recordEvents(socket);
    const joined = okData(await request(socket, 'join', { identity: TEST_IDENTITY }));
    expect(joined.status === 'joined' && joined.self.displayName).toBe(GOOD);

    for (const [what, text, found] of SPOOFS) {
      for (const [field, payload] of [
        ['motion', { motion: text, secret: false }],
        ['options.1', { motion: 'Budget', options: ['pour', text], secret: false }],
      ] as const) {
        const ack = (await patientRequest(socket, 'openVote', [payload])) as {
          ok: boolean;
          error?: { reason: string; message: string };
        };
        expect(ack.ok, what).toBe(false);
        expect(ack.error).toEqual({
          reason: 'invalid-payload',
          message: `openVote: ${field}: must not contain invisible or control characters (found ${found})`,
        });
      }
    }
    const state = okData(await request(socket, 'committeeState', {}));
    expect(state.vote).toBeNull();

    okData(await request(socket, 'openVote', { motion: `Approuver le rapport de ${GOOD}`, secret: false }));
    await waitFor('the vote in the state', () =>
      (events.get('committeeState') ?? []).some((s) => committeeStateSchema.parse(s).vote !== null),
    );
  });

  it('refuses a room token whose name claim carries a spoof at the handshake', async () => {
    const meetingId = await createMeeting('meeting');
    for (const [what, text] of SPOOFS) {
      const { token } = issueToken(roomTokens, { room: meetingId, name: text });
      const outcome = await attemptConnect(baseUrl, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
      sockets.push(outcome.socket);
      expect(outcome.kind === 'refused' && outcome.message, what).toBe('unauthorized');
    }
    const { token } = issueToken(roomTokens, { room: meetingId, name: GOOD });
    const outcome = await attemptConnect(baseUrl, { auth: { token, protocolVersion: PROTOCOL_VERSION } });
    sockets.push(outcome.socket);
    expect(outcome.kind).toBe('connected');
  });

  it('admin CLI: create-account refuses a spoofed name with a message naming it, creating nothing', async () => {
    const env = { DATABASE_PATH: join(dataDir, 'cli.sqlite') };
    const run = async (args: string[], stdin = '') => {
      let stdout = '';
      let stderr = '';
      const sink = (append: (text: string) => void) =>
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            append(chunk.toString('utf8'));
            callback();
          },
        });
      const code = await runAdmin(args, {
        env,
        stdin: Readable.from([Buffer.from(stdin)]),
        stdout: sink((text) => (stdout += text)),
        stderr: sink((text) => (stderr += text)),
      });
      return { code, stdout, stderr };
    };
    for (const [what, text, found] of SPOOFS) {
      const result = await run(
        ['create-account', '--email', 'cli@barreau.example', '--name', text],
        `${PASSWORD}\n`,
      );
      expect(result, what).toEqual({
        code: 2,
        stdout: '',
        stderr: `the name (--name) must not contain invisible or control characters (found ${found}), e.g. --name "Me Durand"\n`,
      });
    }
    expect(JSON.parse((await run(['list-accounts'])).stdout)).toEqual([]);

    const good = await run(
      ['create-account', '--email', 'cli@barreau.example', '--name', GOOD],
      `${PASSWORD}\n`,
    );
    expect(good.code).toBe(0);
    expect(JSON.parse((await run(['list-accounts'])).stdout)).toMatchObject([{ displayName: GOOD }]);
  });
});
