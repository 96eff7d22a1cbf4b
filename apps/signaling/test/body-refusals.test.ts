/**
 * Finding: a body in a charset or content encoding the parsers do not read
 * (`charset=latin1`, `content-encoding: compress`, gzip that does not
 * inflate) made every `/api` route answer 500 and log an error with its stack,
 * before any authentication. Now each such body gets a 4xx with the
 * `{reason, message}` body and an info line, on every kind of route: JSON
 * routes of the API (public, organiser, accounts), the committee routes
 * mounted apart, and the raw recording uploads. Real signaling, real SFU.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, errorBodySchema } from '@confidentiel/protocol';
import { PASSWORD } from './accounts/support.ts';
import { startCommitteeHarness, type CommitteeHarness } from './committee/support.ts';
import { ORIGIN } from './support/harness.ts';

/** pino's level of `error` (and above: `fatal`). */
const ERROR_LEVEL = 50;

type Kind = 'json' | 'raw';
type Auth = 'none' | 'organiser' | 'writer';

interface Route {
  name: string;
  kind: Kind;
  auth: Auth;
  method: string;
  path: string;
  /** A body the route takes, and what it answers to it. */
  good: Uint8Array;
  goodStatus: number;
}

interface BadBody {
  name: string;
  headers: Record<string, string>;
  body: Uint8Array;
  status: 400 | 415;
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
/** Bytes that no decompressor takes (not a gzip, zlib or brotli stream). */
const garbage = (): Uint8Array => Uint8Array.from([0x00, 0xff, ...randomBytes(62)]);

/** Bodies no route reads, whatever it expects. */
function badBodies(kind: Kind, good: Uint8Array): BadBody[] {
  const type = kind === 'json' ? 'application/json' : 'application/octet-stream';
  return [
    // The JSON parser of the API runs first on every /api route, raw ones included.
    {
      name: 'JSON in latin1',
      headers: { 'content-type': 'application/json; charset=latin1' },
      body: json({ title: 'x' }),
      status: 415,
    },
    {
      name: 'JSON in ISO-8859-1',
      headers: { 'content-type': 'application/json; charset=ISO-8859-1' },
      body: json({ title: 'x' }),
      status: 415,
    },
    {
      name: 'JSON, content-encoding compress',
      headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
      body: json({ title: 'x' }),
      status: 415,
    },
    {
      name: 'content-encoding compress',
      headers: { 'content-type': type, 'content-encoding': 'compress' },
      body: good,
      status: 415,
    },
    {
      name: 'content-encoding x-unknown, identity',
      headers: { 'content-type': type, 'content-encoding': 'x-unknown, identity' },
      body: good,
      status: 415,
    },
    {
      name: 'gzip that does not inflate',
      headers: { 'content-type': type, 'content-encoding': 'gzip' },
      body: garbage(),
      status: 400,
    },
    {
      name: 'deflate that does not inflate',
      headers: { 'content-type': type, 'content-encoding': 'deflate' },
      body: garbage(),
      status: 400,
    },
    {
      name: 'brotli that does not decompress',
      headers: { 'content-type': type, 'content-encoding': 'br' },
      body: garbage(),
      status: 400,
    },
  ];
}

let h: CommitteeHarness;
const routes: Route[] = [];
let writeToken: string | undefined;
let hostToken: string;

function headersFor(route: Route): Record<string, string> {
  switch (route.auth) {
    case 'none':
      return { origin: ORIGIN };
    case 'organiser':
      return { origin: ORIGIN, cookie: h.owner.cookie, [CSRF_HEADER]: h.owner.csrf };
    case 'writer':
      return {
        authorization: `Bearer ${hostToken}`,
        ...(writeToken === undefined ? {} : { 'x-recording-writer': writeToken }),
      };
    default: {
      const unreachable: never = route.auth;
      throw new TypeError(`unknown auth ${String(unreachable)}`);
    }
  }
}

function send(route: Route, headers: Record<string, string>, body: Uint8Array): Promise<Response> {
  return fetch(`${h.baseUrl}/api${route.path}`, {
    method: route.method,
    headers: { ...headersFor(route), ...headers },
    body: Buffer.from(body),
  });
}

beforeAll(async () => {
  h = await startCommitteeHarness();
  const meetingId = await h.createMeeting('committee');
  // Its agenda is prepared before the session: another meeting, with nobody in it yet.
  const laterMeetingId = await h.createMeeting('committee');
  // An invitation, for the public route that redeems it.
  const invited = await h.api('POST', `/organiser/meetings/${meetingId}/invites`, {
    body: { label: null, role: 'participant', requirePasscode: false, requireAdmission: false },
  });
  expect(invited.status).toBe(201);
  const { invite } = (await invited.json()) as { invite: { inviteId: string } };
  // The chair in the room, recording.
  const chair = await h.arrive(meetingId, 'host', 'Présidente');
  hostToken = chair.token.token;
  const created = await fetch(`${h.baseUrl}/api/meetings/${meetingId}/recordings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hostToken}` },
  });
  expect(created.status).toBe(201);
  const recording = (await created.json()) as { recordingId: string; writeToken?: string };
  writeToken = recording.writeToken;

  const login = json({ email: 'greffe@barreau.example', password: PASSWORD });
  routes.push(
    {
      name: 'sign-in (accounts, before authentication)',
      kind: 'json',
      auth: 'none',
      method: 'POST',
      path: '/auth/login',
      good: login,
      goodStatus: 200,
    },
    {
      name: 'invitation redeemed (organiser routes, before authentication)',
      kind: 'json',
      auth: 'none',
      method: 'POST',
      path: `/invites/${invite.inviteId}/join-tokens`,
      good: json({ displayName: 'Invitée' }),
      goodStatus: 201,
    },
    {
      name: 'meeting created (organiser routes, after authentication)',
      kind: 'json',
      auth: 'organiser',
      method: 'POST',
      path: '/organiser/meetings',
      good: json({ title: 'Commission', kind: 'committee', startsAt: Date.now() + 3_600_000 }),
      goodStatus: 201,
    },
    {
      name: 'agenda (committee routes mounted apart, after authentication)',
      kind: 'json',
      auth: 'organiser',
      method: 'PUT',
      path: `/organiser/meetings/${laterMeetingId}/agenda`,
      good: json({ items: [{ title: 'Ouverture' }] }),
      goodStatus: 200,
    },
    {
      name: 'recording chunk (raw body, after authentication)',
      kind: 'raw',
      auth: 'writer',
      method: 'PUT',
      path: `/recordings/${recording.recordingId}/chunks/0`,
      good: randomBytes(512),
      goodStatus: 201,
    },
    {
      name: 'recording chapters (raw body, after authentication)',
      kind: 'raw',
      auth: 'writer',
      method: 'PUT',
      path: `/recordings/${recording.recordingId}/chapters`,
      good: randomBytes(128),
      goodStatus: 201,
    },
  );
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('bodies the API does not read get a 4xx and an info line, never a 500', () => {
  it('refuses every unreadable body on every kind of /api route with 415 or 400 and {reason, message}', async () => {
    const from = h.logs.lines.length;
    const answers: string[] = [];
    const expected: string[] = [];
    for (const route of routes) {
      for (const bad of badBodies(route.kind, route.good)) {
        const res = await send(route, bad.headers, bad.body);
        const text = await res.text();
        const body = errorBodySchema.safeParse(JSON.parse(text));
        answers.push(`${route.name} / ${bad.name}: ${res.status} ${body.success ? body.data.reason : text}`);
        expected.push(`${route.name} / ${bad.name}: ${bad.status} invalid-payload`);
        expect(res.headers.get('content-type'), text).toMatch(/^application\/json/);
      }
    }
    expect(answers).toEqual(expected);

    const entries = h.logs.lines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.filter((entry) => (entry.level as number) >= ERROR_LEVEL)).toEqual([]);
    const refused = entries.filter((entry) => entry.msg === 'request body refused');
    expect(refused).toHaveLength(expected.length);
    for (const entry of refused) {
      expect(entry.level).toBe(30);
      expect(JSON.stringify(entry)).not.toMatch(/stack|"err"/);
    }
  });

  it('says which: an unsupported charset or encoding (415), bytes that do not inflate (400)', async () => {
    const route = routes.find((r) => r.path === '/organiser/meetings')!;
    const messages: { status: number; body: unknown }[] = [];
    for (const bad of badBodies('json', route.good).filter(
      (b) => b.name.startsWith('JSON') || b.name.startsWith('gzip'),
    )) {
      const res = await send(route, bad.headers, bad.body);
      messages.push({ status: res.status, body: await res.json() });
    }
    expect(messages).toEqual([
      { status: 415, body: { reason: 'invalid-payload', message: 'unsupported charset: send UTF-8' } },
      { status: 415, body: { reason: 'invalid-payload', message: 'unsupported charset: send UTF-8' } },
      { status: 415, body: { reason: 'invalid-payload', message: 'unsupported content encoding' } },
      { status: 400, body: { reason: 'invalid-payload', message: 'malformed request body' } },
    ]);
  });

  it('still authenticates before reading a raw body: no token, no body read (401)', async () => {
    const route = routes.find((r) => r.kind === 'raw')!;
    const res = await fetch(`${h.baseUrl}/api${route.path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'compress' },
      body: Buffer.from(route.good),
    });
    expect(res.status).toBe(401);
    expect(errorBodySchema.parse(await res.json()).reason).toBe('unauthorized');
  });

  it('serves the same routes with a proper body (positive control), gzip included', async () => {
    for (const route of routes) {
      const type = route.kind === 'json' ? 'application/json' : 'application/octet-stream';
      const res = await send(route, { 'content-type': type }, route.good);
      expect(res.status, `${route.name}: ${await res.clone().text()}`).toBe(route.goodStatus);
    }
    // A supported encoding is read: the refusals above are about what is not.
    const login = routes[0]!;
    const gzipped = await send(
      login,
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(login.good),
    );
    expect(gzipped.status).toBe(200);
    const utf8 = await send(login, { 'content-type': 'application/json; charset=utf-8' }, login.good);
    expect(utf8.status).toBe(200);
  });
});
