import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_ISSUER,
  SFU_CONTROL_NAMESPACE,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import {
  attemptConnect,
  rawRequest,
  refusalOf,
  roomToken,
  startTestSfu,
  unknownMeetingId,
  type ClientSocket,
  type ConnectOptions,
  type ConnectOutcome,
  type SfuHarness,
} from '../../signaling/test/support/harness.ts';

/** The SFU's control channel is for signaling only: a control token, no browser Origin. */
describe('SFU control channel', () => {
  let s: SfuHarness;
  let controlUrl: string;
  const open: ClientSocket[] = [];

  beforeAll(async () => {
    s = await startTestSfu();
    controlUrl = `http://127.0.0.1:${s.sfu.controlPort}`;
  }, 30_000);

  afterAll(async () => {
    for (const socket of open) {
      socket.close();
    }
    await s?.close();
  });

  function attempt(options: ConnectOptions): Promise<ConnectOutcome> {
    return attemptConnect(controlUrl, { namespace: SFU_CONTROL_NAMESPACE, origin: null, ...options });
  }

  async function expectRefused(options: ConnectOptions, reason?: string): Promise<void> {
    const rooms = s.sfu.registry.size;
    const outcome = await attempt(options);
    expect(outcome.kind).toBe('refused');
    if (reason !== undefined && outcome.kind === 'refused') {
      expect(outcome.message).toBe(reason);
      expect(outcome.data).toMatchObject({ reason });
    }
    expect(s.sfu.registry.size).toBe(rooms);
  }

  async function connectControl(): Promise<ClientSocket> {
    const outcome = await attempt({ auth: { token: s.controlToken(), protocolVersion: PROTOCOL_VERSION } });
    open.push(outcome.socket);
    if (outcome.kind !== 'connected') {
      throw new Error(`control connection ${outcome.kind}`);
    }
    return outcome.socket;
  }

  it('refuses a connection without a token', async () => {
    await expectRefused({}, 'unauthorized');
    await expectRefused({ auth: { protocolVersion: PROTOCOL_VERSION } }, 'unauthorized');
  });

  it('refuses a room token, even one signed with the control secret', async () => {
    const roomTokens = new TokenService({ keys: KeyRing.generate('room-1'), issuer: 'confidentiel' });
    await expectRefused(
      {
        auth: {
          token: roomToken(roomTokens, { room: unknownMeetingId() }),
          protocolVersion: PROTOCOL_VERSION,
        },
      },
      'unauthorized',
    );
    // The right key, issuer and kid, but a room audience and type.
    const sameKey = new TokenService({
      keys: new KeyRing([{ kid: 'control', secret: Buffer.from(s.secret, 'hex') }]),
      issuer: SFU_CONTROL_ISSUER,
    });
    await expectRefused(
      {
        auth: { token: roomToken(sameKey, { room: unknownMeetingId() }), protocolVersion: PROTOCOL_VERSION },
      },
      'unauthorized',
    );
    // The right audience and type, but another key.
    const otherKey = new TokenService({
      keys: new KeyRing([{ kid: 'control', secret: randomBytes(32) }]),
      issuer: SFU_CONTROL_ISSUER,
    });
    const forged = otherKey.issue({
      audience: SFU_CONTROL_AUDIENCE,
      typ: SFU_CONTROL_AUDIENCE,
      subject: 'signaling',
      ttlSeconds: 60,
    }).token;
    await expectRefused({ auth: { token: forged, protocolVersion: PROTOCOL_VERSION } }, 'unauthorized');
  });

  it('refuses another protocol version', async () => {
    await expectRefused(
      { auth: { token: s.controlToken(), protocolVersion: PROTOCOL_VERSION + 1 } },
      'protocol-mismatch',
    );
  });

  it('refuses any request that carries an Origin header, even with a valid control token', async () => {
    for (const origin of ['http://localhost:1234', `http://127.0.0.1:${s.sfu.controlPort}`, 'null']) {
      await expectRefused({ auth: { token: s.controlToken(), protocolVersion: PROTOCOL_VERSION }, origin });
    }
  });

  it('serves nothing on the default namespace', async () => {
    const outcome = await attempt({
      namespace: '/',
      auth: { token: s.controlToken(), protocolVersion: PROTOCOL_VERSION },
    });
    expect(outcome.kind).toBe('refused');
    expect(outcome.kind === 'refused' && outcome.message).toBe('forbidden');
  });

  it('creates exactly one router for two concurrent requests on a new room', async () => {
    const control = await connectControl();
    const worker = s.sfu.pool.slots[0]!.worker;
    const routersBefore = (await worker.dump()).routerIds.length;
    const roomsBefore = s.sfu.registry.size;
    const roomId = unknownMeetingId();
    const [a, b] = await Promise.all([
      rawRequest(control, 'getRouterRtpCapabilities', [{ roomId }]),
      rawRequest(control, 'getRouterRtpCapabilities', [{ roomId }]),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual(a);
    expect(s.sfu.registry.size).toBe(roomsBefore + 1);
    expect((await worker.dump()).routerIds).toHaveLength(routersBefore + 1);
  });

  it('creates exactly one router for a burst of concurrent requests of several kinds on a new room', async () => {
    const control = await connectControl();
    const worker = s.sfu.pool.slots[0]!.worker;
    const routersBefore = (await worker.dump()).routerIds.length;
    const roomId = unknownMeetingId();
    const acks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? rawRequest(control, 'getRouterRtpCapabilities', [{ roomId }])
          : rawRequest(control, 'createWebRtcTransport', [
              { roomId, memberId: `member-${i}-xyz`, direction: 'send' },
            ]),
      ),
    );
    expect(acks.map(refusalOf)).toEqual(acks.map(() => undefined));
    expect((await worker.dump()).routerIds).toHaveLength(routersBefore + 1);
  });

  it('never creates a room for a request that only acts on an existing one', async () => {
    const control = await connectControl();
    const roomsBefore = s.sfu.registry.size;
    const roomId = unknownMeetingId();
    const acks = await Promise.all([
      rawRequest(control, 'closeProducer', [{ roomId, memberId: 'member-1-xyz', producerId: randomUUID() }]),
      rawRequest(control, 'resumeConsumer', [{ roomId, memberId: 'member-1-xyz', consumerId: randomUUID() }]),
    ]);
    expect(acks.map(refusalOf)).toEqual(['not-found', 'not-found']);
    expect(s.sfu.registry.size).toBe(roomsBefore);
  });

  it('validates control requests like room requests', async () => {
    const control = await connectControl();
    const roomsBefore = s.sfu.registry.size;
    for (const payload of [{}, { roomId: 'short' }, { roomId: unknownMeetingId(), extra: 1 }, null]) {
      expect(refusalOf(await rawRequest(control, 'getRouterRtpCapabilities', [payload]))).toBe(
        'invalid-payload',
      );
    }
    expect(refusalOf(await rawRequest(control, 'dropDatabase', [{}]))).toBe('unknown-event');
    expect(s.sfu.registry.size).toBe(roomsBefore);
    expect(control.connected).toBe(true);
  });

  it('refuses the test tap unless the SFU was started with it', async () => {
    const control = await connectControl();
    const roomId = unknownMeetingId();
    await rawRequest(control, 'getRouterRtpCapabilities', [{ roomId }]);
    const ack = await rawRequest(control, 'tapProducer', [
      { roomId, producerId: randomUUID(), maxPackets: 10, timeoutMs: 200 },
    ]);
    expect(refusalOf(ack)).toBe('forbidden');
  });
});
