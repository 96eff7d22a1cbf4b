import { decryptFrame, ReplayWindow, TRACK_KINDS, type TrackKind } from '@confidentiel/e2ee';
import {
  createRecvTransform,
  createSendTransform,
  TransformCounters,
  type EncodedFrameLike,
} from './FramePipeline.ts';
import type { FromWorker, ToWorker, TransformCodec, TransformOptions, TryDecryptResult } from './protocol.ts';
import { ReceiverKeys } from './ReceiverKeys.ts';
import { SenderKeys } from './SenderKeys.ts';

/** At most one key request per member in this interval, however many frames miss their key. */
export const KEY_REQUEST_INTERVAL_MS = 2_000;
/** Counters of ended transforms kept for getStats (the newest ones). */
export const MAX_ENDED_TRANSFORMS = 32;

const CODECS: ReadonlyArray<TransformCodec | null> = ['opus', 'vp8', 'vp9', null];

/** What the browser offers on an RTCRtpScriptTransformer; absent with encoded streams. */
export interface TransformControls {
  /** Sender side: ask the encoder for a key frame (receivers can start decoding at once). */
  generateKeyFrame?: () => unknown;
  /** Receiver side: ask the remote sender for a key frame. */
  sendKeyFrameRequest?: () => unknown;
}

export interface WorkerHostOptions {
  post: (message: FromWorker) => void;
  /** Monotonic milliseconds. Default: performance.now(). */
  now?: () => number;
  /** The receiving keys (test builds hand the same object to their negative control). */
  receiverKeys?: ReceiverKeys;
}

interface Attached {
  readonly counters: TransformCounters;
  readonly controls: TransformControls;
}

export function parseTransformOptions(value: unknown): TransformOptions | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const o = value as Record<string, unknown>;
  const role = o['role'];
  const kind = o['kind'];
  const codec = o['codec'] ?? null;
  const senderIndex = o['senderIndex'];
  const transformId = o['transformId'];
  const memberId = o['memberId'];
  if (
    typeof transformId !== 'string' ||
    (role !== 'send' && role !== 'recv') ||
    !(TRACK_KINDS as readonly unknown[]).includes(kind) ||
    !CODECS.includes(codec as TransformCodec | null) ||
    typeof senderIndex !== 'number' ||
    !Number.isSafeInteger(senderIndex) ||
    senderIndex < 0 ||
    (role === 'recv' && (typeof memberId !== 'string' || memberId === ''))
  ) {
    return null;
  }
  return {
    transformId,
    role,
    kind: kind as TrackKind,
    codec: codec as TransformCodec | null,
    senderIndex,
    ...(role === 'recv' ? { memberId: memberId as string } : {}),
  };
}

/**
 * Everything the E2EE worker does, without the worker global (so tests drive it with plain
 * streams): the keys, the transforms attached to senders and receivers, their counters.
 */
export class E2eeWorkerHost {
  readonly #post: (message: FromWorker) => void;
  readonly #now: () => number;
  readonly #senderKeys = new SenderKeys();
  readonly #receiverKeys: ReceiverKeys;
  readonly #transforms = new Map<string, Attached>();
  readonly #lastKeyRequest = new Map<string, number>();

  constructor(options: WorkerHostOptions) {
    this.#post = options.post;
    this.#now = options.now ?? (() => performance.now());
    this.#receiverKeys = options.receiverKeys ?? new ReceiverKeys(this.#now);
  }

  /** Starts pumping one sender's or receiver's encoded frames through the matching transform. */
  attach(
    rawOptions: unknown,
    readable: ReadableStream<EncodedFrameLike>,
    writable: WritableStream<EncodedFrameLike>,
    controls: TransformControls = {},
  ): void {
    const options = parseTransformOptions(rawOptions);
    if (options === null) {
      // Fail closed: read and discard every frame, forward nothing.
      readable.pipeTo(new WritableStream()).catch(() => undefined);
      this.#post({
        type: 'failure',
        message: 'a transform came with invalid options; its frames are dropped',
      });
      return;
    }
    const counters = new TransformCounters(options);
    const transform =
      options.role === 'send'
        ? createSendTransform(counters, this.#senderKeys)
        : createRecvTransform(counters, this.#receiverKeys, {
            onMissingKey: (memberId, epoch) => this.#requestKey(memberId, epoch),
          });
    counters.hasKey = this.#hasKeyFor(options);
    counters.active = true;
    this.#transforms.set(options.transformId, { counters, controls });
    this.#post({ type: 'transformActive', transformId: options.transformId });
    readable
      .pipeThrough(transform)
      .pipeTo(writable)
      .catch(() => undefined)
      .finally(() => {
        counters.active = false;
        counters.ended = true;
        this.#post({ type: 'transformEnded', transformId: options.transformId });
        this.#pruneEnded();
      });
  }

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'setSenderKey':
        this.#setSenderKey(message.epoch, message.key);
        return;
      case 'setReceiverKey':
        void this.#setReceiverKey(message.memberId, message.senderIndex, message.epoch, message.key);
        return;
      case 'removeReceiver':
        this.#receiverKeys.remove(message.memberId);
        this.#lastKeyRequest.delete(message.memberId);
        this.#refreshHasKey();
        return;
      case 'getStats':
        this.#respond(message.requestId, { type: 'stats', stats: this.stats() });
        return;
      case 'tryDecrypt':
        void this.tryDecrypt(message.memberId, message.codec, message.frame).then((result) =>
          this.#respond(message.requestId, { type: 'tryDecrypt', result }),
        );
        return;
      case 'attachStreams':
        this.attach(
          message.options,
          message.readable as ReadableStream<EncodedFrameLike>,
          message.writable as WritableStream<EncodedFrameLike>,
        );
        return;
      default: {
        const unreachable: never = message;
        this.#post({
          type: 'failure',
          message: `unknown message ${String((unreachable as { type?: unknown }).type)}`,
        });
      }
    }
  }

  stats() {
    return {
      senderEpoch: this.#senderKeys.epoch,
      receivers: this.#receiverKeys.summary(),
      transforms: [...this.#transforms.values()].map((entry) => entry.counters.snapshot()),
    };
  }

  /**
   * The oracle of the browser tests: does this frame authenticate under the keys we hold for this
   * member? Answers a reason only, never bytes, and uses a throwaway replay window so that the
   * live stream is not disturbed.
   */
  async tryDecrypt(memberId: string, codec: string, frame: ArrayBuffer): Promise<TryDecryptResult> {
    const member = this.#receiverKeys.get(memberId);
    if (member === undefined) {
      return { ok: false, reason: 'missing-key' };
    }
    const result = await decryptFrame(member.ring, new ReplayWindow(), codec, new Uint8Array(frame));
    return result.ok ? { ok: true } : { ok: false, reason: result.reason };
  }

  close(): void {
    this.#senderKeys.close();
    this.#receiverKeys.close();
  }

  #setSenderKey(epoch: number, key: Uint8Array): void {
    if (!this.#senderKeys.setKey(epoch, key)) {
      this.#post({ type: 'failure', message: `sender key of epoch ${epoch} ignored (not newer)` });
      return;
    }
    this.#post({ type: 'senderKeyInstalled', epoch });
    for (const { counters, controls } of this.#transforms.values()) {
      if (counters.options.role === 'send' && counters.active) {
        counters.hasKey = true;
        // Receivers can decode from the first protected frame on.
        callQuietly(controls.generateKeyFrame);
      }
    }
  }

  async #setReceiverKey(
    memberId: string,
    senderIndex: number,
    epoch: number,
    key: Uint8Array,
  ): Promise<void> {
    const hadKey = (this.#receiverKeys.get(memberId)?.newestEpoch ?? null) !== null;
    try {
      await this.#receiverKeys.install(memberId, senderIndex, epoch, key);
    } catch (error) {
      const reason = (error as { reason?: unknown } | null)?.reason;
      this.#post({
        type: 'failure',
        message: `receiver key refused (${typeof reason === 'string' ? reason : 'error'})`,
      });
      return;
    }
    for (const { counters, controls } of this.#transforms.values()) {
      if (counters.options.role === 'recv' && counters.options.memberId === memberId && counters.active) {
        counters.hasKey = true;
        if (!hadKey) {
          // Frames dropped so far left the decoder without a reference: start from a key frame.
          callQuietly(controls.sendKeyFrameRequest);
        }
      }
    }
  }

  #requestKey(memberId: string, epoch: number): void {
    const now = this.#now();
    const last = this.#lastKeyRequest.get(memberId);
    if (last !== undefined && now - last < KEY_REQUEST_INTERVAL_MS) {
      return;
    }
    this.#lastKeyRequest.set(memberId, now);
    this.#post({ type: 'keyRequest', memberId, epoch });
  }

  #hasKeyFor(options: TransformOptions): boolean {
    if (options.role === 'send') {
      return this.#senderKeys.hasKey;
    }
    return (this.#receiverKeys.get(options.memberId ?? '')?.newestEpoch ?? null) !== null;
  }

  #refreshHasKey(): void {
    for (const { counters } of this.#transforms.values()) {
      counters.hasKey = this.#hasKeyFor(counters.options);
    }
  }

  #pruneEnded(): void {
    const ended = [...this.#transforms.entries()].filter(([, entry]) => entry.counters.ended);
    for (const [id] of ended.slice(0, Math.max(0, ended.length - MAX_ENDED_TRANSFORMS))) {
      this.#transforms.delete(id);
    }
  }

  #respond(requestId: number, result: Extract<FromWorker, { type: 'response' }>['result']): void {
    this.#post({ type: 'response', requestId, result });
  }
}

function callQuietly(fn: (() => unknown) | undefined): void {
  if (fn === undefined) {
    return;
  }
  try {
    const result = fn();
    if (result instanceof Promise) {
      result.catch(() => undefined);
    }
  } catch {
    // Not every browser offers key frame requests from a transform; frames still flow.
  }
}
