/**
 * How many leading bytes of an encoded frame stay in clear so the SFU can still route, decided from
 * the bitstream itself (never from `frame.type`, which a sender-side bug or the page could get
 * wrong). The clear bytes are authenticated as SFrame metadata, so they cannot be altered either.
 */
export const SUPPORTED_CODECS = ['opus', 'vp8', 'vp9', 'av1'] as const;
export type SupportedCodec = (typeof SUPPORTED_CODECS)[number];

/**
 * VP8 key frame: 3-byte frame tag, then start code and dimensions (RFC 6386 §9.1). The encoded
 * frame has no RTP payload descriptor (RFC 7741 §4.2): that is added by the packetizer after the
 * transform.
 */
export const VP8_KEY_FRAME_CLEAR_BYTES = 10;
/** VP8 interframe: the 3-byte frame tag. */
export const VP8_DELTA_FRAME_CLEAR_BYTES = 3;
/** Opus: the TOC byte (RFC 6716 §3.1). */
export const OPUS_CLEAR_BYTES = 1;

/**
 * The codec of a mime type or codec name (`video/VP8`, `VP8`, `opus`), or `undefined` for a codec
 * that is not protected safely: H.264 and H.265 would need NAL-aware handling (start codes and NAL
 * headers inside the ciphertext break the packetizer), and unknown codecs are refused by default.
 */
export function supportedCodec(codec: string): SupportedCodec | undefined {
  const name = codec.slice(codec.lastIndexOf('/') + 1).toLowerCase();
  return (SUPPORTED_CODECS as readonly string[]).includes(name) ? (name as SupportedCodec) : undefined;
}

/**
 * Clear prefix length for this frame, or `undefined` when the frame is too short to tell (an empty
 * VP8 frame). The caller still checks that the frame is at least that long.
 */
export function clearPrefixLength(codec: SupportedCodec, frame: Uint8Array): number | undefined {
  switch (codec) {
    case 'vp8': {
      const first = frame[0];
      if (first === undefined) {
        return undefined;
      }
      // Frame tag bit 0 is the inverse key frame flag: 0 means key frame.
      return (first & 0x01) === 0 ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_DELTA_FRAME_CLEAR_BYTES;
    }
    case 'opus':
      return OPUS_CLEAR_BYTES;
    case 'vp9':
    case 'av1':
      // Their routing information (payload descriptor, dependency descriptor) is outside the frame.
      return 0;
    default: {
      const unreachable: never = codec;
      throw new TypeError(`unknown codec ${String(unreachable)}`);
    }
  }
}
