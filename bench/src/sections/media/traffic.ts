/**
 * What a publishing bot sends, with no encoder in the loop: Opus-like audio
 * (50 packets/s of 100 bytes) and VP8 simulcast in three layers, each frame
 * split into packets of a fixed size, key frames every few seconds and on
 * PLI/FIR. Every packet is stamped (payload.ts). One pacer drives every
 * publisher of the load generator from one timer.
 */
import {
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  RtcpSenderInfo,
  RtcpSrPacket,
  type RTCDtlsTransport,
} from 'werift';
import { audioPayload, vp8Payload } from './payload.ts';
import { OPUS_PT, sendRtp, VP8_PT } from './peer.ts';

export const AUDIO = { pps: 50, bytes: 100 };

export interface LayerProfile {
  fps: number;
  packetsPerFrame: number;
  /** Payload bytes of each packet (RTP header and SRTP tag come on top: under 1,200 in all). */
  bytes: number;
  width: number;
  height: number;
}

/** Simulcast layers, lowest first (15, 45 and 120 packets/s: about 0.06, 0.36 and 1.1 Mbit/s). */
export const LAYERS: readonly LayerProfile[] = [
  { fps: 15, packetsPerFrame: 1, bytes: 500, width: 320, height: 180 },
  { fps: 15, packetsPerFrame: 3, bytes: 850, width: 640, height: 360 },
  { fps: 30, packetsPerFrame: 4, bytes: 1150, width: 1280, height: 720 },
];
/** Key frames at least this often, besides those the SFU asks for. */
const KEY_FRAME_EVERY_MS = 3_000;
/** Sender reports this often (mediasoup switches simulcast layers only once it has one per layer). */
const SENDER_REPORT_EVERY_MS = 1_000;
/** In the first seconds, four times as often: the SFU reaches the top layer sooner (shorter warm-up). */
const EARLY_SENDER_REPORT_EVERY_MS = 250;
const EARLY_MS = 3_000;
/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_EPOCH_OFFSET_S = 2_208_988_800;
/**
 * A pacer further behind than this skips ahead (counted in `lateTicks`): a
 * stalled generator must not flush a burst no browser would send (its own
 * pacer spreads frames), which would overflow the SFU's socket.
 */
const MAX_CATCH_UP_MS = 50;

/** Streams per publisher in the global numbering: audio, then the video layers. */
export const STREAMS_PER_PUBLISHER = 1 + LAYERS.length;
export const audioStreamOf = (publisher: number): number => publisher * STREAMS_PER_PUBLISHER;
export const videoStreamOf = (publisher: number, layer: number): number =>
  publisher * STREAMS_PER_PUBLISHER + 1 + layer;

interface StreamState {
  stream: number;
  ssrc: number;
  /** RTP sequence number. */
  rtpSeq: number;
  /** RTP timestamps follow the clock: baseTs at baseTime (performance.now()), so sender reports agree. */
  baseTs: number;
  baseTime: number;
  clockRate: number;
  packets: number;
  octets: number;
  /** Stamps written: the stream's own sequence. */
  sent: number;
  nextAt: number;
  intervalMs: number;
  layer: LayerProfile | null;
  pictureId: number;
  lastKeyAt: number;
  keyWanted: boolean;
}

function randomU32(): number {
  return (Math.random() * 0xffffffff) >>> 0;
}

/** One publishing bot's media: audio and `layers` video layers (1: no simulcast). */
export class PublisherSource {
  readonly index: number;
  readonly audioSsrc: number;
  readonly videoSsrcs: number[];
  readonly #streams: StreamState[];
  #dtls: RTCDtlsTransport | null = null;
  #lastReportAt = 0;
  #attachedAt = 0;
  keyFrameRequests = 0;

  constructor(index: number, layers: number) {
    this.index = index;
    const now = performance.now();
    const base = (randomU32() & 0xfffffff0) >>> 0;
    this.audioSsrc = base;
    this.videoSsrcs = LAYERS.slice(LAYERS.length - layers).map((_, i) => base + 1 + i);
    const audio: StreamState = {
      stream: audioStreamOf(index),
      ssrc: this.audioSsrc,
      rtpSeq: randomU32() & 0xffff,
      baseTs: randomU32(),
      baseTime: now,
      clockRate: 48000,
      packets: 0,
      octets: 0,
      sent: 0,
      nextAt: now + Math.random() * 20,
      intervalMs: 1000 / AUDIO.pps,
      layer: null,
      pictureId: 0,
      lastKeyAt: 0,
      keyWanted: false,
    };
    // With fewer layers, the highest ones are kept (one layer: the 720p one).
    const video = LAYERS.slice(LAYERS.length - layers).map((layer, i): StreamState => ({
      stream: videoStreamOf(index, LAYERS.length - layers + i),
      ssrc: this.videoSsrcs[i] as number,
      rtpSeq: randomU32() & 0xffff,
      baseTs: randomU32(),
      baseTime: now,
      clockRate: 90000,
      packets: 0,
      octets: 0,
      sent: 0,
      nextAt: now + Math.random() * 30,
      intervalMs: 1000 / layer.fps,
      layer,
      pictureId: randomU32() & 0x7fff,
      lastKeyAt: 0,
      keyWanted: true,
    }));
    this.#streams = [audio, ...video];
  }

  /** Starts sending on a connected DTLS transport, and answers key-frame requests that arrive on it. */
  attach(dtls: RTCDtlsTransport): void {
    this.#dtls = dtls;
    this.#attachedAt = performance.now();
    // Streams start now, spread over one interval (publishers do not send in lockstep).
    for (const stream of this.#streams) {
      stream.nextAt = this.#attachedAt + Math.random() * stream.intervalMs;
    }
    dtls.onRtcp.subscribe((packet) => {
      if (!(packet instanceof RtcpPayloadSpecificFeedback)) {
        return;
      }
      const feedback = packet.feedback;
      const ssrcs =
        feedback instanceof PictureLossIndication
          ? [feedback.mediaSsrc]
          : 'fir' in feedback
            ? feedback.fir.map((entry) => entry.ssrc)
            : [];
      for (const ssrc of ssrcs) {
        const stream = this.#streams.find((s) => s.ssrc === ssrc && s.layer !== null);
        if (stream) {
          stream.keyWanted = true;
          this.keyFrameRequests++;
        }
      }
    });
  }

  /** Stamps written so far on a stream (global number): the expected count at the receivers. */
  sentOn(stream: number): number {
    return this.#streams.find((s) => s.stream === stream)?.sent ?? 0;
  }

  get streams(): readonly number[] {
    return this.#streams.map((s) => s.stream);
  }

  /** Sends what is due at `now`; returns whether it had to skip ahead (generator behind). */
  tick(now: number): boolean {
    const dtls = this.#dtls;
    if (!dtls) {
      return false;
    }
    let late = false;
    const reportEvery =
      now - this.#attachedAt < EARLY_MS ? EARLY_SENDER_REPORT_EVERY_MS : SENDER_REPORT_EVERY_MS;
    if (now - this.#lastReportAt >= reportEvery) {
      this.#lastReportAt = now;
      this.#sendReports(dtls, now);
    }
    for (const stream of this.#streams) {
      if (now - stream.nextAt > MAX_CATCH_UP_MS) {
        stream.nextAt = now;
        late = true;
      }
      while (stream.nextAt <= now) {
        if (stream.layer === null) {
          this.#sendAudio(dtls, stream);
        } else {
          this.#sendFrame(dtls, stream, stream.layer, now);
        }
        stream.nextAt += stream.intervalMs;
      }
    }
    return late;
  }

  #rtpTimestamp(stream: StreamState, at: number): number {
    return (stream.baseTs + Math.round(((at - stream.baseTime) * stream.clockRate) / 1000)) >>> 0;
  }

  /** One sender report per stream: NTP time and the RTP timestamp of the same instant. */
  #sendReports(dtls: RTCDtlsTransport, now: number): void {
    const unixMs = performance.timeOrigin + now;
    const seconds = Math.floor(unixMs / 1000);
    const fraction = Math.floor(((unixMs % 1000) / 1000) * 2 ** 32);
    const ntp = (BigInt(seconds + NTP_EPOCH_OFFSET_S) << 32n) | BigInt(fraction);
    const reports = this.#streams.map(
      (stream) =>
        new RtcpSrPacket({
          ssrc: stream.ssrc,
          senderInfo: new RtcpSenderInfo({
            ntpTimestamp: ntp,
            rtpTimestamp: this.#rtpTimestamp(stream, now),
            packetCount: stream.packets >>> 0,
            octetCount: stream.octets >>> 0,
          }),
          reports: [],
        }),
    );
    void dtls.sendRtcp(reports).catch(() => undefined);
  }

  #sendAudio(dtls: RTCDtlsTransport, stream: StreamState): void {
    const payload = audioPayload(AUDIO.bytes, {
      stream: stream.stream,
      sequence: stream.sent++,
      sentAt: performance.now(),
    });
    sendRtp(
      dtls,
      {
        payloadType: OPUS_PT,
        sequenceNumber: stream.rtpSeq,
        timestamp: this.#rtpTimestamp(stream, stream.nextAt),
        ssrc: stream.ssrc,
        marker: false,
      },
      payload,
    );
    stream.rtpSeq = (stream.rtpSeq + 1) & 0xffff;
    stream.packets++;
    stream.octets += payload.length;
  }

  #sendFrame(dtls: RTCDtlsTransport, stream: StreamState, layer: LayerProfile, now: number): void {
    const keyFrame = stream.keyWanted || now - stream.lastKeyAt > KEY_FRAME_EVERY_MS;
    if (keyFrame) {
      stream.keyWanted = false;
      stream.lastKeyAt = now;
    }
    stream.pictureId = (stream.pictureId + 1) & 0x7fff;
    const timestamp = this.#rtpTimestamp(stream, stream.nextAt);
    for (let i = 0; i < layer.packetsPerFrame; i++) {
      const payload = vp8Payload(
        layer.bytes,
        {
          keyFrame,
          start: i === 0,
          pictureId: stream.pictureId,
          tl0PicIdx: stream.pictureId & 0xff,
          width: layer.width,
          height: layer.height,
        },
        { stream: stream.stream, sequence: stream.sent++, sentAt: performance.now() },
      );
      sendRtp(
        dtls,
        {
          payloadType: VP8_PT,
          sequenceNumber: stream.rtpSeq,
          timestamp,
          ssrc: stream.ssrc,
          marker: i === layer.packetsPerFrame - 1,
        },
        payload,
      );
      stream.rtpSeq = (stream.rtpSeq + 1) & 0xffff;
      stream.packets++;
      stream.octets += payload.length;
    }
  }
}

/** Drives every publisher from one timer (5 ms: audio every 20 ms, frames every 33-67 ms). */
export class Pacer {
  readonly #sources: readonly PublisherSource[];
  #timer: NodeJS.Timeout | null = null;
  /** Ticks where a publisher was more than MAX_CATCH_UP_MS behind. */
  lateTicks = 0;

  constructor(sources: readonly PublisherSource[]) {
    this.#sources = sources;
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      const now = performance.now();
      let late = false;
      for (const source of this.#sources) {
        late = source.tick(now) || late;
      }
      if (late) {
        this.lateTicks++;
      }
    }, 5);
  }

  stop(): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
