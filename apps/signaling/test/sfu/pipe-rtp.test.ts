/**
 * Issue 12: a producer on one SFU host consumed by a member on another,
 * through mediasoup pipe transports joined over the control channels. Real
 * RTP goes in on host A (a test feed: plain RTP on a loopback port) and must
 * come out of the copy on host B; pausing and closing the producer follow
 * it there.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { SfuConnection } from '../../src/sfu/SfuConnection.ts';
import type { SfuCluster } from '../../src/sfu/SfuCluster.ts';
import { captureLogger, sleep, unknownMeetingId, waitFor } from '../support/harness.ts';
import {
  allLive,
  clusterOver,
  controlSecret,
  controlTokens,
  feedOpusParameters,
  hostsWithRoom,
  startHost,
  type TestHost,
} from './support.ts';
import { SFU_CONTROL_AUDIENCE } from '@confidentiel/protocol';

const SSRC = 0x2222_3333;
const MARKER = Buffer.from('PIPED-RTP');
/** Time to see packets cross (or not): generous against a loaded machine. */
const FLOW_MS = 5_000;
const STILL_MS = 600;

function opusPacket(sequenceNumber: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt8(0x80, 0);
  header.writeUInt8(100, 1);
  header.writeUInt16BE(sequenceNumber & 0xffff, 2);
  header.writeUInt32BE((sequenceNumber * 960) >>> 0, 4);
  header.writeUInt32BE(SSRC, 8);
  const index = Buffer.alloc(2);
  index.writeUInt16BE(sequenceNumber & 0xffff);
  return Buffer.concat([header, MARKER, index, randomBytes(40)]);
}

/** Sends an Opus-like RTP packet every 10 ms to the feed until stopped. */
function sender(socket: Socket, ip: string, port: number): { stop: () => void; sent: () => number } {
  let sequence = 1;
  const timer = setInterval(() => socket.send(opusPacket(sequence++), port, ip), 10);
  return { stop: () => clearInterval(timer), sent: () => sequence - 1 };
}

async function bytesOf(producer: types.Producer): Promise<number> {
  const stats = await producer.getStats();
  return stats.reduce((sum, s) => sum + s.byteCount, 0);
}

describe('a producer piped across two SFU hosts', () => {
  let secret: string;
  let hosts: TestHost[];
  let cluster: SfuCluster;
  let udp: Socket;
  let direct: SfuConnection[];

  beforeAll(async () => {
    secret = controlSecret();
    hosts = [await startHost(secret, { testTap: true }), await startHost(secret, { testTap: true })];
    ({ cluster } = clusterOver(hosts, secret, { maxMembersPerHost: 1 }));
    await allLive(cluster, hosts);
    udp = createSocket('udp4');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    // Straight to each host, as a test would: to tap what the copy forwards.
    const tokens = controlTokens(secret);
    direct = hosts.map(
      (h) =>
        new SfuConnection({
          hostId: h.id,
          logger: captureLogger('direct').logger,
          token: () =>
            tokens.issue({
              audience: SFU_CONTROL_AUDIENCE,
              typ: SFU_CONTROL_AUDIENCE,
              subject: 'test',
              ttlSeconds: 60,
            }).token,
        }),
    );
    await Promise.all(direct.map((c) => c.ready(5_000)));
  }, 60_000);

  afterAll(async () => {
    udp?.close();
    for (const c of direct ?? []) {
      c.close();
    }
    cluster?.close();
    for (const h of hosts ?? []) {
      await h.close();
    }
  });

  it('carries real RTP from host A to a consumer on host B, and pause and close follow', async () => {
    const roomId = unknownMeetingId();
    const { rtpCapabilities } = await cluster.request('getRouterRtpCapabilities', { roomId });
    const [a] = hostsWithRoom(hosts, roomId);
    expect(a).toBeDefined();
    const b = hosts.find((h) => h !== a)!;
    const caps = rtpCapabilities;

    // Ada's microphone, fed with RTP, on host A (the meeting's host).
    const feed = await cluster.request('openTestFeed', {
      roomId,
      memberId: 'member-ada-0001',
      kind: 'audio',
      source: 'microphone',
      rtpParameters: feedOpusParameters(SSRC),
    });
    const send = sender(udp, feed.ip, feed.port);
    try {
      const original = a!.media.producers.get(feed.producerId)!;
      await waitFor('RTP at the producer on host A', async () => (await bytesOf(original)) > 0, FLOW_MS);

      // Host A is full (one member): Bob goes to host B.
      await cluster.request('createWebRtcTransport', {
        roomId,
        memberId: 'member-bob-0001',
        direction: 'recv',
      });
      expect(
        hostsWithRoom(hosts, roomId)
          .map((h) => h.id)
          .sort(),
      ).toEqual([a!.id, b.id].sort());
      expect(b.sfu!.registry.get(roomId).memberCount).toBe(1);

      // Negative control: nothing of Ada's on host B before Bob consumes it.
      expect(b.media.producers.has(feed.producerId)).toBe(false);
      await expect(
        direct[hosts.indexOf(b)]!.request('tapProducer', {
          roomId,
          producerId: feed.producerId,
          maxPackets: 1,
          timeoutMs: 100,
        }),
      ).rejects.toMatchObject({ reason: 'not-found' });

      const consumer = await cluster.request('consume', {
        roomId,
        memberId: 'member-bob-0001',
        producerId: feed.producerId,
        rtpCapabilities: caps,
      });
      expect(consumer.producerId).toBe(feed.producerId);
      // The copy on host B keeps the producer's id, came through a pipe transport, and receives RTP.
      const copy = b.media.producers.get(feed.producerId)!;
      expect(copy).toBeDefined();
      const pipes = [...b.media.transports.values()].filter((t) => t.type === 'pipe' && !t.closed);
      expect(pipes).toHaveLength(1);
      // SRTP on the wire between hosts.
      expect((pipes[0] as types.PipeTransport).srtpParameters?.cryptoSuite).toBeDefined();
      await waitFor('RTP at the copy on host B', async () => (await bytesOf(copy)) > 0, FLOW_MS);
      const before = await bytesOf(copy);
      await waitFor('RTP still arriving on host B', async () => (await bytesOf(copy)) > before, FLOW_MS);
      // What host B forwards is what was sent to host A, intact.
      const tapped = await direct[hosts.indexOf(b)]!.request('tapProducer', {
        roomId,
        producerId: feed.producerId,
        maxPackets: 5,
        timeoutMs: FLOW_MS,
      });
      expect(tapped.packets.length).toBe(5);
      for (const packet of tapped.packets) {
        expect(Buffer.from(packet, 'base64').includes(MARKER)).toBe(true);
      }

      // Pause on host A: the copy is paused too, and no RTP crosses any more.
      await cluster.request('setProducerPaused', {
        roomId,
        memberId: 'member-ada-0001',
        producerId: feed.producerId,
        paused: true,
      });
      expect(original.paused).toBe(true);
      await waitFor('the copy paused', () => copy.paused, FLOW_MS);
      const bobsConsumer = b.media.consumers.get(consumer.id)!;
      expect(bobsConsumer.producerPaused).toBe(true);
      await sleep(STILL_MS);
      const paused = await bytesOf(copy);
      await sleep(STILL_MS);
      expect(await bytesOf(copy)).toBe(paused);

      await cluster.request('setProducerPaused', {
        roomId,
        memberId: 'member-ada-0001',
        producerId: feed.producerId,
        paused: false,
      });
      await waitFor('the copy resumed', () => !copy.paused && !bobsConsumer.producerPaused, FLOW_MS);
      await waitFor('RTP crossing again', async () => (await bytesOf(copy)) > paused, FLOW_MS);

      // Close on host A: the copy and Bob's consumer on host B close.
      const consumerClosed = new Promise<unknown>((resolve) => {
        const off = cluster.on('consumerClosed', (event) => {
          if (event.consumerId === consumer.id) {
            off();
            resolve(event);
          }
        });
      });
      await cluster.request('closeProducer', {
        roomId,
        memberId: 'member-ada-0001',
        producerId: feed.producerId,
      });
      await waitFor('the copy closed on host B', () => copy.closed, FLOW_MS);
      expect(await consumerClosed).toMatchObject({
        memberId: 'member-bob-0001',
        producerId: feed.producerId,
      });
      expect(bobsConsumer.closed).toBe(true);
    } finally {
      send.stop();
    }
    await cluster.request('closeRoom', { roomId });
    expect(hostsWithRoom(hosts, roomId)).toEqual([]);
  }, 40_000);
});
