/**
 * mediasoup transport parameters to SDP, as mediasoup-client does in a
 * browser: the SFU's side of a WebRTC transport (ICE-lite, its candidates and
 * DTLS fingerprint) written as the remote description of the bot's werift
 * peer. Send: an answer to the peer's offer. Receive: an offer with one
 * m-section per consumer, answered by the peer.
 */
import sdpTransform, { type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { ConsumerOptions, TransportOptions } from '@confidentiel/protocol';
import { OPUS_PT, VP8_PT } from './peer.ts';

type Media = MediaDescription;

function session(mids: string[]): SessionDescription {
  return {
    version: 0,
    origin: {
      username: 'bench-sfu',
      sessionId: Date.now(),
      sessionVersion: 1,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    groups: [{ type: 'BUNDLE', mids: mids.join(' ') }],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media: [],
  };
}

/** The transport part of an m-section: ICE, DTLS, candidates (UDP only: the bots use UDP). */
function transportPart(transport: TransportOptions, setup: 'passive' | 'actpass'): Partial<Media> {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
  if (!fingerprint) {
    throw new Error('the SFU offered no sha-256 fingerprint');
  }
  return {
    connection: { version: 4, ip: '127.0.0.1' },
    iceUfrag: transport.iceParameters.usernameFragment,
    icePwd: transport.iceParameters.password,
    fingerprint: { type: 'sha-256', hash: fingerprint.value },
    setup,
    rtcpMux: 'rtcp-mux',
    rtcpRsize: 'rtcp-rsize',
    candidates: transport.iceCandidates
      .filter((c) => c.protocol === 'udp')
      .map((c) => ({
        foundation: c.foundation,
        component: 1,
        transport: 'udp',
        priority: c.priority,
        ip: c.address,
        port: c.port,
        type: c.type,
      })),
    endOfCandidates: 'end-of-candidates',
  };
}

/** Opus or VP8 under payload type `pt` (the offer's in an answer, the router's in an offer). */
function codecPart(kind: string, pt: number): Pick<Media, 'rtp' | 'fmtp' | 'rtcpFb' | 'payloads'> {
  if (kind === 'audio') {
    return {
      rtp: [{ payload: pt, codec: 'opus', rate: 48000, encoding: 2 }],
      fmtp: [{ payload: pt, config: 'minptime=10;useinbandfec=1' }],
      rtcpFb: [],
      payloads: String(pt),
    };
  }
  return {
    rtp: [{ payload: pt, codec: 'VP8', rate: 90000 }],
    fmtp: [],
    rtcpFb: [
      { payload: pt, type: 'nack', subtype: 'pli' },
      { payload: pt, type: 'ccm', subtype: 'fir' },
    ],
    payloads: String(pt),
  };
}

/** The SFU's answer to the bot's send offer (every m-section received by the SFU). */
export function sendAnswer(offerSdp: string, transport: TransportOptions): string {
  const offer = sdpTransform.parse(offerSdp);
  const mids = offer.media.map((m) => String(m.mid));
  const answer = session(mids);
  answer.media = offer.media.map((m) => ({
    type: m.type,
    port: 7,
    protocol: 'UDP/TLS/RTP/SAVPF',
    mid: String(m.mid),
    direction: 'recvonly',
    ...transportPart(transport, 'passive'),
    ...codecPart(m.type, m.type === 'audio' ? OPUS_PT : VP8_PT),
  }));
  return sdpTransform.write(answer);
}

/** The SFU's offer to a receiving bot: one m-section per consumer, with its SSRC. */
export function receiveOffer(transport: TransportOptions, consumers: readonly ConsumerOptions[]): string {
  const mids = consumers.map((c) => String(c.rtpParameters.mid));
  const offer = session(mids);
  offer.media = consumers.map((consumer) => {
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
    if (ssrc === undefined) {
      throw new Error('a consumer without an SSRC');
    }
    const cname = consumer.rtpParameters.rtcp?.cname ?? 'bench';
    const pt = consumer.rtpParameters.codecs[0]?.payloadType;
    if (pt === undefined) {
      throw new Error('a consumer without a codec');
    }
    return {
      type: consumer.kind,
      port: 7,
      protocol: 'UDP/TLS/RTP/SAVPF',
      mid: String(consumer.rtpParameters.mid),
      direction: 'sendonly',
      ssrcs: [{ id: ssrc, attribute: 'cname', value: cname }],
      ...transportPart(transport, 'actpass'),
      ...codecPart(consumer.kind, pt),
    };
  });
  return sdpTransform.write(offer);
}
