import type { types } from 'mediasoup';

/**
 * Codecs the routers offer. H.264 is left out on purpose: its frames cannot
 * be end-to-end encrypted safely without NAL-aware handling, and a codec the
 * E2EE layer cannot handle must not be negotiated at all.
 */
export const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 1000 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP9',
    clockRate: 90000,
    parameters: { 'profile-id': 0, 'x-google-start-bitrate': 1000 },
  },
];
