import { DEFAULT_CIPHER_SUITE, cipherSuiteParams, type CipherSuiteId } from './CipherSuite.ts';
import { E2eeError } from './E2eeError.ts';
import { KeyId, TRACK_KINDS, type KeyIdFields, type TrackKind } from './KeyId.ts';
import { deriveKeyMaterial, type BaseKey, type KeyMaterial } from './KeySchedule.ts';
import { subtle, type WebCryptoKey } from './webcrypto.ts';

/**
 * How long an older epoch of a (sender, kind) stays once a frame under a newer epoch has
 * authenticated: the sender has switched, only frames already in flight or in the jitter buffer
 * still use the old key.
 */
export const PREVIOUS_KEY_GRACE_MS = 2_000;

/**
 * How long an older epoch stays once a newer one is installed, even if no frame uses the newer one
 * yet. Must exceed the time senders wait for acknowledgements before switching. Bounded because a
 * member removed from the room knows the old key, and could forge frames under it for as long as
 * receivers accept it.
 */
export const PREVIOUS_KEY_MAX_RETAIN_MS = 10_000;

export interface ReceiverKeyRingOptions {
  /** Cipher suite of every key in the ring. Default: AES_128_GCM_SHA256_128. */
  readonly suite?: CipherSuiteId;
  /** Milliseconds, monotonic. Default: `performance.now()`. */
  readonly now?: () => number;
  /** Default: PREVIOUS_KEY_GRACE_MS. */
  readonly previousKeyGraceMs?: number;
  /** Default: PREVIOUS_KEY_MAX_RETAIN_MS. */
  readonly previousKeyMaxRetainMs?: number;
}

interface Entry {
  readonly material: KeyMaterial;
  readonly fields: KeyIdFields;
  /** SHA-256 of raw base key bytes, or the base CryptoKey itself: tells a repeat from a conflict. */
  readonly fingerprint: Uint8Array | WebCryptoKey;
  /** When this key stops being accepted; unset while it is the newest of its sender and kind. */
  retireAt: number | undefined;
  /** A frame under this KID has authenticated (the sender has switched to it). */
  used: boolean;
}

interface PendingInstall {
  readonly kid: bigint;
  readonly senderIndex: number;
  cancelled: boolean;
}

function sameFingerprint(a: Uint8Array | WebCryptoKey, b: Uint8Array | WebCryptoKey): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  return a === b;
}

async function fingerprintOf(baseKey: BaseKey): Promise<Uint8Array | WebCryptoKey> {
  if (baseKey instanceof Uint8Array) {
    return new Uint8Array(await subtle().digest('SHA-256', Uint8Array.from(baseKey)));
  }
  return baseKey;
}

/**
 * The receiving side's keys: KID -> derived key material, derived once at install. When a newer
 * epoch of a (sender, kind) arrives, the older ones are kept for a short grace window (see the
 * constants above), then dropped. Lookups never throw.
 */
export class ReceiverKeyRing {
  readonly #suiteId: CipherSuiteId;
  readonly #now: () => number;
  readonly #graceMs: number;
  readonly #maxRetainMs: number;
  readonly #entries = new Map<bigint, Entry>();
  /** Installs run one after the other, which makes repeats and conflicts simple to tell. */
  #installing: Promise<void> = Promise.resolve();
  /** Installs asked for and not finished: a removal cancels the matching ones. */
  readonly #pending = new Set<PendingInstall>();
  #closed = false;

  constructor(options: ReceiverKeyRingOptions = {}) {
    this.#suiteId = options.suite ?? DEFAULT_CIPHER_SUITE;
    cipherSuiteParams(this.#suiteId);
    this.#now = options.now ?? (() => performance.now());
    this.#graceMs = options.previousKeyGraceMs ?? PREVIOUS_KEY_GRACE_MS;
    this.#maxRetainMs = options.previousKeyMaxRetainMs ?? PREVIOUS_KEY_MAX_RETAIN_MS;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Number of keys held (including older epochs in their grace window). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Derives and installs the key of one KID. Installing the same KID with the same base key again
   * is a no-op; with another base key it is a `kid-conflict` and the installed key stays.
   */
  install(kid: bigint, baseKey: BaseKey): Promise<void> {
    const fields = KeyId.unpack(kid);
    const pending: PendingInstall = { kid, senderIndex: fields.senderIndex, cancelled: false };
    this.#pending.add(pending);
    const run = this.#installing
      .then(() => this.#install(pending, fields, baseKey))
      .finally(() => this.#pending.delete(pending));
    this.#installing = run.catch(() => undefined);
    return run;
  }

  /** Installs the keys of a sender's epoch for each track kind; returns the KIDs. */
  async installSender(
    senderIndex: number,
    epoch: number,
    baseKey: BaseKey,
    kinds: readonly TrackKind[] = TRACK_KINDS,
  ): Promise<bigint[]> {
    const kids = kinds.map((kind) => KeyId.pack({ senderIndex, epoch, kind }));
    await Promise.all(kids.map((kid) => this.install(kid, baseKey)));
    return kids;
  }

  async #install(pending: PendingInstall, fields: KeyIdFields, baseKey: BaseKey): Promise<void> {
    if (this.#closed) {
      throw E2eeError.closed('ReceiverKeyRing');
    }
    if (pending.cancelled) {
      // Removed before its turn came.
      return;
    }
    const kid = pending.kid;
    const fingerprint = await fingerprintOf(baseKey);
    const existing = this.#entries.get(kid);
    if (existing !== undefined) {
      if (!sameFingerprint(existing.fingerprint, fingerprint)) {
        throw new E2eeError('kid-conflict', `KID ${kid} is already installed with another key`);
      }
      return;
    }
    const material = await deriveKeyMaterial(baseKey, kid, this.#suiteId);
    if (pending.cancelled || this.#closed) {
      // Removed (or closed) while deriving: the removal is the later request and wins.
      return;
    }
    const entry: Entry = { material, fields, fingerprint, retireAt: undefined, used: false };
    const now = this.#now();
    for (const other of this.#sameTrack(fields)) {
      if (other.fields.epoch < fields.epoch) {
        other.retireAt = Math.min(other.retireAt ?? Infinity, now + this.#maxRetainMs);
      } else if (other.fields.epoch > fields.epoch) {
        // A late install of an older epoch: accepted, but already on its way out.
        entry.retireAt = now + this.#maxRetainMs;
      }
    }
    this.#entries.set(kid, entry);
  }

  *#sameTrack(fields: KeyIdFields): Generator<Entry> {
    for (const entry of this.#entries.values()) {
      if (entry.fields.senderIndex === fields.senderIndex && entry.fields.kind === fields.kind) {
        yield entry;
      }
    }
  }

  /** The key material of a KID, or `undefined` if unknown or past its grace window. */
  get(kid: bigint): KeyMaterial | undefined {
    const entry = this.#entries.get(kid);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.retireAt !== undefined && this.#now() >= entry.retireAt) {
      this.#entries.delete(kid);
      return undefined;
    }
    return entry.material;
  }

  has(kid: bigint): boolean {
    return this.get(kid) !== undefined;
  }

  /**
   * Called once a frame under `kid` has authenticated: the sender uses this epoch now, so older
   * epochs of the same sender and kind keep only the short grace window.
   */
  noteUsed(kid: bigint): void {
    const entry = this.#entries.get(kid);
    if (entry === undefined || entry.used) {
      return;
    }
    entry.used = true;
    const deadline = this.#now() + this.#graceMs;
    for (const other of this.#sameTrack(entry.fields)) {
      if (other.fields.epoch < entry.fields.epoch) {
        other.retireAt = Math.min(other.retireAt ?? Infinity, deadline);
      }
    }
  }

  /** Removes one KID at once (no grace). Returns whether it was there or being installed. */
  remove(kid: bigint): boolean {
    let found = this.#entries.delete(kid);
    for (const pending of this.#pending) {
      if (pending.kid === kid) {
        pending.cancelled = true;
        found = true;
      }
    }
    return found;
  }

  /** Removes every key of a sender at once (the member left or was removed). */
  removeSender(senderIndex: number): number {
    let removed = 0;
    for (const [kid, entry] of this.#entries) {
      if (entry.fields.senderIndex === senderIndex) {
        this.#entries.delete(kid);
        removed++;
      }
    }
    for (const pending of this.#pending) {
      if (pending.senderIndex === senderIndex) {
        pending.cancelled = true;
      }
    }
    return removed;
  }

  /** Drops every key. Idempotent; later installs fail with `closed`, lookups find nothing. */
  close(): void {
    this.#closed = true;
    this.#entries.clear();
    for (const pending of this.#pending) {
      pending.cancelled = true;
    }
  }
}
