import { decryptFrame, E2eeError, encryptFrame, KeyId, supportedCodec } from '@confidentiel/e2ee';
import type { ReceiverKeys } from './ReceiverKeys.ts';
import type { SenderKeys } from './SenderKeys.ts';
import {
  sendDropReasons,
  type DropReason,
  type SendDropReason,
  type TransformOptions,
  type TransformStats,
} from './protocol.ts';

/** What the transforms need of an RTCEncodedVideoFrame / RTCEncodedAudioFrame. */
export interface EncodedFrameLike {
  data: ArrayBuffer;
  getMetadata?: () => { mimeType?: string };
}

/** Counters of one transform; `snapshot()` is what getStats reports. */
export class TransformCounters {
  readonly options: TransformOptions;
  active = false;
  ended = false;
  hasKey = false;
  epoch: number | null = null;
  encrypted = 0;
  decrypted = 0;
  readonly dropped: Partial<Record<DropReason, number>> = {};

  constructor(options: TransformOptions) {
    this.options = options;
  }

  drop(reason: DropReason): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  get droppedTotal(): number {
    return Object.values(this.dropped).reduce((sum, n) => sum + n, 0);
  }

  snapshot(): TransformStats {
    return {
      transformId: this.options.transformId,
      role: this.options.role,
      kind: this.options.kind,
      codec: this.options.codec,
      memberId: this.options.memberId ?? null,
      active: this.active,
      hasKey: this.hasKey,
      epoch: this.epoch,
      encrypted: this.encrypted,
      decrypted: this.decrypted,
      dropped: { ...this.dropped },
      droppedTotal: this.droppedTotal,
      ended: this.ended,
    };
  }
}

/**
 * The codec of one frame: the browser's own metadata when it gives one (a frame of a codec other
 * than the one negotiated is refused, never sent in clear), else the negotiated codec.
 */
export function frameCodec(frame: EncodedFrameLike, negotiated: string | null): string | null {
  let mimeType: string | undefined;
  try {
    mimeType = frame.getMetadata?.().mimeType;
  } catch {
    mimeType = undefined;
  }
  if (typeof mimeType === 'string' && mimeType !== '') {
    return supportedCodec(mimeType) ?? null;
  }
  return negotiated;
}

function asArrayBuffer(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}

function sendDropReason(error: unknown): SendDropReason {
  if (error instanceof E2eeError) {
    const reason = error.reason as string;
    if ((sendDropReasons as readonly string[]).includes(reason)) {
      return reason as SendDropReason;
    }
  }
  return 'internal';
}

/**
 * The send side: every frame is protected or dropped. Before a sender key is installed, every frame
 * is dropped (`no-key`): nothing is ever sent in clear.
 */
export function createSendTransform(
  counters: TransformCounters,
  keys: SenderKeys,
): TransformStream<EncodedFrameLike, EncodedFrameLike> {
  const { kind, senderIndex } = counters.options;
  return new TransformStream({
    transform: async (frame, controller) => {
      const codec = frameCodec(frame, counters.options.codec);
      if (codec === null) {
        counters.drop('unsupported-codec');
        return;
      }
      const context = keys.contextFor(kind, senderIndex);
      if (context === null) {
        counters.drop('no-key');
        return;
      }
      try {
        const sender = await context;
        const protectedFrame = await encryptFrame(sender, codec, new Uint8Array(frame.data));
        counters.epoch = KeyId.unpack(sender.kid).epoch;
        frame.data = asArrayBuffer(protectedFrame);
      } catch (error) {
        counters.drop(sendDropReason(error));
        return;
      }
      counters.encrypted++;
      controller.enqueue(frame);
    },
  });
}

export interface RecvHooks {
  /** A frame needs a key of the member that we do not hold: `epoch` is the frame's. */
  onMissingKey(memberId: string, epoch: number): void;
}

/**
 * The receive side: only frames that authenticate under the member's keys go on to the decoder;
 * the others are dropped and counted by reason.
 */
export function createRecvTransform(
  counters: TransformCounters,
  keys: ReceiverKeys,
  hooks: RecvHooks,
): TransformStream<EncodedFrameLike, EncodedFrameLike> {
  const memberId = counters.options.memberId ?? '';
  const senderIndex = counters.options.senderIndex;
  return new TransformStream({
    transform: async (frame, controller) => {
      const codec = frameCodec(frame, counters.options.codec);
      if (codec === null) {
        counters.drop('unsupported-codec');
        return;
      }
      const member = keys.entry(memberId, senderIndex);
      const result = await decryptFrame(member.ring, member.replay, codec, new Uint8Array(frame.data));
      if (!result.ok) {
        counters.drop(result.reason);
        if (result.reason === 'missing-key' && result.kid !== undefined) {
          noteMissingKey(result.kid, senderIndex, memberId, member.newestEpoch, hooks);
        }
        return;
      }
      counters.decrypted++;
      counters.epoch = KeyId.unpack(result.kid).epoch;
      frame.data = asArrayBuffer(result.payload);
      controller.enqueue(frame);
    },
  });
}

function noteMissingKey(
  kid: bigint,
  senderIndex: number,
  memberId: string,
  newestEpoch: number | null,
  hooks: RecvHooks,
): void {
  let fields;
  try {
    fields = KeyId.unpack(kid);
  } catch {
    return;
  }
  // Another sender's KID on this member's stream, or an old epoch past its grace: no key to ask for.
  if (fields.senderIndex !== senderIndex || (newestEpoch !== null && fields.epoch <= newestEpoch)) {
    return;
  }
  hooks.onMissingKey(memberId, fields.epoch);
}
