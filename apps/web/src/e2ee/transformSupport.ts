/**
 * How this browser lets us put a transform on encoded frames:
 * - `script-transform`: `RTCRtpScriptTransform` (the standard; the worker gets `rtctransform`).
 * - `encoded-streams`: Chromium's `createEncodedStreams()`, which needs
 *   `encodedInsertableStreams: true` on the peer connection; the streams are
 *   transferred to the same worker.
 * Neither: the meeting is refused (media is never sent in clear).
 */
export type TransformMode = 'script-transform' | 'encoded-streams';

/** The globals the detection looks at (injected in tests). */
export interface TransformEnvironment {
  readonly Worker?: unknown;
  readonly RTCRtpScriptTransform?: unknown;
  readonly RTCRtpSender?: { readonly prototype: object };
  readonly RTCRtpReceiver?: { readonly prototype: object };
}

export function detectTransformMode(env: TransformEnvironment = globalThis): TransformMode | null {
  if (typeof env.Worker !== 'function' || !env.RTCRtpSender || !env.RTCRtpReceiver) {
    return null;
  }
  const sender = env.RTCRtpSender.prototype;
  const receiver = env.RTCRtpReceiver.prototype;
  if (typeof env.RTCRtpScriptTransform === 'function' && 'transform' in sender && 'transform' in receiver) {
    return 'script-transform';
  }
  if (
    typeof (sender as { createEncodedStreams?: unknown }).createEncodedStreams === 'function' &&
    typeof (receiver as { createEncodedStreams?: unknown }).createEncodedStreams === 'function'
  ) {
    return 'encoded-streams';
  }
  return null;
}

/** Extra RTCPeerConnection settings each mode needs (given to mediasoup-client's transports). */
export function transportSettingsFor(mode: TransformMode): Partial<RTCConfiguration> {
  switch (mode) {
    case 'script-transform':
      return {};
    case 'encoded-streams':
      // Not in the DOM typings: Chromium's switch for createEncodedStreams().
      return { encodedInsertableStreams: true } as Partial<RTCConfiguration>;
    default: {
      const unreachable: never = mode;
      return unreachable;
    }
  }
}
