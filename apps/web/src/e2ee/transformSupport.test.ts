import { describe, expect, it } from 'vitest';
import { detectTransformMode, transportSettingsFor } from './transformSupport.ts';

class FakeWorker {}
const withTransform = { transform: null };
const withStreams = { createEncodedStreams: () => ({}) };

describe('detectTransformMode', () => {
  it('prefers RTCRtpScriptTransform where senders and receivers take a transform', () => {
    expect(
      detectTransformMode({
        Worker: FakeWorker,
        RTCRtpScriptTransform: class {},
        RTCRtpSender: { prototype: { ...withTransform, ...withStreams } },
        RTCRtpReceiver: { prototype: { ...withTransform, ...withStreams } },
      }),
    ).toBe('script-transform');
  });

  it('falls back to createEncodedStreams, which needs encodedInsertableStreams on the connection', () => {
    const mode = detectTransformMode({
      Worker: FakeWorker,
      RTCRtpSender: { prototype: withStreams },
      RTCRtpReceiver: { prototype: withStreams },
    });
    expect(mode).toBe('encoded-streams');
    expect(transportSettingsFor('encoded-streams')).toEqual({ encodedInsertableStreams: true });
    expect(transportSettingsFor('script-transform')).toEqual({});
  });

  it('finds nothing without a transform API, or without workers: the meeting is refused', () => {
    expect(
      detectTransformMode({
        Worker: FakeWorker,
        RTCRtpSender: { prototype: {} },
        RTCRtpReceiver: { prototype: {} },
      }),
    ).toBeNull();
    expect(
      detectTransformMode({
        RTCRtpSender: { prototype: withStreams },
        RTCRtpReceiver: { prototype: withStreams },
      }),
    ).toBeNull();
    // A script transform the receivers cannot take is not enough.
    expect(
      detectTransformMode({
        Worker: FakeWorker,
        RTCRtpScriptTransform: class {},
        RTCRtpSender: { prototype: withTransform },
        RTCRtpReceiver: { prototype: {} },
      }),
    ).toBeNull();
  });
});
