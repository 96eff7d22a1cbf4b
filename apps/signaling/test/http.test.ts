import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@confidentiel/protocol';
import {
  attemptConnect,
  okData,
  refusalOf,
  request,
  startHarness,
  waitFor,
  type Harness,
  TEST_IDENTITY,
} from './support/harness.ts';

/** Any textual form of a loopback or IPv4-mapped address. */
const IP_IN_LOG = /127\.0\.0\.1|::1\b|::ffff:/i;

describe('HTTP API, probes and logs', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${h.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 while the SFU is connected', async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', sfu: 'up' });
  });

  it('serves Prometheus text with the refusal counter on the metrics listener, not the public port', async () => {
    expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(404);
    const res = await fetch(h.signaling.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE confidentiel_refusals_total counter');
    expect(text).toMatch(/^confidentiel_members \d+$/m);
    expect(text).toMatch(/^confidentiel_rooms \d+$/m);
  });

  it('creates a meeting with a 128-bit id and issues a join token for it', async () => {
    const res = await post('/api/meetings', JSON.stringify({ title: 'Standup' }));
    expect(res.status).toBe(201);
    const { meetingId, joinPath } = (await res.json()) as { meetingId: string; joinPath: string };
    expect(meetingId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(joinPath).toBe(`/m/${meetingId}`);
    const tokenRes = await post(
      `/api/meetings/${meetingId}/join-tokens`,
      JSON.stringify({ displayName: 'Ada' }),
    );
    expect(tokenRes.status).toBe(201);
    const { token, expiresAt } = (await tokenRes.json()) as { token: string; expiresAt: number };
    expect(token.split('.')).toHaveLength(3);
    // Minutes, not hours.
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(3600);
  });

  it('tells whether an open meeting exists, answering an unknown one like a token request would', async () => {
    const res = await post('/api/meetings', JSON.stringify({}));
    const { meetingId } = (await res.json()) as { meetingId: string };
    const found = await fetch(`${h.baseUrl}/api/meetings/${meetingId}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ meetingId });
    for (const id of ['AbCdEfGhIjKlMnOpQrStUv', 'court']) {
      const missing = await fetch(`${h.baseUrl}/api/meetings/${id}`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ reason: 'room-not-found', message: 'room not found' });
    }
  });

  it('refuses malformed JSON with 400 invalid-payload', async () => {
    for (const body of ['{', '{"title":', '"just a string"', 'null', '{"title": "x",}']) {
      const res = await post('/api/meetings', body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { reason: string }).reason, body).toBe('invalid-payload');
    }
  });

  it('refuses a body that breaks the schema with 400 invalid-payload', async () => {
    const meetingId = await h.createMeeting();
    for (const body of [{ title: 5 }, { title: 'x', admin: true }, { title: 'x'.repeat(121) }]) {
      const res = await post('/api/meetings', JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { reason: string }).reason).toBe('invalid-payload');
    }
    for (const body of [
      {},
      { displayName: '' },
      { displayName: 'a\u0007b' },
      { displayName: 'x'.repeat(65) },
      { displayName: 'Ada', room: 'x' },
    ]) {
      const res = await post(`/api/meetings/${meetingId}/join-tokens`, JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { reason: string }).reason).toBe('invalid-payload');
    }
  });

  it('refuses a body over 16 KB with 413 too-large', async () => {
    const meetingId = await h.createMeeting();
    const big = JSON.stringify({ title: 'x'.repeat(17 * 1024) });
    for (const path of ['/api/meetings', `/api/meetings/${meetingId}/join-tokens`]) {
      const res = await post(path, big);
      expect(res.status, path).toBe(413);
      expect(await res.json()).toEqual({ reason: 'too-large', message: 'request body too large' });
    }
  });

  it('sends the strict security headers and no X-Powered-By', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers /readyz with 503 once the SFU is gone, and joins fail with sfu-unavailable', async () => {
    // Exercise the socket paths (joins, refusals) before the SFU goes, so the log check below sees them.
    const meetingId = await h.createMeeting();
    const ada = await h.joinMember(meetingId, 'Ada');
    okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    expect(refusalOf(await request(ada.socket, 'resumeConsumer', { consumerId: 'not-an-id' }))).toBe(
      'invalid-payload',
    );
    const refused = await attemptConnect(h.baseUrl, {
      auth: { token: 'garbage', protocolVersion: PROTOCOL_VERSION },
    });
    expect(refused.kind).toBe('refused');
    const forged = await attemptConnect(h.baseUrl, {
      auth: { token: ada.token, protocolVersion: PROTOCOL_VERSION },
      origin: 'http://evil.example',
    });
    expect(forged.kind).toBe('refused');

    await h.sfu.close();
    await waitFor('/readyz to report 503', async () => (await fetch(`${h.baseUrl}/readyz`)).status === 503);
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(await res.json()).toEqual({ status: 'degraded', sfu: 'down' });
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);

    const socket = await h.connect(await h.joinToken(meetingId, 'Bob'));
    expect(refusalOf(await request(socket, 'join', { identity: TEST_IDENTITY }))).toBe('sfu-unavailable');
    ada.socket.disconnect();
    socket.disconnect();
    await waitFor('the members to be gone', async () => (await h.memberCount()) === 0);
  });

  it('never writes an IP address to the logs', () => {
    const lines = [...h.signalingLogs.lines, ...h.logs.lines];
    expect(h.signalingLogs.lines.length).toBeGreaterThan(5);
    const offending = lines.filter((line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      // The start-up line names the address signaling listens on: configuration, not a client's address.
      if (entry.msg === 'signaling ready') {
        delete entry.host;
      }
      return IP_IN_LOG.test(JSON.stringify(entry));
    });
    expect(offending).toEqual([]);
  });
});
