import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@confidentiel/protocol';
import {
  CONNECTIONS_PER_IP_PER_10S,
  REQUESTS_PER_IP_PER_SECOND,
  REQUESTS_PER_SECOND,
} from '../../src/socket/RoomGateway.ts';
import {
  attemptConnect,
  metricValue,
  rawRequest,
  refusalOf,
  sleep,
  startHarness,
  type ClientSocket,
  type Harness,
} from '../support/harness.ts';
import { issueToken, organiserMeeting } from './support.ts';

/**
 * Checklist 12: floods from one client address are throttled. The per-socket
 * request limit (one socket flooding, another member still served) is in
 * ../limits.test.ts; chat floods are in ../e2ee-relay.test.ts.
 */
describe('floods from one address', () => {
  let h: Harness;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    for (const socket of sockets) {
      socket.close();
    }
    await h?.close();
  });

  async function refusals(reason: string): Promise<number> {
    return metricValue(await h.metrics(), 'confidentiel_refusals_total', { reason });
  }

  it('caps the requests of one address over all its sockets, each socket staying under its own limit', async () => {
    const room = await organiserMeeting(h, true);
    // Enough sockets that their sum exceeds the address budget even if the burst straddles two windows.
    const perSocket = REQUESTS_PER_SECOND - 1;
    const socketCount = Math.ceil((2 * REQUESTS_PER_IP_PER_SECOND) / perSocket) + 1;
    for (let i = 0; i < socketCount; i++) {
      sockets.push(await h.connect(issueToken(h.roomTokens, { room }).token));
    }
    const flooders = sockets.slice(-socketCount);
    await sleep(1_100);
    const limitedBefore = await refusals('rate-limited');

    const started = Date.now();
    // A cheap request that never reaches the SFU: refused not-joined when served.
    const acks = await Promise.all(
      flooders.flatMap((socket) =>
        Array.from({ length: perSocket }, () => rawRequest(socket, 'refreshToken', [{}], 10_000)),
      ),
    );
    const windows = Math.ceil((Date.now() - started) / 1_000) + 1;
    const reasons = acks.map(refusalOf);
    const served = reasons.filter((r) => r === 'not-joined').length;
    const limited = reasons.filter((r) => r === 'rate-limited').length;
    expect(served + limited).toBe(socketCount * perSocket);
    expect(served).toBeGreaterThanOrEqual(REQUESTS_PER_IP_PER_SECOND);
    expect(served).toBeLessThanOrEqual(windows * REQUESTS_PER_IP_PER_SECOND);
    expect(limited).toBeGreaterThan(0);
    expect(await refusals('rate-limited')).toBe(limitedBefore + limited);
    // Throttled, not dropped.
    expect(flooders.every((s) => s.connected)).toBe(true);
  }, 20_000);
});

/** Checklist 12: a connection flood, on a server of its own (its address budget starts untouched). */
describe('connection floods from one address', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  async function refusals(reason: string): Promise<number> {
    return metricValue(await h.metrics(), 'confidentiel_refusals_total', { reason });
  }

  it(
    'refuses connections from one address beyond CONNECTIONS_PER_IP_PER_10S before any handshake, then accepts again',
    { timeout: 40_000 },
    async () => {
      const room = await organiserMeeting(h, true);
      const token = issueToken(h.roomTokens, { room }).token;
      const auth = { token, protocolVersion: PROTOCOL_VERSION };
      const limitedBefore = await refusals('rate-limited');
      const connectionsBefore = metricValue(await h.metrics(), 'confidentiel_socket_connections');

      const started = Date.now();
      let connected = 0;
      let refused = 0;
      for (let i = 0; i < CONNECTIONS_PER_IP_PER_10S + 10; i++) {
        const outcome = await attemptConnect(h.baseUrl, { auth });
        outcome.socket.close();
        if (outcome.kind === 'connected') {
          connected++;
        } else {
          refused++;
        }
      }
      const elapsed = Date.now() - started;
      expect(elapsed, 'the loop must fit one window for the count to mean anything').toBeLessThan(10_000);
      expect(connected).toBe(CONNECTIONS_PER_IP_PER_10S);
      expect(refused).toBe(10);
      expect(await refusals('rate-limited')).toBe(limitedBefore + 10);
      // The refused attempts never reached the handshake: no socket is left open.
      await sleep(200);
      expect(metricValue(await h.metrics(), 'confidentiel_socket_connections')).toBe(connectionsBefore);

      // The window passes and the address may connect again.
      await sleep(10_500 - elapsed);
      const after = await attemptConnect(h.baseUrl, { auth });
      expect(after.kind).toBe('connected');
      after.socket.close();
    },
  );
});
