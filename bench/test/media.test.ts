import { describe, expect, it } from 'vitest';
import sdpTransform from 'sdp-transform';
import type { RTCDtlsTransport, RtpPacket } from 'werift';
import type { ConsumerOptions, TransportOptions } from '@confidentiel/protocol';
import { simulcastOffer } from '../src/sections/media/janusSfu.ts';
import { failedOnGenerator, type RunResult } from '../src/sections/media/measure.ts';
import { receiveOffer, sendAnswer } from '../src/sections/media/msSdp.ts';
import {
  audioPayload,
  isVp8KeyFrame,
  readStamp,
  STAMP_BYTES,
  vp8Payload,
} from '../src/sections/media/payload.ts';
import { createPeer, enlargeReceiveBuffers, gathered, localDtls } from '../src/sections/media/peer.ts';
import { ramp } from '../src/sections/media/ramp.ts';
import { Recorder } from '../src/sections/media/recorder.ts';
import { PublisherSource } from '../src/sections/media/traffic.ts';

const frame = { pictureId: 0x1234, tl0PicIdx: 7, width: 1280, height: 720 };

describe('media payloads', () => {
  it('writes a VP8 key frame Janus and mediasoup recognise, and a stamp read back', () => {
    const stamp = { stream: 9, sequence: 42, sentAt: 1234.5 };
    const key = vp8Payload(1150, { ...frame, keyFrame: true, start: true }, stamp);
    expect(key.length).toBe(1150);
    // X and S set, partition 0; I, L, T; two-byte picture id with M set.
    expect(key.subarray(0, 4)).toEqual(Buffer.from([0x90, 0xe0, 0x80 | 0x12, 0x34]));
    expect(key[4]).toBe(7);
    // The frame tag's P bit clear, then the key-frame start code and 1280 × 720.
    expect((key[6] as number) & 0x01).toBe(0);
    expect(key.subarray(9, 16)).toEqual(Buffer.from([0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02]));
    expect(isVp8KeyFrame(key)).toBe(true);
    expect(readStamp(key)).toEqual(stamp);
  });

  it('marks delta frames and continuation packets as not key frames', () => {
    const stamp = { stream: 1, sequence: 1, sentAt: 1 };
    expect(isVp8KeyFrame(vp8Payload(850, { ...frame, keyFrame: false, start: true }, stamp))).toBe(false);
    expect(isVp8KeyFrame(vp8Payload(850, { ...frame, keyFrame: true, start: false }, stamp))).toBe(false);
  });

  it('stamps audio, and finds no stamp in foreign payloads', () => {
    const payload = audioPayload(100, { stream: 4, sequence: 0xffffffff, sentAt: 0.25 });
    expect(payload.length).toBe(100);
    expect(readStamp(payload)).toEqual({ stream: 4, sequence: 0xffffffff, sentAt: 0.25 });
    expect(readStamp(Buffer.alloc(100))).toBeNull();
    expect(readStamp(Buffer.alloc(STAMP_BYTES - 1))).toBeNull();
  });
});

/** A DTLS transport stand-in whose RTP the test pushes. */
function fakeDtls(): { dtls: RTCDtlsTransport; push: (payload: Buffer) => void } {
  let handler: (rtp: RtpPacket) => void = () => undefined;
  const dtls = {
    onRtp: {
      allUnsubscribe: () => undefined,
      subscribe: (fn: (rtp: RtpPacket) => void) => {
        handler = fn;
        return { unSubscribe: () => undefined };
      },
    },
  } as unknown as RTCDtlsTransport;
  return { dtls, push: (payload) => handler({ payload } as RtpPacket) };
}

describe('Recorder', () => {
  it('counts loss against what was sent on the expected streams, inside the window only', () => {
    const recorder = new Recorder();
    const { dtls, push } = fakeDtls();
    recorder.attach(0, dtls);
    push(audioPayload(100, { stream: 1, sequence: 0, sentAt: performance.now() }));
    recorder.open();
    const t = performance.now();
    for (let i = 0; i < 9; i++) {
      push(audioPayload(100, { stream: 1, sequence: i, sentAt: t + 0.001 }));
    }
    push(audioPayload(100, { stream: 2, sequence: 0, sentAt: t + 0.001 }));
    recorder.close();
    // Sent after the window: not counted.
    push(audioPayload(100, { stream: 1, sequence: 99, sentAt: performance.now() + 1 }));
    const result = recorder.result([{ subscriber: 0, streams: new Map([[1, 10]]) }]);
    expect(result.expected).toBe(10);
    expect(result.received).toBe(9);
    expect(result.lossPct).toBeCloseTo(10);
    expect(result.unexpected).toBe(1);
    expect(recorder.forwarded).toBe(10);
    expect(recorder.flowing([{ subscriber: 0, streams: [1, 2, 3] }], 10_000)).toBe(2);
  });
});

const transport: TransportOptions = {
  id: '00000000-0000-0000-0000-000000000001',
  iceParameters: { usernameFragment: 'ufrag', password: 'pwd', iceLite: true },
  iceCandidates: [
    {
      foundation: 'udpcandidate',
      priority: 1076302079,
      address: '10.213.0.1',
      protocol: 'udp',
      port: 40000,
      type: 'host',
    },
    {
      foundation: 'tcpcandidate',
      priority: 1076276479,
      address: '10.213.0.1',
      protocol: 'tcp',
      port: 40000,
      type: 'host',
      tcpType: 'passive',
    },
  ],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
};

const botOffer = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:1 cname:x',
  'a=setup:actpass',
  'a=fingerprint:sha-256 11:22',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  'a=ssrc:2 cname:x',
  '',
].join('\r\n');

describe('SDP for the bots', () => {
  it('answers a send offer as mediasoup-client would: ICE-lite, passive DTLS, UDP candidates, same mids', () => {
    const answer = sdpTransform.parse(sendAnswer(botOffer, transport));
    expect(answer.icelite).toBe('ice-lite');
    expect(answer.media.map((m) => [m.type, String(m.mid), m.direction, m.setup])).toEqual([
      ['audio', '0', 'recvonly', 'passive'],
      ['video', '1', 'recvonly', 'passive'],
    ]);
    expect(answer.media[0]?.candidates?.map((c) => c.transport)).toEqual(['udp']);
    expect(answer.media[1]?.rtp[0]).toMatchObject({ payload: 96, codec: 'VP8' });
    expect(localDtls(botOffer)).toEqual({
      role: 'client',
      fingerprints: [{ algorithm: 'sha-256', value: '11:22' }],
    });
  });

  it('offers one m-section per consumer with its SSRC and the router payload type', () => {
    const consumer = (mid: string, kind: 'audio' | 'video', pt: number, ssrc: number): ConsumerOptions => ({
      id: `00000000-0000-0000-0000-00000000000${mid}`,
      producerId: '00000000-0000-0000-0000-000000000009',
      kind,
      type: kind === 'video' ? 'simulcast' : 'simple',
      producerPaused: false,
      rtpParameters: {
        mid,
        codecs: [
          { mimeType: kind === 'audio' ? 'audio/opus' : 'video/VP8', payloadType: pt, clockRate: 90000 },
        ],
        encodings: [{ ssrc }],
        rtcp: { cname: 'c' },
      },
    });
    const offer = sdpTransform.parse(
      receiveOffer(transport, [consumer('0', 'audio', 100, 11), consumer('1', 'video', 101, 22)]),
    );
    expect(offer.groups?.[0]?.mids).toBe('0 1');
    expect(
      offer.media.map((m) => [String(m.mid), m.direction, m.setup, m.rtp[0]?.payload, m.ssrcs?.[0]?.id]),
    ).toEqual([
      ['0', 'sendonly', 'actpass', 100, 11],
      ['1', 'sendonly', 'actpass', 101, 22],
    ]);
  });

  it('offers Janus simulcast by SSRC group, lowest layer first', () => {
    const source = new PublisherSource(3, 3);
    const offer = sdpTransform.parse(simulcastOffer(botOffer, source));
    expect(offer.media[0]?.ssrcs?.map((s) => s.id)).toEqual([source.audioSsrc]);
    expect(offer.media[1]?.ssrcGroups).toEqual([{ semantics: 'SIM', ssrcs: source.videoSsrcs.join(' ') }]);
    expect(source.videoSsrcs).toHaveLength(3);
  });
});

describe('ramp', () => {
  const result = (lossPct: number, generatorCorePct = 50): RunResult =>
    ({
      lossPct,
      p50Ms: 1,
      p99Ms: 10,
      generatorCorePct,
      lateTicks: 0,
      cpuUsPerPacket: 10,
      sfuCorePct: 5,
      generatorWaitPct: 0,
      sutCoreOthersPct: 0,
      loadCoreOthersPct: 0,
      counters: {},
      sfuSocketDrops: 0,
      botSocketDrops: 0,
      settled: true,
    }) as RunResult;
  const sfu = (name: string) => ({
    name,
    pids: () => [],
    ownsPort: () => false,
    open: () => Promise.reject(new Error('unused')),
    stop: () => Promise.resolve(),
  });
  const steps = [1, 2, 3, 4].map((load) => ({
    load,
    plan: { rooms: load, participants: 4, viewers: 0, layers: 3 },
  }));

  it('stops each SFU at its own knee, and says when the generator was the limit', async () => {
    const [a, b] = [sfu('a'), sfu('b')];
    const outcomes = await ramp(
      [a, b],
      steps,
      { warmupMs: 0, settleMs: 0, windowMs: 0, graceMs: 0, cores: { sut: [], load: [] } },
      () => undefined,
      (s, plan) =>
        Promise.resolve(s === a ? result(plan.rooms >= 3 ? 5 : 0) : result(0, plan.rooms >= 2 ? 95 : 50)),
    );
    expect(outcomes.map((o) => [o.knee, o.generatorBound, o.ranOut, o.runs.length])).toEqual([
      [2, false, false, 3],
      [2, true, false, 2],
    ]);
  });
});

describe('bot peers', () => {
  it('reach werift 0.25.2’s UDP sockets to enlarge their receive buffers', async () => {
    const pc = createPeer(['127.0.0.1']);
    try {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, 5_000);
      expect(enlargeReceiveBuffers(pc)).toBeGreaterThan(0);
    } finally {
      await pc.close();
    }
  });
});

describe('failedOnGenerator', () => {
  const run = (over: Partial<RunResult>): RunResult =>
    ({
      lossPct: 0,
      p99Ms: 10,
      generatorCorePct: 40,
      generatorWaitPct: 0,
      lateTicks: 0,
      sfuSocketDrops: 0,
      botSocketDrops: 0,
      ...over,
    }) as RunResult;

  it('blames the SFU for losses at its own socket on a steady schedule', () => {
    expect(failedOnGenerator(run({ lossPct: 5, sfuSocketDrops: 900, generatorWaitPct: 40 }))).toBe(false);
  });

  it('blames the generator when it fell behind, its sockets dropped, or it read late', () => {
    expect(failedOnGenerator(run({ lossPct: 5, sfuSocketDrops: 900, lateTicks: 3 }))).toBe(true);
    expect(failedOnGenerator(run({ lossPct: 5, botSocketDrops: 10 }))).toBe(true);
    expect(failedOnGenerator(run({ p99Ms: 400, generatorWaitPct: 60 }))).toBe(true);
    expect(failedOnGenerator(run({ p99Ms: 400 }))).toBe(false);
    expect(failedOnGenerator(run({ generatorCorePct: 95, lossPct: 5 }))).toBe(true);
  });
});
