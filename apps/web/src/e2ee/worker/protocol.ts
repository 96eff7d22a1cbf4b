import type { DecryptFailureReason, TrackKind } from '@confidentiel/e2ee';

/**
 * Messages between the page and the E2EE worker. Keys travel only page ->
 * worker; the worker never sends key bytes back.
 */

/** Codecs the frame transforms handle (ClearPrefix of @confidentiel/e2ee). */
export type TransformCodec = 'opus' | 'vp8' | 'vp9';

export type TransformRole = 'send' | 'recv';

/** The options given to `RTCRtpScriptTransform` (or with transferred encoded streams). */
export interface TransformOptions {
  /** Unique per attached sender or receiver, chosen by the page; names the counters. */
  readonly transformId: string;
  readonly role: TransformRole;
  readonly kind: TrackKind;
  /** `null`: the negotiated codec cannot be protected, every frame is dropped. */
  readonly codec: TransformCodec | null;
  /** recv: whose frames these are. */
  readonly memberId?: string;
  /** send: ours; recv: the remote member's (as signaling gave it). */
  readonly senderIndex: number;
}

/** Why a sent frame was dropped instead of protected. */
export const sendDropReasons = [
  /** No sender key yet: fail closed. */
  'no-key',
  'unsupported-codec',
  'frame-too-short',
  'counter-exhausted',
  'internal',
] as const;
export type SendDropReason = (typeof sendDropReasons)[number];

export type DropReason = DecryptFailureReason | SendDropReason;

export interface TransformStats {
  readonly transformId: string;
  readonly role: TransformRole;
  readonly kind: TrackKind;
  readonly codec: TransformCodec | null;
  readonly memberId: string | null;
  /** The worker received its streams and pumps frames. */
  readonly active: boolean;
  /** send: a sender key is installed; recv: a key of that member is installed. */
  readonly hasKey: boolean;
  /** The key epoch of the last frame protected (send) or opened (recv). */
  readonly epoch: number | null;
  readonly encrypted: number;
  readonly decrypted: number;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  readonly droppedTotal: number;
  /** The stream ended (the sender or receiver went away). */
  readonly ended: boolean;
}

export interface WorkerStats {
  readonly senderEpoch: number | null;
  readonly receivers: ReadonlyArray<{ readonly memberId: string; readonly epochs: readonly number[] }>;
  readonly transforms: readonly TransformStats[];
}

export type TryDecryptResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: DecryptFailureReason };

/** Page -> worker. */
export type ToWorker =
  | { readonly type: 'setSenderKey'; readonly epoch: number; readonly key: Uint8Array }
  | {
      readonly type: 'setReceiverKey';
      readonly memberId: string;
      readonly senderIndex: number;
      readonly epoch: number;
      readonly key: Uint8Array;
    }
  | { readonly type: 'removeReceiver'; readonly memberId: string }
  | { readonly type: 'getStats'; readonly requestId: number }
  | {
      readonly type: 'tryDecrypt';
      readonly requestId: number;
      readonly memberId: string;
      readonly codec: string;
      readonly frame: ArrayBuffer;
    }
  /** The createEncodedStreams fallback: the page transfers the streams. */
  | {
      readonly type: 'attachStreams';
      readonly options: TransformOptions;
      readonly readable: ReadableStream;
      readonly writable: WritableStream;
    };

/** Worker -> page. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'transformActive'; readonly transformId: string }
  | { readonly type: 'transformEnded'; readonly transformId: string }
  /** Frames of this member arrive under a key we do not have: ask for it (rate-limited). */
  | { readonly type: 'keyRequest'; readonly memberId: string; readonly epoch: number }
  | { readonly type: 'senderKeyInstalled'; readonly epoch: number }
  | { readonly type: 'response'; readonly requestId: number; readonly result: WorkerResponse }
  | { readonly type: 'failure'; readonly message: string };

export type WorkerResponse =
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  | { readonly type: 'tryDecrypt'; readonly result: TryDecryptResult }
  | { readonly type: 'done'; readonly ok: boolean };
