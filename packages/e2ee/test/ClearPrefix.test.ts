import { describe, expect, it } from 'vitest';
import {
  OPUS_CLEAR_BYTES,
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
  clearPrefixLength,
  supportedCodec,
} from '../src/index.ts';
import { vp8DeltaFrame, vp8KeyFrame } from './frames.ts';

describe('codec-aware clear prefix', () => {
  it('keeps 10 bytes of a VP8 key frame and 3 of a delta frame, from frame tag bit 0', () => {
    expect(clearPrefixLength('vp8', vp8KeyFrame())).toBe(VP8_KEY_FRAME_CLEAR_BYTES);
    expect(clearPrefixLength('vp8', vp8DeltaFrame())).toBe(VP8_DELTA_FRAME_CLEAR_BYTES);
    expect(VP8_KEY_FRAME_CLEAR_BYTES).toBe(10);
    expect(VP8_DELTA_FRAME_CLEAR_BYTES).toBe(3);
  });

  it('decides from the bitstream only: bit 0 of byte 0, whatever the other bits say', () => {
    for (let byte = 0; byte < 256; byte++) {
      expect(clearPrefixLength('vp8', Uint8Array.of(byte, 0, 0))).toBe(byte & 1 ? 3 : 10);
    }
  });

  it('cannot tell the prefix of an empty VP8 frame', () => {
    expect(clearPrefixLength('vp8', new Uint8Array(0))).toBeUndefined();
  });

  it('keeps the Opus TOC byte and nothing of VP9 or AV1', () => {
    expect(clearPrefixLength('opus', Uint8Array.of(0x78, 1, 2))).toBe(OPUS_CLEAR_BYTES);
    expect(OPUS_CLEAR_BYTES).toBe(1);
    expect(clearPrefixLength('vp9', Uint8Array.of(0x82, 0x49, 0x83))).toBe(0);
    expect(clearPrefixLength('av1', Uint8Array.of(0x12, 0x00, 0x0a))).toBe(0);
  });

  it('recognises codecs by mime type or name, in any case', () => {
    expect(supportedCodec('video/VP8')).toBe('vp8');
    expect(supportedCodec('audio/opus')).toBe('opus');
    expect(supportedCodec('VP9')).toBe('vp9');
    expect(supportedCodec('video/AV1')).toBe('av1');
  });

  it('does not support H.264, H.265 or unknown codecs', () => {
    for (const codec of [
      'video/H264',
      'h264',
      'video/H265',
      'audio/PCMU',
      'audio/red',
      'video/rtx',
      '',
      'vp8x',
    ]) {
      expect(supportedCodec(codec)).toBeUndefined();
    }
  });
});
