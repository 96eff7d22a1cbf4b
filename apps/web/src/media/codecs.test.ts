import { describe, expect, it } from 'vitest';
import { mediaCodecOf, protectableCapabilities, protectableCodecOf, sendCodecFor } from './codecs.ts';

describe('codec policy', () => {
  it('knows Opus, VP8 and VP9, in any case, and nothing else', () => {
    expect(protectableCodecOf('video/VP8')).toBe('vp8');
    expect(protectableCodecOf('video/vp9')).toBe('vp9');
    expect(protectableCodecOf('audio/opus')).toBe('opus');
    expect(protectableCodecOf('video/H264')).toBeNull();
    expect(protectableCodecOf('video/AV1')).toBeNull();
  });

  it("reads a consumer's media codec past RTX and RED", () => {
    expect(
      mediaCodecOf({
        codecs: [{ mimeType: 'video/rtx' }, { mimeType: 'video/VP8' }, { mimeType: 'video/VP9' }],
      }),
    ).toEqual({ mimeType: 'video/VP8', codec: 'vp8' });
    expect(mediaCodecOf({ codecs: [{ mimeType: 'audio/red' }, { mimeType: 'audio/opus' }] })).toEqual({
      mimeType: 'audio/opus',
      codec: 'opus',
    });
  });

  it('gives no codec for an H.264 consumer (its frames are dropped)', () => {
    expect(mediaCodecOf({ codecs: [{ mimeType: 'video/H264' }, { mimeType: 'video/rtx' }] })).toEqual({
      mimeType: 'video/H264',
      codec: null,
    });
    expect(mediaCodecOf({ codecs: [] })).toEqual({ mimeType: null, codec: null });
  });

  it('removes H.264 and its RTX from receive capabilities', () => {
    const capabilities = {
      codecs: [
        { mimeType: 'audio/opus', preferredPayloadType: 100 },
        { mimeType: 'video/VP8', preferredPayloadType: 101 },
        { mimeType: 'video/rtx', preferredPayloadType: 102, parameters: { apt: 101 } },
        { mimeType: 'video/H264', preferredPayloadType: 103, parameters: { 'packetization-mode': 1 } },
        { mimeType: 'video/rtx', preferredPayloadType: 104, parameters: { apt: 103 } },
      ],
      headerExtensions: [],
    };
    expect(protectableCapabilities(capabilities).codecs.map((c) => c.preferredPayloadType)).toEqual([
      100, 101, 102,
    ]);
    expect(protectableCapabilities(capabilities).headerExtensions).toEqual([]);
  });

  it('sends the camera and the screen in VP8 and sound in Opus, or nothing', () => {
    const codecs = [
      { mimeType: 'video/H264' },
      { mimeType: 'video/VP9' },
      { mimeType: 'video/VP8' },
      { mimeType: 'audio/opus' },
    ];
    expect(sendCodecFor('camera', codecs)?.mimeType).toBe('video/VP8');
    expect(sendCodecFor('screen', codecs)?.mimeType).toBe('video/VP8');
    expect(sendCodecFor('microphone', codecs)?.mimeType).toBe('audio/opus');
    expect(sendCodecFor('screen-audio', codecs)?.mimeType).toBe('audio/opus');
    expect(sendCodecFor('camera', [{ mimeType: 'video/H264' }])).toBeNull();
  });
});
