import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomRequests } from '@confidentiel/protocol';
import {
  dtlsParameters,
  metricValue,
  okData,
  opusRtpParameters,
  patientRequest,
  rawRequest,
  refusalOf,
  request,
  sleep,
  startHarness,
  unknownMediaId,
  waitFor,
  type Harness,
  type Member,
  type RoomRequestName,
  TEST_IDENTITY,
  joined,
} from './support/harness.ts';

/** A payload every request schema accepts (the ids name nothing). */
function validPayloads(): Record<RoomRequestName, unknown> {
  return {
    join: { identity: TEST_IDENTITY },
    createTransport: { direction: 'send' },
    connectTransport: { transportId: unknownMediaId(), dtlsParameters },
    produce: {
      transportId: unknownMediaId(),
      kind: 'audio',
      rtpParameters: opusRtpParameters(),
      source: 'microphone',
    },
    closeProducer: { producerId: unknownMediaId() },
    setProducerPaused: { producerId: unknownMediaId(), paused: true },
    consume: { producerId: unknownMediaId(), rtpCapabilities: { codecs: [] } },
    resumeConsumer: { consumerId: unknownMediaId() },
    setConsumerLayers: { consumerId: unknownMediaId(), spatialLayer: 0 },
    restartIce: { transportId: unknownMediaId() },
    reconnectMedia: {},
    relayKey: { to: 'someone-1', envelope: 'A'.repeat(64) },
    relayKeys: { envelopes: [{ to: 'someone-1', envelope: 'A'.repeat(64) }] },
    sendChat: { ciphertext: 'A'.repeat(64) },
    sendLobbyMessages: { messages: [{ to: 'someone-1', ciphertext: 'A'.repeat(64) }] },
    leave: {},
    refreshToken: {},
    admit: { memberIds: ['someone-1'] },
    admitAll: {},
    refuseEntry: { memberId: 'someone-1' },
    setRoomLocked: { locked: true },
    muteMember: { memberId: 'someone-1' },
    stopMemberVideo: { memberId: 'someone-1', source: 'camera' },
    removeMember: { memberId: 'someone-1' },
    sendToLobby: { memberIds: ['someone-1'] },
    setMemberRole: { memberId: 'someone-1', role: 'observer' },
    endMeeting: {},
    committeeState: {},
    agendaOpen: { itemId: 'item-0000001' },
    agendaClose: { itemId: 'item-0000001' },
    agendaReorder: { itemIds: ['item-0000001', 'item-0000002'] },
    raiseHand: {},
    lowerHand: {},
    giveFloor: { memberId: 'someone-1' },
    withdrawFloor: {},
    setFreeDiscussion: { open: true },
    muteAll: {},
    openVote: { motion: 'Approve the 2027 budget', secret: false },
    castVote: { voteId: 'vote-0000001', choice: 'pour' },
    closeVote: { voteId: 'vote-0000001' },
    saveMinutes: { itemId: 'item-0000001', revision: 1, sealed: 'A'.repeat(64) },
    getMinutes: {},
    setRecording: { on: false, recordingId: null },
    mlsJoin: { keyPackage: 'A'.repeat(64) },
    mlsCommit: { epoch: 0, commit: 'A'.repeat(64), welcome: 'A'.repeat(64), added: ['someone-1'] },
  };
}

/** What the wire does to a payload (socket.io-parser is JSON). */
function wire(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

const fromJson = (text: string): unknown => JSON.parse(text);

/** Hand-picked invalid payloads per request: wrong types, extra keys, prototype keys, huge arrays. */
function invalidPayloads(): Record<RoomRequestName, unknown[]> {
  const id = unknownMediaId();
  const many = <T>(n: number, item: T): T[] => Array.from({ length: n }, () => item);
  const common = [
    null,
    0,
    'x',
    true,
    [],
    [{}],
    fromJson('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
  ];
  return {
    join: [
      ...common,
      {},
      { roomId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      { identity: TEST_IDENTITY, extra: 1 },
      { identity: { ...TEST_IDENTITY, ecdh: 'short' } },
    ],
    createTransport: [
      ...common,
      {},
      { direction: 'both' },
      { direction: 1 },
      { direction: ['send'] },
      { direction: 'send', extra: 1 },
      fromJson('{"direction":"send","__proto__":{"polluted":true}}'),
      fromJson('{"direction":"send","constructor":{"prototype":{"polluted":true}}}'),
      many(5_000, 'send'),
    ],
    connectTransport: [
      ...common,
      { transportId: id },
      { transportId: 'not-a-uuid', dtlsParameters },
      { transportId: id, dtlsParameters: { fingerprints: [] } },
      {
        transportId: id,
        dtlsParameters: { ...dtlsParameters, fingerprints: many(100, dtlsParameters.fingerprints[0]) },
      },
      { transportId: id, dtlsParameters: { ...dtlsParameters, role: 'attacker' } },
      { transportId: id, dtlsParameters, memberId: 'someone-else' },
      { transportId: id, dtlsParameters, roomId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
    produce: [
      ...common,
      { transportId: id, kind: 'data', rtpParameters: opusRtpParameters(), source: 'microphone' },
      { transportId: id, kind: 'audio', rtpParameters: { codecs: [] }, source: 'microphone' },
      {
        transportId: id,
        kind: 'audio',
        rtpParameters: { ...opusRtpParameters(), codecs: many(1_000, {}) },
        source: 'microphone',
      },
      {
        transportId: id,
        kind: 'audio',
        rtpParameters: { ...opusRtpParameters(), encodings: many(100, { ssrc: 1 }) },
        source: 'microphone',
      },
      {
        transportId: id,
        kind: 'audio',
        rtpParameters: { ...opusRtpParameters(), evil: 1 },
        source: 'microphone',
      },
      { transportId: id, kind: 'audio', rtpParameters: opusRtpParameters(), source: 'keylogger' },
    ],
    closeProducer: [
      ...common,
      { producerId: 123 },
      { producerId: 'g'.repeat(36) },
      { producerId: id, memberId: 'x' },
    ],
    setProducerPaused: [
      ...common,
      { producerId: id },
      { producerId: id, paused: 'yes' },
      { producerId: id, paused: 1 },
    ],
    consume: [
      ...common,
      { producerId: id },
      { producerId: id, rtpCapabilities: { codecs: many(5_000, 0) } },
      { producerId: id, rtpCapabilities: { codecs: [{ kind: 'audio' }] } },
      { producerId: id, rtpCapabilities: { headerExtensions: many(1_000, {}) } },
    ],
    resumeConsumer: [...common, { consumerId: '' }, { consumerId: [id] }],
    setConsumerLayers: [
      ...common,
      { consumerId: id, spatialLayer: 3 },
      { consumerId: id, spatialLayer: -1 },
      { consumerId: id, spatialLayer: 1.5 },
      { consumerId: id, spatialLayer: '0' },
      { consumerId: id, spatialLayer: 0, temporalLayer: 9 },
    ],
    restartIce: [
      ...common,
      {},
      { transportId: 'not-a-uuid' },
      { transportId: id, memberId: 'someone-else' },
      { transportId: id, roomId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
    reconnectMedia: [...common, { roomId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    relayKey: [
      ...common,
      { to: 'x', envelope: 'A'.repeat(64) },
      { to: 'someone-1', envelope: 'not base64url!' },
      { to: 'someone-1', envelope: 'A'.repeat(5_000) },
      { to: 'someone-1', envelope: 'A'.repeat(64), extra: 1 },
    ],
    relayKeys: [
      ...common,
      { envelopes: [] },
      { envelopes: Array.from({ length: 65 }, () => ({ to: 'someone-1', envelope: 'A'.repeat(64) })) },
      { envelopes: [{ to: 'x', envelope: 'A'.repeat(64) }] },
      { envelopes: [{ to: 'someone-1', envelope: 'not base64url!' }] },
      { envelopes: [{ to: 'someone-1', envelope: 'A'.repeat(64), extra: 1 }] },
      { envelopes: 'A'.repeat(64) },
    ],
    sendChat: [
      ...common,
      { ciphertext: 'hello in clear' },
      { ciphertext: 'A'.repeat(20_000) },
      { ciphertext: 'A'.repeat(64), to: 'everyone' },
    ],
    sendLobbyMessages: [
      ...common,
      {},
      { messages: [] },
      { messages: [{ to: 'someone-1', ciphertext: 'hello in clear' }] },
      { messages: [{ to: 'someone-1', ciphertext: 'A'.repeat(20_000) }] },
      { messages: [{ to: 'someone-1', ciphertext: 'A'.repeat(64), text: 'hello in clear' }] },
      { messages: [{ to: 'x', ciphertext: 'A'.repeat(64) }] },
      // The same addressee twice.
      { messages: many(2, { to: 'someone-1', ciphertext: 'A'.repeat(64) }) },
      { messages: many(65, { to: 'someone-1', ciphertext: 'A'.repeat(64) }) },
      { messages: [{ to: 'someone-1', ciphertext: 'A'.repeat(64) }], roomId: 'AAAAAAAAAAAAAAAAAAAAAA' },
    ],
    leave: [...common, { now: true }],
    refreshToken: [...common, { ttl: 3600 }],
    admit: [...common, {}, { memberIds: [] }, { memberIds: many(300, 'someone-1') }, { memberIds: ['x'] }],
    admitAll: [...common, { memberIds: ['someone-1'] }],
    refuseEntry: [...common, {}, { memberId: 'x' }, { memberId: 'someone-1', extra: 1 }],
    setRoomLocked: [...common, {}, { locked: 'yes' }, { locked: true, roomId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    muteMember: [...common, {}, { memberId: 1 }, { memberId: 'someone-1', kind: 'video' }],
    stopMemberVideo: [...common, { memberId: 'someone-1' }, { memberId: 'someone-1', source: 'microphone' }],
    removeMember: [...common, {}, { memberId: 'a'.repeat(200) }],
    sendToLobby: [
      ...common,
      {},
      { memberIds: [] },
      { memberIds: many(101, 'someone-1') },
      { memberIds: ['x'] },
      { memberId: 'someone-1' },
      { memberIds: ['someone-1'], reason: 'deliberation' },
    ],
    setMemberRole: [
      ...common,
      { memberId: 'someone-1' },
      { memberId: 'someone-1', role: 'host' },
      { memberId: 'someone-1', role: 'admin' },
    ],
    endMeeting: [...common, { forAll: true }],
    committeeState: [...common, { full: true }],
    agendaOpen: [
      ...common,
      {},
      { itemId: 'x' },
      { itemId: 'item with spaces' },
      { itemId: 'item-0000001', extra: 1 },
    ],
    agendaClose: [...common, {}, { itemId: 12345678 }, { itemId: 'i'.repeat(33) }],
    agendaReorder: [
      ...common,
      { itemIds: [] },
      { itemIds: 'item-0000001' },
      { itemIds: many(101, 'item-0000001') },
      { itemIds: ['item-0000001'], currentItemId: 'item-0000001' },
    ],
    raiseHand: [...common, { memberId: 'someone-1' }],
    lowerHand: [...common, { all: true }],
    giveFloor: [...common, {}, { memberId: 'x' }, { memberId: 'someone-1', minutes: 5 }],
    withdrawFloor: [...common, { memberId: 'someone-1' }],
    setFreeDiscussion: [...common, {}, { open: 'yes' }, { open: 1 }, { open: true, minutes: 5 }],
    muteAll: [...common, { except: 'someone-1' }, { open: true }],
    openVote: [
      ...common,
      {},
      { motion: '   ', secret: false },
      { motion: 'Budget', secret: 'yes' },
      { motion: 'x'.repeat(501), secret: false },
      { motion: 'Budget', secret: false, options: ['pour'] },
      { motion: 'Budget', secret: false, options: many(11, 'pour') },
      { motion: 'Budget', secret: false, options: ['pour', 'x'.repeat(41)] },
      { motion: 'Budget', secret: false, quorum: 0 },
      { motion: 'Budget', secret: true, voteId: 'vote-0000001' },
    ],
    castVote: [
      ...common,
      { voteId: 'vote-0000001' },
      { voteId: 'vote-0000001', choice: '' },
      { voteId: 'v', choice: 'pour' },
      { voteId: 'vote-0000001', choice: 'x'.repeat(41) },
      { voteId: 'vote-0000001', choice: 'pour', memberId: 'someone-1' },
    ],
    closeVote: [...common, {}, { voteId: null }, { voteId: 'vote-0000001', outcome: 'adopted' }],
    saveMinutes: [
      ...common,
      { itemId: 'item-0000001', revision: 0, sealed: 'A'.repeat(64) },
      { itemId: 'item-0000001', revision: 1.5, sealed: 'A'.repeat(64) },
      { itemId: 'item-0000001', revision: 1, sealed: 'minutes in clear text' },
      { itemId: 'item-0000001', revision: 1, sealed: 'short' },
      { itemId: 'item-0000001', revision: 1, sealed: 'A'.repeat(60_001) },
      { itemId: 'item-0000001', revision: 1, sealed: 'A'.repeat(64), sha256: 'f'.repeat(64) },
    ],
    getMinutes: [...common, { itemId: 'item-0000001' }],
    setRecording: [
      ...common,
      { on: true },
      { on: 'yes', recordingId: null },
      { on: true, recordingId: 'short' },
      { on: false, recordingId: null, extra: 1 },
    ],
    mlsJoin: [
      ...common,
      {},
      { keyPackage: 'A'.repeat(63) },
      { keyPackage: 'A'.repeat(8 * 1024 + 1) },
      { keyPackage: `${'A'.repeat(64)}+/=` },
      { keyPackage: 'A'.repeat(64), memberId: 'someone-1' },
    ],
    mlsCommit: [
      ...common,
      {},
      { commit: 'A'.repeat(64) },
      { epoch: -1, commit: 'A'.repeat(64) },
      { epoch: 1.5, commit: 'A'.repeat(64) },
      { epoch: '0', commit: 'A'.repeat(64) },
      { epoch: 0, commit: 'short' },
      { epoch: 0, commit: 'commit in clear text' },
      // Above the commit's bound, under the MLS message cap: refused by the schema, not by size.
      { epoch: 0, commit: 'A'.repeat(700 * 1024 + 1) },
      { epoch: 0, commit: 'A'.repeat(64), welcome: 'short', added: ['someone-1'] },
      { epoch: 0, commit: 'A'.repeat(64), welcome: 'A'.repeat(64), added: ['x'] },
      { epoch: 0, commit: 'A'.repeat(64), welcome: 'A'.repeat(64), added: many(257, 'someone-1') },
      { epoch: 0, commit: 'A'.repeat(64), welcome: 'A'.repeat(64), added: 'someone-1' },
      { epoch: 0, commit: 'A'.repeat(64), from: 'someone-1' },
    ],
  };
}

describe('request validation', () => {
  let h: Harness;
  let meetingId: string;
  /** Joined with a send transport, a producer and a consumer: a bad request that got through would show. */
  let ada: Member;
  let bob: Member;
  let producerId: string;

  beforeAll(async () => {
    h = await startHarness();
    meetingId = await h.createMeeting();
    ada = await h.joinMember(meetingId, 'Ada');
    bob = await h.joinMember(meetingId, 'Bob');
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    producerId = okData(
      await request(ada.socket, 'produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      }),
    ).producerId;
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    okData(
      await request(bob.socket, 'consume', { producerId, rtpCapabilities: bob.join.routerRtpCapabilities }),
    );
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  interface World {
    members: number;
    rooms: number;
    routers: number;
    transports: number;
    producers: number;
    consumers: number;
    bobEvents: number;
    producerPaused: boolean | undefined;
  }

  async function world(): Promise<World> {
    const text = await h.metrics();
    const live = <T extends { closed: boolean }>(m: Map<string, T>): number =>
      [...m.values()].filter((o) => !o.closed).length;
    return {
      members: metricValue(text, 'confidentiel_members'),
      rooms: h.sfu.registry.size,
      routers: live(h.media.routers),
      transports: live(h.media.transports),
      producers: live(h.media.producers),
      consumers: live(h.media.consumers),
      // activeSpeaker comes from the SFU's audio level observer on its own schedule.
      bobEvents: [...bob.events]
        .filter(([name]) => name !== 'activeSpeaker')
        .reduce((n, [, list]) => n + list.length, 0),
      producerPaused: h.media.producers.get(producerId)?.paused,
    };
  }

  /** Requests without an acknowledgement cannot be retried when rate-limited: start them in a new window. */
  async function freshRateWindow(): Promise<void> {
    await sleep(1_100);
  }

  async function expectUsable(member: Member): Promise<void> {
    expect(member.socket.connected).toBe(true);
    const ack = await patientRequest(member.socket, 'resumeConsumer', [{ consumerId: unknownMediaId() }]);
    expect(refusalOf(ack)).toBe('not-found');
  }

  it('refuses every hand-picked invalid payload with invalid-payload and changes nothing', async () => {
    const before = await world();
    for (const [name, payloads] of Object.entries(invalidPayloads())) {
      for (const payload of payloads) {
        const schema = roomRequests[name as RoomRequestName].request;
        // Guard the test itself: each case must really be invalid after the wire.
        expect(
          schema.safeParse(wire(payload)).success,
          `${name} ${JSON.stringify(payload).slice(0, 80)}`,
        ).toBe(false);
        const ack = await patientRequest(ada.socket, name, [payload]);
        expect(refusalOf(ack), `${name} ${JSON.stringify(payload).slice(0, 80)}`).toBe('invalid-payload');
      }
    }
    await sleep(50);
    expect(await world()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectUsable(ada);
  }, 30_000);

  it('refuses a request without an acknowledgement or with extra arguments, and does not run it', async () => {
    await freshRateWindow();
    const invalidBefore = metricValue(await h.metrics(), 'confidentiel_refusals_total', {
      reason: 'invalid-payload',
    });
    const before = await world();
    ada.socket.emit('createTransport', { direction: 'recv' });
    ada.socket.emit('setProducerPaused', { producerId, paused: true });
    const extra = await rawRequest(ada.socket, 'setProducerPaused', [{ producerId, paused: true }, 'extra']);
    expect(refusalOf(extra)).toBe('invalid-payload');
    const none = await rawRequest(ada.socket, 'setProducerPaused', []);
    expect(refusalOf(none)).toBe('invalid-payload');
    await sleep(100);
    const text = await h.metrics();
    expect(metricValue(text, 'confidentiel_refusals_total', { reason: 'invalid-payload' })).toBe(
      invalidBefore + 4,
    );
    expect(await world()).toEqual(before);
    await expectUsable(ada);
  });

  it('answers an unknown event that has an acknowledgement with unknown-event', async () => {
    await freshRateWindow();
    const before = await world();
    const unknownBefore = metricValue(await h.metrics(), 'confidentiel_refusals_total', {
      reason: 'unknown-event',
    });
    const names = [
      'hack',
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'closeMember',
      'closeRoom',
    ];
    for (const name of names) {
      expect(refusalOf(await patientRequest(ada.socket, name, [{}])), name).toBe('unknown-event');
    }
    // Without an acknowledgement there is nothing to answer, and nothing breaks.
    ada.socket.emit('hack', { x: 1 });
    await sleep(50);
    const unknownAfter = metricValue(await h.metrics(), 'confidentiel_refusals_total', {
      reason: 'unknown-event',
    });
    expect(unknownAfter).toBe(unknownBefore + names.length + 1);
    expect(await world()).toEqual(before);
    await expectUsable(ada);
  });

  it('refuses every request but join with not-joined before join, without touching the SFU', async () => {
    const fresh = await h.createMeeting();
    const socket = await h.connect(await h.joinToken(fresh, 'Eve'));
    const before = await world();
    for (const [name, payload] of Object.entries(validPayloads())) {
      if (name === 'join') {
        continue;
      }
      expect(refusalOf(await patientRequest(socket, name, [payload])), name).toBe('not-joined');
    }
    expect(await world()).toEqual(before);
    joined(okData(await request(socket, 'join', { identity: TEST_IDENTITY })));
    expect((await world()).members).toBe(before.members + 1);
    socket.close();
  });

  it('refuses a second join with already-joined, including two joins racing', async () => {
    const fresh = await h.createMeeting();
    const socket = await h.connect(await h.joinToken(fresh, 'Eve'));
    const before = await h.memberCount();
    const acks = await Promise.all([
      request(socket, 'join', { identity: TEST_IDENTITY }),
      request(socket, 'join', { identity: TEST_IDENTITY }),
    ]);
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.map(refusalOf).filter(Boolean)).toEqual(['already-joined']);
    expect(refusalOf(await request(socket, 'join', { identity: TEST_IDENTITY }))).toBe('already-joined');
    expect(await h.memberCount()).toBe(before + 1);
    socket.close();
  });

  it('never crashes and always refuses fuzzed invalid payloads (property-based)', async () => {
    const fuzzed: RoomRequestName[] = [
      'createTransport',
      'connectTransport',
      'setConsumerLayers',
      'consume',
      'setProducerPaused',
    ];
    const valid = validPayloads();
    const seenBefore = bob.events.get('memberJoined')?.length ?? 0;
    const members = await Promise.all(fuzzed.map((_, i) => h.joinMember(meetingId, `Fuzz ${i}`)));
    await waitFor(
      'Bob to hear of every fuzzing member',
      () => (bob.events.get('memberJoined')?.length ?? 0) === seenBefore + fuzzed.length,
    );
    const before = await world();

    const extraKey = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'roomId', 'memberId'),
      fc.string({ maxLength: 8 }),
    );
    /** Near misses of a valid payload, and anything at all. */
    const payloadFor = (name: RoomRequestName): fc.Arbitrary<unknown> => {
      const base = valid[name] as Record<string, unknown>;
      const keys = Object.keys(base);
      return fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc
          .record({ key: fc.constantFrom(...keys), value: fc.jsonValue({ maxDepth: 2 }) })
          .map(({ key, value }) => ({ ...base, [key]: value })),
        fc.constantFrom(...keys).map((key) => {
          const copy = { ...base };
          delete copy[key];
          return copy;
        }),
        fc
          .record({ key: extraKey, value: fc.jsonValue({ maxDepth: 2 }) })
          .map(({ key, value }) =>
            fromJson(
              `${JSON.stringify(base).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`,
            ),
          ),
        fc
          .array(fc.integer(), { minLength: 65, maxLength: 2_000 })
          .map((list) => ({ ...base, [keys[0]!]: list })),
      );
    };

    await Promise.all(
      fuzzed.map((name, i) =>
        fc.assert(
          fc.asyncProperty(payloadFor(name), async (payload) => {
            const sent = wire(payload);
            // Stay under the 64 KB message cap: over it, the socket is dropped (limits.test.ts).
            fc.pre(JSON.stringify(sent).length < 32_000);
            fc.pre(!roomRequests[name].request.safeParse(sent).success);
            const ack = await patientRequest(members[i]!.socket, name, [sent]);
            expect(refusalOf(ack)).toBe('invalid-payload');
          }),
          { numRuns: 100, seed: 20260101 + i },
        ),
      ),
    );

    expect(await world()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const member of members) {
      await expectUsable(member);
    }
  }, 60_000);
});
