/**
 * The E2EE worker: every encoded frame of the meeting goes through here, in
 * both directions. Loaded as a module worker (`worker-src 'self'`).
 */
import { E2eeWorkerHost, type TransformControls } from './E2eeWorkerHost.ts';
import type { EncodedFrameLike } from './FramePipeline.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

/** The part of RTCRtpScriptTransformer used here (the DOM lib does not describe worker globals). */
interface ScriptTransformer extends TransformControls {
  readonly options: unknown;
  readonly readable: ReadableStream<EncodedFrameLike>;
  readonly writable: WritableStream<EncodedFrameLike>;
}

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  onrtctransform?: ((event: { transformer: ScriptTransformer }) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const host = new E2eeWorkerHost({ post: (message) => scope.postMessage(message) });

scope.onrtctransform = (event) => {
  const transformer = event.transformer;
  host.attach(transformer.options, transformer.readable, transformer.writable, {
    ...(typeof transformer.generateKeyFrame === 'function'
      ? { generateKeyFrame: () => transformer.generateKeyFrame?.() }
      : {}),
    ...(typeof transformer.sendKeyFrameRequest === 'function'
      ? { sendKeyFrameRequest: () => transformer.sendKeyFrameRequest?.() }
      : {}),
  });
};

scope.onmessage = (event) => {
  host.handle(event.data);
};

scope.postMessage({ type: 'ready' });
