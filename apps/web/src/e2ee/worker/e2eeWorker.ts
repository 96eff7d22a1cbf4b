/**
 * The E2EE worker: every encoded frame of the meeting goes through here, in
 * both directions. Loaded as a module worker (`worker-src 'self'`).
 */
// First: @confidentiel/e2ee builds zod schemas, which must not probe for eval under the worker's CSP.
import '@confidentiel/protocol/validate-without-codegen';
import { E2eeWorkerHost, type TransformControls } from './E2eeWorkerHost.ts';
import type { EncodedFrameLike } from './FramePipeline.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { ReceiverKeys } from './ReceiverKeys.ts';
import { answerWrongKeyRequest, isWrongKeyRequest } from './wrongKeyForTest.ts';

/** The browser tests' negative control (wrongKeyForTest.ts); folded away in the production build. */
const TEST_HOOKS_ENABLED = import.meta.env.VITE_TEST_HOOKS === 'true';

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
const post = (message: FromWorker): void => scope.postMessage(message);
const receiverKeys = new ReceiverKeys(() => performance.now());
const host = new E2eeWorkerHost({ post, receiverKeys });

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
  if (TEST_HOOKS_ENABLED && isWrongKeyRequest(event.data)) {
    void answerWrongKeyRequest(receiverKeys, event.data, post);
    return;
  }
  host.handle(event.data);
};

scope.postMessage({ type: 'ready' });
