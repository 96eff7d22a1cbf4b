/**
 * The profile of one frame's encrypt and decrypt: raw AES-GCM, then the same
 * call with each thing SFrame adds, one at a time, then the real
 * encryptFrame / decryptFrame. The differences between consecutive ways say
 * where ours spends its extra time:
 * - aad: AES-GCM with the AAD SFrame authenticates (header + clear prefix);
 * - view: the payload handed to WebCrypto as a view past the clear prefix
 *   (a subarray), as sealSFrame / openSFrame do;
 * - copy: WebCrypto's output copied behind the clear prefix and header into
 *   a buffer made once (the bytes are read: their memory is touched);
 * - assembly: the same into a new buffer per frame, as the real code does
 *   (clear prefix + header + ciphertext, or prefix + plaintext);
 * - ours: the rest (codec and prefix checks, key and CTR, header, nonce,
 *   replay window, the promises between the functions).
 * And two ways out of the chain, what a different code would cost: `grow`,
 * the assembly done by growing WebCrypto's output buffer
 * (ArrayBuffer.prototype.transfer) and shifting the bytes instead of a new
 * buffer; `flat`, the real functions' steps in one async function
 * (flatFrame.ts).
 */
import {
  decryptFrame,
  encryptFrame,
  KeyId,
  ReceiverKeyRing,
  ReplayWindow,
  SenderContext,
} from '@confidentiel/e2ee';
import { flatDecrypt, flatEncrypt } from './flatFrame.ts';
import { frameOf, median, timeBatch, type Bytes, type FrameCase } from './frames.ts';

export const PROFILE_WAYS = ['raw', 'aad', 'view', 'copy', 'assembly', 'ours'] as const;
export type ProfileWay = (typeof PROFILE_WAYS)[number];
const ALL_WAYS = [...PROFILE_WAYS, 'grow', 'flat'] as const;
type AnyWay = (typeof ALL_WAYS)[number];
export type StepProfile = Record<'encrypt' | 'decrypt', Record<AnyWay, number>>;

/** ES2024's ArrayBuffer.prototype.transfer (Chromium has it; the bench's TypeScript lib is ES2023). */
function grown(buffer: ArrayBuffer, length: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array((buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(length));
}

/** SFrame header of these tests: 1 config byte + KID and CTR bytes; a typical length. */
const HEADER_BYTES = 4;

export async function profileCase(
  c: FrameCase,
  batch: number,
  batches: number,
  warmup: number,
): Promise<StepProfile> {
  const kind = c.codec === 'opus' ? 'audio' : 'video';
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const kid = KeyId.pack({ senderIndex: 1, epoch: 0, kind });
  const sender = await SenderContext.create(kid, baseKey);
  const ring = new ReceiverKeyRing();
  await ring.install(kid, baseKey);
  const replay = new ReplayWindow();
  // The flat way's own sender (another sender index: its CTRs start again from 0), key ring and
  // replay window: a newer epoch of the same sender in the same ring would retire ours after 2 s.
  const flatKid = KeyId.pack({ senderIndex: 2, epoch: 0, kind });
  const flatSender = await SenderContext.create(flatKid, baseKey);
  const flatRing = new ReceiverKeyRing();
  await flatRing.install(flatKid, baseKey);
  const flatReplay = new ReplayWindow();
  const flatSealed: Bytes[] = [];
  const key = await crypto.subtle.importKey('raw', baseKey, 'AES-GCM', false, ['encrypt', 'decrypt']);

  const plain = frameOf(c);
  const prefix = c.codec === 'opus' ? 1 : c.keyFrame ? 10 : 3;
  const aad = plain.slice(0, prefix + HEADER_BYTES);
  let counter = 0;
  const nextIv = (): Bytes => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, ++counter);
    return iv;
  };
  const enc = (iv: Bytes, body: Bytes, withAad: boolean): Promise<ArrayBuffer> =>
    crypto.subtle.encrypt(
      withAad ? { name: 'AES-GCM', iv, additionalData: aad } : { name: 'AES-GCM', iv },
      key,
      body,
    );
  const dec = (iv: Bytes, body: Bytes, withAad: boolean): Promise<ArrayBuffer> =>
    crypto.subtle.decrypt(
      withAad ? { name: 'AES-GCM', iv, additionalData: aad } : { name: 'AES-GCM', iv },
      key,
      body,
    );

  // Each way's sealed frames, kept for its decrypt batch: the IV, the frame, where the ciphertext starts.
  type Sealed = { iv: Bytes; data: Bytes; offset: number };
  const sealedBy: Record<AnyWay, Sealed[]> = {
    grow: [],
    flat: [],
    raw: [],
    aad: [],
    view: [],
    copy: [],
    assembly: [],
    ours: [],
  };
  /** The buffer made once that `copy` writes into (frame size + tag + header, with room to spare). */
  const reused = new Uint8Array(c.bytes + 64);
  const oursSealed: Bytes[] = [];
  /** The payload past the clear prefix in a buffer of its own (no view): what `aad` encrypts. */
  const body = plain.slice(prefix);
  const framedLength = (sealed: number): number => prefix + HEADER_BYTES + sealed;
  const assemble = (sealed: ArrayBuffer): Bytes => {
    const out = new Uint8Array(framedLength(sealed.byteLength));
    out.set(plain.subarray(0, prefix));
    out.set(new Uint8Array(sealed), prefix + HEADER_BYTES);
    return out;
  };
  const encrypt: Record<AnyWay, (i: number) => Promise<unknown>> = {
    flat: async (i) => {
      flatSealed[i] = await flatEncrypt(flatSender, c.codec, plain);
    },
    grow: async (i) => {
      const iv = nextIv();
      const sealed = await enc(iv, plain.subarray(prefix), true);
      const length = sealed.byteLength;
      const out = grown(sealed, framedLength(length));
      out.copyWithin(prefix + HEADER_BYTES, 0, length);
      out.set(plain.subarray(0, prefix));
      sealedBy.grow[i] = { iv, data: out, offset: prefix + HEADER_BYTES };
    },
    raw: async (i) => {
      const iv = nextIv();
      sealedBy.raw[i] = { iv, data: new Uint8Array(await enc(iv, plain, false)), offset: 0 };
    },
    aad: async (i) => {
      const iv = nextIv();
      sealedBy.aad[i] = { iv, data: new Uint8Array(await enc(iv, body, true)), offset: 0 };
    },
    view: async (i) => {
      const iv = nextIv();
      sealedBy.view[i] = { iv, data: new Uint8Array(await enc(iv, plain.subarray(prefix), true)), offset: 0 };
    },
    copy: async (i) => {
      const iv = nextIv();
      const sealed = await enc(iv, plain.subarray(prefix), true);
      reused.set(plain.subarray(0, prefix));
      reused.set(new Uint8Array(sealed), prefix + HEADER_BYTES);
      // Kept for the decrypt batch as the view way keeps it (not part of the timed work).
      sealedBy.copy[i] = { iv, data: new Uint8Array(sealed), offset: 0 };
    },
    assembly: async (i) => {
      const iv = nextIv();
      const data = assemble(await enc(iv, plain.subarray(prefix), true));
      sealedBy.assembly[i] = { iv, data, offset: prefix + HEADER_BYTES };
    },
    ours: async (i) => {
      oursSealed[i] = await encryptFrame(sender, c.codec, plain);
    },
  };
  /** Untimed, between a way's encrypt and decrypt batches: the view way decrypts from inside a frame. */
  const frameViews = (way: 'view' | 'copy'): void => {
    sealedBy[way] = sealedBy[way].map((s) => {
      const framed = new Uint8Array(framedLength(s.data.length));
      framed.set(s.data, prefix + HEADER_BYTES);
      return { iv: s.iv, data: framed, offset: prefix + HEADER_BYTES };
    });
  };
  const decrypt: Record<AnyWay, (i: number) => Promise<unknown>> = {
    flat: async (i) => {
      if ((await flatDecrypt(flatRing, flatReplay, c.codec, flatSealed[i] as Bytes)) === null) {
        throw new Error('profile: the flat decrypt refused a frame');
      }
    },
    grow: async (i) => {
      const s = sealedBy.grow[i] as Sealed;
      const opened = await dec(s.iv, s.data.subarray(s.offset), true);
      const length = opened.byteLength;
      const payload = grown(opened, prefix + length);
      payload.copyWithin(prefix, 0, length);
      payload.set(s.data.subarray(0, prefix));
    },
    raw: (i) => {
      const s = sealedBy.raw[i] as Sealed;
      return dec(s.iv, s.data, false);
    },
    aad: (i) => {
      const s = sealedBy.aad[i] as Sealed;
      return dec(s.iv, s.data, true);
    },
    view: (i) => {
      const s = sealedBy.view[i] as Sealed;
      return dec(s.iv, s.data.subarray(s.offset), true);
    },
    copy: async (i) => {
      const s = sealedBy.copy[i] as Sealed;
      const opened = await dec(s.iv, s.data.subarray(s.offset), true);
      reused.set(s.data.subarray(0, prefix));
      reused.set(new Uint8Array(opened), prefix);
    },
    assembly: async (i) => {
      const s = sealedBy.assembly[i] as Sealed;
      const opened = await dec(s.iv, s.data.subarray(s.offset), true);
      const payload = new Uint8Array(prefix + opened.byteLength);
      payload.set(s.data.subarray(0, prefix));
      payload.set(new Uint8Array(opened), prefix);
    },
    ours: async (i) => {
      const result = await decryptFrame(ring, replay, c.codec, oursSealed[i] as Bytes);
      if (!result.ok) {
        throw new Error(`profile: decryptFrame refused a frame (${result.reason})`);
      }
    },
  };
  const samples: Record<'encrypt' | 'decrypt', Record<AnyWay, number[]>> = {
    encrypt: { raw: [], aad: [], view: [], copy: [], assembly: [], ours: [], grow: [], flat: [] },
    decrypt: { raw: [], aad: [], view: [], copy: [], assembly: [], ours: [], grow: [], flat: [] },
  };
  for (let b = 0; b < warmup + batches; b++) {
    const ways = b % 2 === 0 ? ALL_WAYS : [...ALL_WAYS].reverse();
    for (const way of ways) {
      const e = await timeBatch(batch, encrypt[way]);
      if (way === 'view' || way === 'copy') {
        frameViews(way);
      }
      const d = await timeBatch(batch, decrypt[way]);
      if (b >= warmup) {
        samples.encrypt[way].push(e);
        samples.decrypt[way].push(d);
      }
    }
  }
  const summary = (op: 'encrypt' | 'decrypt'): Record<AnyWay, number> => ({
    grow: median(samples[op].grow),
    flat: median(samples[op].flat),
    raw: median(samples[op].raw),
    aad: median(samples[op].aad),
    view: median(samples[op].view),
    copy: median(samples[op].copy),
    assembly: median(samples[op].assembly),
    ours: median(samples[op].ours),
  });
  return { encrypt: summary('encrypt'), decrypt: summary('decrypt') };
}
