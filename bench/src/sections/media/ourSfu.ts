/**
 * Our SFU under test: bots seated the way the web client does it through
 * signaling (mediasoup-client's steps): a send transport per publisher with
 * an audio and a simulcast video producer (SSRC encodings), a receive
 * transport per subscriber with paused consumers of every other publisher,
 * then resumed once its DTLS is up.
 */
import { randomBytes } from 'node:crypto';
import sdpTransform from 'sdp-transform';
import type { RTCPeerConnection } from 'werift';
import type { ConsumerOptions, RtpCapabilities, RtpParameters } from '@confidentiel/protocol';
import type { Pinning } from '../../core/pinning.ts';
import { inBatches, type LoadPlan, type MediaSession, type SfuUnderTest } from './driver.ts';
import { receiveOffer, sendAnswer } from './msSdp.ts';
import { startOurSfu, type OurSfuProcess } from './ourControl.ts';
import { connected, createPeer, dtlsOf, enlargeReceiveBuffers, localDtls, OPUS_PT, VP8_PT } from './peer.ts';
import type { Recorder } from './recorder.ts';
import { audioStreamOf, LAYERS, PublisherSource, videoStreamOf } from './traffic.ts';

const CONNECT_TIMEOUT_MS = 15_000;
const BATCH = 4;

const videoFeedback = [
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
];

/** What the bots can receive: Opus and VP8, no header extension (so no bandwidth estimation: layers as preferred). */
const BOT_CAPABILITIES: RtpCapabilities = {
  codecs: [
    { kind: 'audio', mimeType: 'audio/opus', preferredPayloadType: OPUS_PT, clockRate: 48000, channels: 2 },
    {
      kind: 'video',
      mimeType: 'video/VP8',
      preferredPayloadType: VP8_PT,
      clockRate: 90000,
      rtcpFeedback: videoFeedback,
    },
  ],
  headerExtensions: [],
};

const memberId = (): string => randomBytes(12).toString('base64url');

interface Seat {
  memberId: string;
  source?: PublisherSource;
  producerIds: string[];
}

export class OurSfu implements SfuUnderTest {
  readonly name = 'ours (mediasoup)';
  readonly #sfu: OurSfuProcess;
  readonly #hosts: readonly string[];

  private constructor(sfu: OurSfuProcess, hosts: readonly string[]) {
    this.#sfu = sfu;
    this.#hosts = hosts;
  }

  /** Media on `address` (the bench network's, or loopback), and the bots there too. */
  static async start(
    root: string,
    pinning: Pinning,
    workDir: string,
    address: string,
    mainScript?: string,
  ): Promise<OurSfu> {
    return new OurSfu(await startOurSfu(root, pinning, workDir, address, mainScript), [address]);
  }

  pids(): number[] {
    return [this.#sfu.pid];
  }

  ownsPort(port: number): boolean {
    return port === this.#sfu.rtcPort;
  }

  async stop(): Promise<void> {
    await this.#sfu.stop();
  }

  async open(plan: LoadPlan, recorder: Recorder): Promise<MediaSession> {
    const peers: RTCPeerConnection[] = [];
    const roomIds: string[] = [];
    const sources: PublisherSource[] = [];
    const expectations: { subscriber: number; streams: number[] }[] = [];
    const close = async (): Promise<void> => {
      await Promise.allSettled(peers.map((pc) => pc.close()));
      await Promise.allSettled(roomIds.map((roomId) => this.#sfu.request('closeRoom', { roomId })));
    };
    try {
      for (let r = 0; r < plan.rooms; r++) {
        const roomId = randomBytes(16).toString('base64url');
        roomIds.push(roomId);
        await this.#sfu.request('getRouterRtpCapabilities', { roomId });
        const publishers: Seat[] = Array.from({ length: plan.participants }, () => {
          const source = new PublisherSource(sources.length, plan.layers);
          sources.push(source);
          return { memberId: memberId(), source, producerIds: [] };
        });
        await inBatches(
          publishers.map((seat) => async () => {
            const { pc, producerIds } = await this.#publish(
              roomId,
              seat.memberId,
              seat.source as PublisherSource,
            );
            peers.push(pc);
            seat.producerIds = producerIds;
          }),
          BATCH,
        );
        const viewers: Seat[] = Array.from({ length: plan.viewers }, () => ({
          memberId: memberId(),
          producerIds: [],
        }));
        const subscribers = [...publishers, ...viewers];
        await inBatches(
          subscribers.map((seat) => async () => {
            const others = publishers.filter((p) => p !== seat);
            const subscriber = expectations.length;
            expectations.push({
              subscriber,
              streams: others.flatMap((p) => {
                const index = (p.source as PublisherSource).index;
                return [audioStreamOf(index), videoStreamOf(index, LAYERS.length - 1)];
              }),
            });
            const producerIds = others.flatMap((p) => p.producerIds);
            peers.push(await this.#subscribe(roomId, seat.memberId, producerIds, subscriber, recorder));
          }),
          BATCH,
        );
      }
    } catch (error) {
      await close();
      throw error;
    }
    return { sources, expectations, close };
  }

  async #publish(
    roomId: string,
    member: string,
    source: PublisherSource,
  ): Promise<{ pc: RTCPeerConnection; producerIds: string[] }> {
    const sfu = this.#sfu;
    const transport = await sfu.request('createWebRtcTransport', {
      roomId,
      memberId: member,
      direction: 'send',
    });
    const pc = createPeer(this.#hosts);
    try {
      pc.addTransceiver('audio', { direction: 'sendonly' });
      pc.addTransceiver('video', { direction: 'sendonly' });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await pc.setRemoteDescription({ type: 'answer', sdp: sendAnswer(offer.sdp, transport) });
      await sfu.request('connectTransport', {
        roomId,
        memberId: member,
        transportId: transport.id,
        dtlsParameters: localDtls(offer.sdp),
      });
      const [audioMid, videoMid] = sdpTransform.parse(offer.sdp).media.map((m) => String(m.mid));
      const cname = `bot-${source.index}`;
      const audio: RtpParameters = {
        mid: audioMid,
        codecs: [
          {
            mimeType: 'audio/opus',
            payloadType: OPUS_PT,
            clockRate: 48000,
            channels: 2,
            parameters: { minptime: 10, useinbandfec: 1 },
            rtcpFeedback: [],
          },
        ],
        headerExtensions: [],
        encodings: [{ ssrc: source.audioSsrc }],
        rtcp: { cname, reducedSize: true },
      };
      const video: RtpParameters = {
        mid: videoMid,
        codecs: [
          { mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000, rtcpFeedback: videoFeedback },
        ],
        headerExtensions: [],
        // Simulcast by SSRC, lowest layer first (as mediasoup-client sends Chrome's).
        encodings: source.videoSsrcs.map((ssrc) => ({ ssrc, scalabilityMode: 'L1T1' })),
        rtcp: { cname, reducedSize: true },
      };
      const base = { roomId, memberId: member, transportId: transport.id };
      const a = await sfu.request('produce', {
        ...base,
        kind: 'audio',
        source: 'microphone',
        rtpParameters: audio,
      });
      const v = await sfu.request('produce', {
        ...base,
        kind: 'video',
        source: 'camera',
        rtpParameters: video,
      });
      await connected(pc, CONNECT_TIMEOUT_MS);
      source.attach(dtlsOf(pc));
      return { pc, producerIds: [a.producerId, v.producerId] };
    } catch (error) {
      await pc.close();
      throw error;
    }
  }

  async #subscribe(
    roomId: string,
    member: string,
    producerIds: readonly string[],
    subscriber: number,
    recorder: Recorder,
  ): Promise<RTCPeerConnection> {
    const sfu = this.#sfu;
    const transport = await sfu.request('createWebRtcTransport', {
      roomId,
      memberId: member,
      direction: 'recv',
    });
    const consumers: ConsumerOptions[] = [];
    for (const producerId of producerIds) {
      consumers.push(
        await sfu.request('consume', {
          roomId,
          memberId: member,
          producerId,
          rtpCapabilities: BOT_CAPABILITIES,
        }),
      );
    }
    const pc = createPeer(this.#hosts);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: receiveOffer(transport, consumers) });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await sfu.request('connectTransport', {
        roomId,
        memberId: member,
        transportId: transport.id,
        dtlsParameters: localDtls(answer.sdp),
      });
      await connected(pc, CONNECT_TIMEOUT_MS);
      enlargeReceiveBuffers(pc);
      recorder.attach(subscriber, dtlsOf(pc));
      for (const consumer of consumers) {
        await sfu.request('resumeConsumer', { roomId, memberId: member, consumerId: consumer.id });
      }
      return pc;
    } catch (error) {
      await pc.close();
      throw error;
    }
  }
}
