/**
 * The mediasoup worker is built from Debian libraries (scripts/build-mediasoup-worker.sh),
 * with libsrtp 3's API emulated over libsrtp2 by a small compatibility header
 * (infra/mediasoup-worker). These tests hold that glue to account with real
 * workers: for every SRTP suite mediasoup offers, RTP crosses an untrusted
 * relay between two routers (on two workers) and must arrive intact, never be
 * readable by the relay, and never be accepted once the relay tampers with it.
 *
 *   sender --RTP--> [router A: plain in -> SRTP out] --SRTP--> relay
 *     --SRTP--> [router B: SRTP in -> plain out] --RTP--> receiver
 *
 * Run: MEDIASOUP_WORKER_BIN="$(bash scripts/build-mediasoup-worker.sh)" npx vitest run apps/sfu/test/srtp-relay.test.ts
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LOCALHOST = '127.0.0.1';
const SUITES: types.SrtpCryptoSuite[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
];
/** Bytes SRTP appends to each RTP packet (the authentication tag), per suite. */
const TAG_LENGTH: Record<types.SrtpCryptoSuite, number> = {
  AES_CM_128_HMAC_SHA1_80: 10,
  AES_CM_128_HMAC_SHA1_32: 4,
  AEAD_AES_128_GCM: 16,
  AEAD_AES_256_GCM: 16,
};
const PACKET_COUNT = 60;
const TAMPERED_COUNT = 20;
const PACKET_INTERVAL_MS = 5;
const DELIVERY_TIMEOUT_MS = 5_000;
/** After the last expected packet, how long stragglers (e.g. accepted forgeries) get to show up. */
const SETTLE_MS = 300;
const ACTIVE_SPEAKER_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 30_000;
const MARKER = Buffer.from('CONFIDENTIEL-CLEARTEXT-MARKER');
const BODY_LENGTH = 100;
/** Marker, 16-bit packet index, body. */
const PAYLOAD_LENGTH = MARKER.length + 2 + BODY_LENGTH;
/** A relayed packet containing any chunk this long of a plaintext body leaks cleartext. */
const LEAK_CHUNK_LENGTH = 12;
const OPUS_PAYLOAD_TYPE = 100;
const SENDER_SSRC = 0x1111_1111;
const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const AUDIO_LEVEL_EXTENSION_ID = 1;
/** RFC 6464 levels are -dBov: 127 is silence, 0 the loudest. */
const SILENCE = { level: 127, voice: false };
/**
 * Speech as the observer scores it: long loud runs (its long-term score needs
 * five loud 20 ms samples in a row) over a quiet floor heard now and then (a
 * level that never drops becomes the floor itself and scores nothing).
 */
function speech(sequenceNumber: number): { level: number; voice: boolean } {
  return sequenceNumber % 50 === 0 ? { level: 90, voice: false } : { level: 10, voice: true };
}

const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48_000, channels: 2 },
];
const opusCodec: types.RtpCodecParameters = {
  mimeType: 'audio/opus',
  payloadType: OPUS_PAYLOAD_TYPE,
  clockRate: 48_000,
  channels: 2,
};

// --- RTP on the wire -------------------------------------------------------

type RtpPacket = { payloadType: number; sequenceNumber: number; headerLength: number; payload: Buffer };

function buildRtp(options: {
  sequenceNumber: number;
  ssrc: number;
  payload: Buffer;
  audioLevel?: { level: number; voice: boolean };
}): Buffer {
  const header = Buffer.alloc(12);
  const withExtension = options.audioLevel !== undefined;
  header.writeUInt8(withExtension ? 0x90 : 0x80, 0);
  header.writeUInt8(OPUS_PAYLOAD_TYPE, 1);
  header.writeUInt16BE(options.sequenceNumber & 0xffff, 2);
  header.writeUInt32BE((options.sequenceNumber * 960) >>> 0, 4);
  header.writeUInt32BE(options.ssrc, 8);
  if (options.audioLevel === undefined) {
    return Buffer.concat([header, options.payload]);
  }
  // RFC 8285 one-byte header extension holding RFC 6464's audio level.
  const extension = Buffer.from([
    0xbe,
    0xde,
    0x00,
    0x01,
    (AUDIO_LEVEL_EXTENSION_ID << 4) | 0,
    (options.audioLevel.voice ? 0x80 : 0) | options.audioLevel.level,
    0x00,
    0x00,
  ]);
  return Buffer.concat([header, extension, options.payload]);
}

function isRtcp(packet: Buffer): boolean {
  // RFC 5761 demultiplexing: RTCP packet types 192-223 sit where RTP has M+PT.
  const second = packet.length >= 2 ? packet.readUInt8(1) : 0;
  return second >= 192 && second <= 223;
}

/** Parses an RTP packet (header, CSRCs, extension, padding); undefined for RTCP or garbage. */
function parseRtp(packet: Buffer): RtpPacket | undefined {
  if (packet.length < 12 || (packet.readUInt8(0) & 0xc0) !== 0x80 || isRtcp(packet)) {
    return undefined;
  }
  const first = packet.readUInt8(0);
  let headerLength = 12 + 4 * (first & 0x0f);
  if ((first & 0x10) !== 0) {
    if (packet.length < headerLength + 4) {
      return undefined;
    }
    headerLength += 4 + 4 * packet.readUInt16BE(headerLength + 2);
  }
  let end = packet.length;
  if ((first & 0x20) !== 0) {
    end -= packet.readUInt8(end - 1);
  }
  if (end < headerLength) {
    return undefined;
  }
  return {
    payloadType: packet.readUInt8(1) & 0x7f,
    sequenceNumber: packet.readUInt16BE(2),
    headerLength,
    payload: packet.subarray(headerLength, end),
  };
}

// --- sockets and waiting ---------------------------------------------------

async function bindUdp(): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(0, LOCALHOST);
  await once(socket, 'listening');
  return socket;
}

function portOf(socket: Socket): number {
  return socket.address().port;
}

async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(10);
  }
}

// --- the relay -------------------------------------------------------------

type TamperKind = 'payload' | 'tag' | 'header';
const TAMPER_KINDS: TamperKind[] = ['payload', 'tag', 'header'];

/**
 * A UDP relay on 127.0.0.1 we own, standing for the network between two SFU
 * nodes: it forwards both ways, records what it could read, and, when asked,
 * sends a tampered copy of some RTP packets ahead of the genuine ones.
 */
class Relay {
  /** Per RTP packet from router A: bytes after the payload (the SRTP tag, or none). */
  readonly trailerLengths: number[] = [];
  tamperedSent = 0;
  cleartextLeaks = 0;
  readonly facingA: Socket;
  readonly facingB: Socket;
  readonly #bodies: Buffer[];
  readonly #tamper: boolean;
  #rtpSeen = 0;

  private constructor(facingA: Socket, facingB: Socket, bodies: Buffer[], tamper: boolean) {
    this.facingA = facingA;
    this.facingB = facingB;
    this.#bodies = bodies;
    this.#tamper = tamper;
  }

  static async start(bodies: Buffer[], tamper: boolean): Promise<Relay> {
    return new Relay(await bindUdp(), await bindUdp(), bodies, tamper);
  }

  forward(portA: number, portB: number): void {
    this.facingA.on('message', (packet) => {
      this.#inspect(packet);
      const rtp = parseRtp(packet);
      if (rtp !== undefined) {
        this.trailerLengths.push(rtp.payload.length - PAYLOAD_LENGTH);
        this.#maybeTamper(packet, rtp, portB);
      }
      this.facingB.send(packet, portB, LOCALHOST);
    });
    this.facingB.on('message', (packet) => {
      this.#inspect(packet);
      this.facingA.send(packet, portA, LOCALHOST);
    });
  }

  close(): void {
    this.facingA.close();
    this.facingB.close();
  }

  #inspect(packet: Buffer): void {
    if (packet.includes(MARKER) || this.#bodies.some((body) => containsChunkOf(packet, body))) {
      this.cleartextLeaks += 1;
    }
  }

  #maybeTamper(packet: Buffer, rtp: RtpPacket, portB: number): void {
    const index = this.#rtpSeen++;
    if (!this.#tamper || index % 3 !== 1 || this.tamperedSent >= TAMPERED_COUNT) {
      return;
    }
    const kind = TAMPER_KINDS[this.tamperedSent % TAMPER_KINDS.length] ?? 'payload';
    const forged = Buffer.from(packet);
    // The last byte is the tag under SRTP, the end of the payload without; byte 7 is in the timestamp.
    const at = kind === 'payload' ? rtp.headerLength + 5 : kind === 'tag' ? forged.length - 1 : 7;
    forged.writeUInt8(forged.readUInt8(at) ^ 0x01, at);
    this.tamperedSent += 1;
    this.facingB.send(forged, portB, LOCALHOST);
  }
}

function containsChunkOf(packet: Buffer, body: Buffer): boolean {
  for (let start = 0; start + LEAK_CHUNK_LENGTH <= body.length; start += LEAK_CHUNK_LENGTH) {
    if (packet.includes(body.subarray(start, start + LEAK_CHUNK_LENGTH))) {
      return true;
    }
  }
  return false;
}

// --- the receiver ----------------------------------------------------------

/** Classifies what router B delivers: exact payloads by index, anything else as corrupted. */
class Receiver {
  readonly intact = new Set<number>();
  received = 0;
  corrupted = 0;
  duplicates = 0;
  readonly socket: Socket;
  readonly #expected: Buffer[];

  private constructor(socket: Socket, expected: Buffer[]) {
    this.socket = socket;
    this.#expected = expected;
    socket.on('message', (packet) => this.#onPacket(packet));
  }

  static async start(expected: Buffer[]): Promise<Receiver> {
    return new Receiver(await bindUdp(), expected);
  }

  #onPacket(packet: Buffer): void {
    const rtp = parseRtp(packet);
    if (rtp === undefined) {
      return;
    }
    this.received += 1;
    const index = rtp.payload.length >= MARKER.length + 2 ? rtp.payload.readUInt16BE(MARKER.length) : -1;
    const expected = this.#expected[index];
    if (expected === undefined || !rtp.payload.equals(expected)) {
      this.corrupted += 1;
    } else if (this.intact.has(index)) {
      this.duplicates += 1;
    } else {
      this.intact.add(index);
    }
  }
}

// --- workers ---------------------------------------------------------------

const workerBin = process.env['MEDIASOUP_WORKER_BIN'];
let workerA: types.Worker;
let workerB: types.Worker;
let routerA: types.Router;
let routerB: types.Router;

beforeAll(async () => {
  if (workerBin === undefined || workerBin === '') {
    throw new Error(
      'MEDIASOUP_WORKER_BIN is not set. Build the worker and point at it: ' +
        'export MEDIASOUP_WORKER_BIN="$(bash scripts/build-mediasoup-worker.sh)"',
    );
  }
  workerA = await mediasoup.createWorker({ workerBin, logLevel: 'warn' });
  workerB = await mediasoup.createWorker({ workerBin, logLevel: 'warn' });
  routerA = await workerA.createRouter({ mediaCodecs });
  routerB = await workerB.createRouter({ mediaCodecs });
});

afterAll(() => {
  workerA?.close();
  workerB?.close();
});

function listenInfo(): types.TransportListenInfo {
  return { protocol: 'udp', ip: LOCALHOST };
}

type RelayRun = { relay: Relay; receiver: Receiver };

/** Sends PACKET_COUNT packets through sender -> A -> relay -> B -> receiver, SRTP on the relay leg if a suite is given. */
async function relayThroughRouters(
  cryptoSuite: types.SrtpCryptoSuite | undefined,
  options: { tamper: boolean },
): Promise<RelayRun> {
  const srtp = cryptoSuite !== undefined;
  const bodies = Array.from({ length: PACKET_COUNT }, () => randomBytes(BODY_LENGTH));
  const payloads = bodies.map((body, index) => {
    const indexBytes = Buffer.alloc(2);
    indexBytes.writeUInt16BE(index);
    return Buffer.concat([MARKER, indexBytes, body]);
  });

  const sender = await bindUdp();
  const relay = await Relay.start(bodies, options.tamper);
  const receiver = await Receiver.start(payloads);
  const transports: types.Transport[] = [];
  try {
    const ingressA = await routerA.createPlainTransport({ listenInfo: listenInfo(), comedia: true });
    const egressA = await routerA.createPlainTransport({
      listenInfo: listenInfo(),
      enableSrtp: srtp,
      ...(srtp ? { srtpCryptoSuite: cryptoSuite } : {}),
    });
    const ingressB = await routerB.createPlainTransport({
      listenInfo: listenInfo(),
      enableSrtp: srtp,
      ...(srtp ? { srtpCryptoSuite: cryptoSuite } : {}),
    });
    const egressB = await routerB.createPlainTransport({ listenInfo: listenInfo() });
    transports.push(ingressA, egressA, ingressB, egressB);
    if (srtp) {
      expect(egressA.srtpParameters?.cryptoSuite).toBe(cryptoSuite);
      expect(ingressB.srtpParameters?.cryptoSuite).toBe(cryptoSuite);
    }

    // Each side decrypts with the other's keys; both talk only to the relay.
    relay.forward(egressA.tuple.localPort, ingressB.tuple.localPort);
    await egressA.connect({
      ip: LOCALHOST,
      port: portOf(relay.facingA),
      ...(srtp ? { srtpParameters: ingressB.srtpParameters } : {}),
    });
    await ingressB.connect({
      ip: LOCALHOST,
      port: portOf(relay.facingB),
      ...(srtp ? { srtpParameters: egressA.srtpParameters } : {}),
    });
    await egressB.connect({ ip: LOCALHOST, port: portOf(receiver.socket) });

    const producerA = await ingressA.produce({
      kind: 'audio',
      rtpParameters: { codecs: [opusCodec], encodings: [{ ssrc: SENDER_SSRC }] },
    });
    const consumerA = await egressA.consume({
      producerId: producerA.id,
      rtpCapabilities: routerA.rtpCapabilities,
    });
    const producerB = await ingressB.produce({ kind: 'audio', rtpParameters: consumerA.rtpParameters });
    await egressB.consume({ producerId: producerB.id, rtpCapabilities: routerB.rtpCapabilities });

    for (const [index, payload] of payloads.entries()) {
      const packet = buildRtp({ sequenceNumber: 1000 + index, ssrc: SENDER_SSRC, payload });
      sender.send(packet, ingressA.tuple.localPort, LOCALHOST);
      await sleep(PACKET_INTERVAL_MS);
    }
    await waitFor(
      `${PACKET_COUNT} intact payloads at the receiver`,
      () => receiver.intact.size === PACKET_COUNT,
    );
    await sleep(SETTLE_MS);
    return { relay, receiver };
  } finally {
    for (const transport of transports) {
      transport.close();
    }
    sender.close();
    relay.close();
    receiver.socket.close();
  }
}

describe('SRTP between two routers through an untrusted relay', () => {
  it.each(SUITES)(
    '%s: every payload arrives intact, the relay reads no cleartext, tampered packets are dropped',
    async (cryptoSuite) => {
      const { relay, receiver } = await relayThroughRouters(cryptoSuite, { tamper: true });

      expect(receiver.intact.size).toBe(PACKET_COUNT);
      expect(receiver.received).toBe(PACKET_COUNT);
      expect(receiver.corrupted).toBe(0);
      expect(receiver.duplicates).toBe(0);
      expect(relay.cleartextLeaks).toBe(0);
      expect(relay.tamperedSent).toBe(TAMPERED_COUNT);
      // The relayed packets are this suite's SRTP: same length as the RTP plus the suite's tag.
      expect(relay.trailerLengths).toHaveLength(PACKET_COUNT);
      expect(new Set(relay.trailerLengths)).toEqual(new Set([TAG_LENGTH[cryptoSuite]]));
      expect(workerA.died || workerB.died).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'control: without SRTP on the relay leg, the relay reads the cleartext and its tampering gets through',
    async () => {
      const { relay, receiver } = await relayThroughRouters(undefined, { tamper: true });

      expect(relay.cleartextLeaks).toBeGreaterThanOrEqual(PACKET_COUNT);
      expect(new Set(relay.trailerLengths)).toEqual(new Set([0]));
      expect(relay.tamperedSent).toBe(TAMPERED_COUNT);
      // Every forgery reached the receiver: payload and tag flips as corrupted
      // payloads, timestamp flips as duplicates.
      expect(receiver.intact.size).toBe(PACKET_COUNT);
      expect(receiver.corrupted + receiver.duplicates).toBe(TAMPERED_COUNT);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the worker built from Debian libraries', () => {
  it(
    'serves WebRtcTransports through a WebRtcServer and on their own ports',
    async () => {
      const webRtcServer = await workerA.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: LOCALHOST },
          { protocol: 'tcp', ip: LOCALHOST },
        ],
      });
      try {
        const viaServer = await routerA.createWebRtcTransport({
          webRtcServer,
          enableUdp: true,
          enableTcp: true,
        });
        expect(viaServer.iceCandidates.map((candidate) => candidate.protocol).sort()).toEqual(['tcp', 'udp']);
        expect(viaServer.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
        expect((await webRtcServer.dump()).webRtcTransportIds).toContain(viaServer.id);

        const ownPorts = await routerA.createWebRtcTransport({
          listenInfos: [
            { protocol: 'udp', ip: LOCALHOST },
            { protocol: 'tcp', ip: LOCALHOST },
          ],
          enableSctp: true,
        });
        expect(ownPorts.iceCandidates).toHaveLength(2);
        expect(ownPorts.iceState).toBe('new');
        expect(ownPorts.sctpParameters?.port).toBe(5000);
        ownPorts.close();
        viaServer.close();
      } finally {
        webRtcServer.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'ActiveSpeakerObserver passes the floor from a silent producer to one that speaks',
    async () => {
      await withSpeakers(async ({ silent, loud, observer, dominant, speakUntil }) => {
        await observer.addProducer({ producerId: silent.id });
        await speakUntil(() => dominant.at(-1) === silent.id, ['silent']);
        expect(dominant).toEqual([silent.id]);
        await observer.addProducer({ producerId: loud.id });
        await speakUntil(() => dominant.at(-1) === loud.id, ['silent', 'loud']);
        expect(dominant).toEqual([silent.id, loud.id]);
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'ActiveSpeakerObserver gives the floor to the producer that speaks when both join at once',
    async () => {
      // The unordered_dense stand-in iterates in hash order, not insertion
      // order, and with nobody on the floor the observer starts from its map's
      // begin(): whichever producer that is, speech must end up with the floor.
      await withSpeakers(async ({ silent, loud, observer, dominant, speakUntil }) => {
        await observer.addProducer({ producerId: silent.id });
        await observer.addProducer({ producerId: loud.id });
        await speakUntil(() => dominant.at(-1) === loud.id, ['silent', 'loud']);
        expect(dominant.at(-1)).toBe(loud.id);
      });
    },
    TEST_TIMEOUT_MS,
  );
});

type Floor = {
  silent: types.Producer;
  loud: types.Producer;
  observer: types.ActiveSpeakerObserver;
  /** Producer ids in the order the observer gave them the floor. */
  dominant: string[];
  /** Sends a 20 ms audio packet from each named producer in turn until `done()` or the timeout. */
  speakUntil: (done: () => boolean, who: ('silent' | 'loud')[]) => Promise<void>;
};

/** Two audio producers on router A, one silent and one speaking, and an ActiveSpeakerObserver. */
async function withSpeakers(run: (floor: Floor) => Promise<void>): Promise<void> {
  const observer = await routerA.createActiveSpeakerObserver({ interval: 100 });
  const dominant: string[] = [];
  observer.on('dominantspeaker', ({ producer }) => dominant.push(producer.id));
  const sender = await bindUdp();
  const transports: types.Transport[] = [];
  try {
    const speaker = async (ssrc: number) => {
      const transport = await routerA.createPlainTransport({ listenInfo: listenInfo(), comedia: true });
      transports.push(transport);
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [opusCodec],
          headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: AUDIO_LEVEL_EXTENSION_ID }],
          encodings: [{ ssrc }],
        },
      });
      return { port: transport.tuple.localPort, producer, ssrc };
    };
    const speakers = { silent: await speaker(0x2222_2222), loud: await speaker(0x3333_3333) };
    const payload = Buffer.alloc(40, 0xaa);
    let sequenceNumber = 0;
    const speakUntil = async (done: () => boolean, who: ('silent' | 'loud')[]) => {
      const deadline = Date.now() + ACTIVE_SPEAKER_TIMEOUT_MS;
      while (!done() && Date.now() < deadline) {
        for (const name of who) {
          const { port, ssrc } = speakers[name];
          const audioLevel = name === 'loud' ? speech(sequenceNumber) : SILENCE;
          sender.send(buildRtp({ sequenceNumber, ssrc, payload, audioLevel }), port, LOCALHOST);
        }
        sequenceNumber += 1;
        await sleep(20);
      }
    };
    await run({
      silent: speakers.silent.producer,
      loud: speakers.loud.producer,
      observer,
      dominant,
      speakUntil,
    });
  } finally {
    observer.close();
    for (const transport of transports) {
      transport.close();
    }
    sender.close();
  }
}
