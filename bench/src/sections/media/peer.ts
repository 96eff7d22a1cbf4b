/**
 * A bot's WebRTC endpoint: a werift RTCPeerConnection (real ICE, DTLS and
 * SRTP in TypeScript) restricted to loopback, Opus and VP8, no header
 * extensions, no retransmissions (the benchmark measures forwarding, not
 * repair). Media is written and read as raw RTP on the peer's DTLS transport:
 * werift's sender would rewrite every packet to its one SSRC, and simulcast
 * needs three.
 */
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  type RTCDtlsTransport,
  type RtcpPacket,
  type RtpPacket,
} from 'werift';
import sdpTransform from 'sdp-transform';

export const OPUS_PT = 111;
export const VP8_PT = 96;

/** Addresses a bot may use: loopback, and the namespace's bench interface (see netns.ts). */
export function allowedAddress(address: string): boolean {
  return address.startsWith('127.') || address.startsWith('10.213.');
}

export function createPeer(hostAddresses: readonly string[]): RTCPeerConnection {
  return new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: OPUS_PT,
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: VP8_PT,
          rtcpFeedback: [
            { type: 'nack', parameter: 'pli' },
            { type: 'ccm', parameter: 'fir' },
          ],
        }),
      ],
    },
    headerExtensions: { audio: [], video: [] },
    iceAdditionalHostAddresses: [...hostAddresses],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    // Never a pair through the machine's own network: loopback or the bench's namespace only.
    iceFilterCandidatePair: (pair) =>
      allowedAddress(pair.localCandidate.host) && allowedAddress(pair.remoteCandidate.host),
  });
}

/** Waits until the peer's ICE and DTLS are up (bounded). */
export async function connected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`peer not connected after ${timeoutMs} ms (state ${pc.connectionState})`));
    }, timeoutMs);
    const { unSubscribe: unsubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      } else if (state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        unsubscribe();
        reject(new Error(`peer ${state}`));
      }
    });
  });
}

/** Waits for the end of candidate gathering (bounded): the offer then lists every host candidate. */
export async function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pc.iceGatheringState !== 'complete') {
    if (Date.now() > deadline) {
      throw new Error('ICE gathering did not complete');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The peer's one (bundled) DTLS transport. */
export function dtlsOf(pc: RTCPeerConnection): RTCDtlsTransport {
  const transport = pc.dtlsTransports[0];
  if (!transport) {
    throw new Error('the peer has no DTLS transport');
  }
  return transport;
}

/** The DTLS fingerprints and role of a local description, as mediasoup's connectTransport wants them. */
export function localDtls(sdp: string): {
  role: 'client' | 'server';
  fingerprints: { algorithm: 'sha-256'; value: string }[];
} {
  const parsed = sdpTransform.parse(sdp);
  const fingerprint = parsed.fingerprint ?? parsed.media[0]?.fingerprint;
  const setup = parsed.setup ?? parsed.media[0]?.setup;
  if (!fingerprint || fingerprint.type !== 'sha-256') {
    throw new Error('no sha-256 fingerprint in the local description');
  }
  // An answer says active (we open DTLS: client) or passive; an offer's actpass becomes client
  // because the remote answer we build for it says passive.
  return {
    role: setup === 'passive' ? 'server' : 'client',
    fingerprints: [{ algorithm: 'sha-256', value: fingerprint.hash }],
  };
}

/** Bytes of kernel buffer for each receiving bot's UDP socket (the limit is net.core.rmem_max). */
const BOT_RECEIVE_BUFFER = 4 * 1024 * 1024;

/**
 * Enlarges the receive buffers of the peer's UDP sockets. The bots stand for
 * browsers on many machines; here hundreds of sockets share one core, and a
 * short stall of the generator would overflow the kernel's default buffer
 * (~200 KB, ~50 packets) and show as the SFU's loss. werift does not expose
 * its sockets: they are reached through its ICE internals, defensively.
 */
export function enlargeReceiveBuffers(pc: RTCPeerConnection): number {
  let enlarged = 0;
  for (const ice of pc.iceTransports) {
    const protocols = (ice.connection as unknown as { protocols?: unknown[] }).protocols ?? [];
    for (const protocol of protocols) {
      const socket = (protocol as { transport?: { socket?: { setRecvBufferSize?: (size: number) => void } } })
        .transport?.socket;
      try {
        socket?.setRecvBufferSize?.(BOT_RECEIVE_BUFFER);
        enlarged++;
      } catch {
        // not bound yet, or above rmem_max: the default stays
      }
    }
  }
  return enlarged;
}

/** Writes one RTP packet on a DTLS transport (SRTP), fire and forget: the pacer does not wait for UDP. */
export function sendRtp(
  dtls: RTCDtlsTransport,
  header: { payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number; marker: boolean },
  payload: Buffer,
): void {
  void dtls.sendRtp(payload, new RtpHeader(header)).catch(() => undefined);
}

export type { RtcpPacket, RtpPacket };
