/**
 * Runs in a dedicated Worker of a Chromium page (bundled by the bench): the
 * per-frame cost of the real E2EE code against raw WebCrypto AES-GCM, in the
 * same worker, on the same frame sizes.
 * - frame level: encryptFrame / decryptFrame of @confidentiel/e2ee (SFrame
 *   header, key and CTR, AAD, AES-GCM, output assembly, replay window);
 * - pipeline level: the shipped worker's TransformStreams (apps/web
 *   FramePipeline.ts with its SenderKeys / ReceiverKeys), fed one frame at a
 *   time as the browser does, against the same TransformStream doing raw
 *   AES-GCM.
 * Frames go one after the other (await each): the latency a frame pays.
 * Batches of frames are timed (performance.now() is coarse outside
 * cross-origin isolation), ours and raw alternating batch by batch.
 */
import {
  decryptFrame,
  encryptFrame,
  KeyId,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
} from '@confidentiel/e2ee';
import {
  createRecvTransform,
  createSendTransform,
  TransformCounters,
  type EncodedFrameLike,
} from '../../../../../apps/web/src/e2ee/worker/FramePipeline.ts';
import { ReceiverKeys } from '../../../../../apps/web/src/e2ee/worker/ReceiverKeys.ts';
import { SenderKeys } from '../../../../../apps/web/src/e2ee/worker/SenderKeys.ts';
import { frameOf, median, type Bytes, type FrameCase } from './frames.ts';
import { profileCase, type StepProfile } from './stepProfile.ts';
import { syncSteps, type SyncSteps } from './syncSteps.ts';

export type { FrameCase } from './frames.ts';

export interface BenchRequest {
  cases: FrameCase[];
  batch: number;
  batches: number;
  warmupBatches: number;
  /** Batches of the step profile (fewer: it only has to rank the steps). */
  profileBatches: number;
}

/** Median µs per frame of each way, for one case. */
export interface CaseResult {
  id: string;
  ours: { encrypt: number; decrypt: number };
  raw: { encrypt: number; decrypt: number };
  pipeline: { encrypt: number; decrypt: number };
  pipelineRaw: { encrypt: number; decrypt: number };
  /** Raw AES-GCM with SFrame's additions one at a time (stepProfile.ts). */
  profile: StepProfile;
  /** The synchronous steps of the functions, µs per call (syncSteps.ts). */
  steps: SyncSteps;
}

export interface BenchResponse {
  crossOriginIsolated: boolean;
  results: CaseResult[];
}

interface Scope {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<BenchRequest>) => void) | null;
  crossOriginIsolated?: boolean;
}

const SENDER_INDEX = 1;
const MEMBER = 'member';

/** A TransformStream driven one frame at a time: write it, read what comes out. */
class Lane {
  readonly #writer: WritableStreamDefaultWriter<EncodedFrameLike>;
  readonly #reader: ReadableStreamDefaultReader<EncodedFrameLike>;

  constructor(stream: TransformStream<EncodedFrameLike, EncodedFrameLike>) {
    this.#writer = stream.writable.getWriter();
    this.#reader = stream.readable.getReader();
  }

  async pass(data: ArrayBuffer): Promise<ArrayBuffer> {
    // Read while writing: the readable side has no buffer (highWaterMark 0), so the transform
    // runs only once a read asks for its output; awaiting the write first would wait forever.
    const written = this.#writer.write({ data });
    const { value, done } = await this.#reader.read();
    await written;
    if (done || !value) {
      throw new Error('a frame was dropped');
    }
    return value.data;
  }
}

async function runCase(c: FrameCase, request: BenchRequest): Promise<CaseResult> {
  const kind = c.codec === 'opus' ? 'audio' : 'video';
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = KeyId.pack({ senderIndex: SENDER_INDEX, epoch: 0, kind });
  const sender = await SenderContext.create(kid, baseKey);
  const ring = new ReceiverKeyRing();
  await ring.install(kid, baseKey);
  const replay = new ReplayWindow();

  const senderKeys = new SenderKeys();
  senderKeys.setKey(0, baseKey);
  const receiverKeys = new ReceiverKeys();
  await receiverKeys.install(MEMBER, SENDER_INDEX, 0, baseKey);
  const options = { codec: c.codec, kind, senderIndex: SENDER_INDEX } as const;
  const send = new Lane(
    createSendTransform(new TransformCounters({ ...options, transformId: 's', role: 'send' }), senderKeys),
  );
  const recv = new Lane(
    createRecvTransform(
      new TransformCounters({ ...options, transformId: 'r', role: 'recv', memberId: MEMBER }),
      receiverKeys,
      { onMissingKey: () => undefined },
    ),
  );

  const rawKey = await crypto.subtle.importKey('raw', baseKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
  let counter = 0;
  // A fresh 96-bit IV per frame, as any AES-GCM use needs (SFrame derives it from the CTR).
  const nextIv = (): Bytes => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, ++counter);
    return iv;
  };
  const rawLane = (encrypt: boolean): Lane =>
    new Lane(
      new TransformStream<EncodedFrameLike, EncodedFrameLike>({
        transform: async (frame, controller) => {
          const iv = encrypt ? nextIv() : new Uint8Array(frame.data, 0, 12);
          const body = encrypt ? frame.data : new Uint8Array(frame.data, 12);
          const out = encrypt
            ? await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, body)
            : await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, rawKey, body);
          if (encrypt) {
            // The IV travels with the frame, as SFrame's header does.
            const framed = new Uint8Array(12 + out.byteLength);
            framed.set(iv);
            framed.set(new Uint8Array(out), 12);
            frame.data = framed.buffer;
          } else {
            frame.data = out;
          }
          controller.enqueue(frame);
        },
      }),
    );
  const rawSend = rawLane(true);
  const rawRecv = rawLane(false);

  const plain = frameOf(c);
  const n = request.batch;
  const timings = {
    oursEnc: [] as number[],
    oursDec: [] as number[],
    rawEnc: [] as number[],
    rawDec: [] as number[],
    pipeEnc: [] as number[],
    pipeDec: [] as number[],
    pipeRawEnc: [] as number[],
    pipeRawDec: [] as number[],
  };
  const sealed: Bytes[] = new Array<Bytes>(n);
  const rawSealed: Array<{ iv: Bytes; data: ArrayBuffer }> = new Array<{ iv: Bytes; data: ArrayBuffer }>(n);
  const lanes: ArrayBuffer[] = new Array<ArrayBuffer>(n);

  const ours = async (record: boolean): Promise<void> => {
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      sealed[i] = await encryptFrame(sender, c.codec, plain);
    }
    const enc = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < n; i++) {
      const opened = await decryptFrame(ring, replay, c.codec, sealed[i] as Bytes);
      if (!opened.ok) {
        throw new Error(`decryptFrame refused a frame: ${opened.reason}`);
      }
    }
    const dec = performance.now() - t;
    if (record) {
      timings.oursEnc.push((enc * 1000) / n);
      timings.oursDec.push((dec * 1000) / n);
    }
  };
  const raw = async (record: boolean): Promise<void> => {
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const iv = nextIv();
      rawSealed[i] = { iv, data: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, plain) };
    }
    const enc = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < n; i++) {
      const { iv, data } = rawSealed[i] as { iv: Bytes; data: ArrayBuffer };
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, rawKey, data);
    }
    const dec = performance.now() - t;
    if (record) {
      timings.rawEnc.push((enc * 1000) / n);
      timings.rawDec.push((dec * 1000) / n);
    }
  };
  const pipe = async (
    sendLane: Lane,
    recvLane: Lane,
    encOut: number[],
    decOut: number[],
    record: boolean,
  ) => {
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      // The encoder hands each frame in a buffer of its own; the transform replaces it.
      lanes[i] = await sendLane.pass(plain.buffer);
    }
    const enc = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < n; i++) {
      await recvLane.pass(lanes[i] as ArrayBuffer);
    }
    const dec = performance.now() - t;
    if (record) {
      encOut.push((enc * 1000) / n);
      decOut.push((dec * 1000) / n);
    }
  };

  for (let b = 0; b < request.warmupBatches + request.batches; b++) {
    const record = b >= request.warmupBatches;
    // Alternate which goes first, so a slow moment does not always fall on the same one.
    const steps = [
      () => ours(record),
      () => raw(record),
      () => pipe(send, recv, timings.pipeEnc, timings.pipeDec, record),
      () => pipe(rawSend, rawRecv, timings.pipeRawEnc, timings.pipeRawDec, record),
    ];
    const order = b % 2 === 0 ? steps : [steps[1], steps[0], steps[3], steps[2]];
    for (const step of order) {
      await (step as () => Promise<void>)();
    }
  }
  const profile = await profileCase(c, n, request.profileBatches, request.warmupBatches);
  return {
    id: c.id,
    profile,
    steps: await syncSteps(c.codec === 'opus' ? 1 : c.keyFrame ? 10 : 3),
    ours: { encrypt: median(timings.oursEnc), decrypt: median(timings.oursDec) },
    raw: { encrypt: median(timings.rawEnc), decrypt: median(timings.rawDec) },
    pipeline: { encrypt: median(timings.pipeEnc), decrypt: median(timings.pipeDec) },
    pipelineRaw: { encrypt: median(timings.pipeRawEnc), decrypt: median(timings.pipeRawDec) },
  };
}

const scope = globalThis as unknown as Scope;
scope.onmessage = (event) => {
  const request = event.data;
  void (async () => {
    try {
      const results: CaseResult[] = [];
      for (const c of request.cases) {
        results.push(await runCase(c, request));
      }
      const response: BenchResponse = { crossOriginIsolated: scope.crossOriginIsolated === true, results };
      scope.postMessage({ ok: true, response });
    } catch (error) {
      scope.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  })();
};
scope.postMessage({ ready: true });
