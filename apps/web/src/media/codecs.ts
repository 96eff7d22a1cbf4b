import type { MediaSource } from '@confidentiel/protocol';

/**
 * The codec policy of the meeting. Every frame is end-to-end encrypted, and
 * only codecs whose frames the E2EE layer handles safely may be negotiated:
 * Opus, VP8, VP9. H.264 (and anything unknown) is never offered, never sent.
 */
export const PROTECTABLE_CODECS = ['opus', 'vp8', 'vp9'] as const;
export type ProtectableCodec = (typeof PROTECTABLE_CODECS)[number];

/** Codecs that carry no frames of their own (retransmission, redundancy, FEC, DTMF). */
const AUXILIARY_CODECS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03', 'telephone-event', 'cn']);

/** What each source sends: VP8 for the camera and the screen, Opus for sound. */
export const SEND_CODEC_MIME_TYPES: Readonly<Record<MediaSource, string>> = {
  camera: 'video/VP8',
  screen: 'video/VP8',
  microphone: 'audio/opus',
  'screen-audio': 'audio/opus',
};

function subtype(mimeType: string): string {
  return mimeType.slice(mimeType.lastIndexOf('/') + 1).toLowerCase();
}

/** The protectable codec of a mime type (`video/VP8` -> `vp8`), or null. */
export function protectableCodecOf(mimeType: string): ProtectableCodec | null {
  const name = subtype(mimeType);
  return (PROTECTABLE_CODECS as readonly string[]).includes(name) ? (name as ProtectableCodec) : null;
}

export function isAuxiliaryCodec(mimeType: string): boolean {
  return AUXILIARY_CODECS.has(subtype(mimeType));
}

/**
 * The media codec of negotiated RTP parameters (a consumer's): the first codec that is not an
 * auxiliary one, as a protectable codec, or null when it is anything else (its frames are dropped).
 */
export function mediaCodecOf(rtpParameters: {
  readonly codecs: ReadonlyArray<{ readonly mimeType: string }>;
}): {
  mimeType: string | null;
  codec: ProtectableCodec | null;
} {
  const primary = rtpParameters.codecs.find((c) => !isAuxiliaryCodec(c.mimeType));
  if (!primary) {
    return { mimeType: null, codec: null };
  }
  return { mimeType: primary.mimeType, codec: protectableCodecOf(primary.mimeType) };
}

interface CodecCapability {
  readonly mimeType: string;
  readonly preferredPayloadType?: number;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * Capabilities with every media codec the E2EE layer cannot protect removed, and the auxiliary
 * codecs (RTX) that pointed at them. Sent with `consume`, so the SFU never forwards such a codec.
 */
export function protectableCapabilities<C extends { readonly codecs?: readonly CodecCapability[] }>(
  capabilities: C,
): C {
  const codecs = capabilities.codecs ?? [];
  const kept = codecs.filter((c) => protectableCodecOf(c.mimeType) !== null);
  const keptTypes = new Set(kept.map((c) => c.preferredPayloadType));
  const auxiliaries = codecs.filter((c) => {
    if (!isAuxiliaryCodec(c.mimeType)) {
      return false;
    }
    const apt = c.parameters?.['apt'];
    return apt === undefined || keptTypes.has(apt as number);
  });
  const allowed = new Set([...kept, ...auxiliaries]);
  return { ...capabilities, codecs: codecs.filter((c) => allowed.has(c)) };
}

/** The codec a source must be sent with, among those the device can send; null when it has none. */
export function sendCodecFor<C extends CodecCapability>(
  source: MediaSource,
  sendCodecs: readonly C[] | undefined,
): C | null {
  const wanted = SEND_CODEC_MIME_TYPES[source].toLowerCase();
  return sendCodecs?.find((c) => c.mimeType.toLowerCase() === wanted) ?? null;
}
