import { TypedEmitter } from '@confidentiel/events';
import { checkpointData, type CheckpointData } from './Checkpoint.ts';
import { canonicalJson, isPlainObject, type JsonObject } from './canonicalJson.ts';
import {
  CHECKPOINT_TYPE,
  GENESIS_PREV,
  entryLine,
  hashedBytes,
  isName,
  sha256Hex,
  type JournalEntry,
} from './JournalEntry.ts';
import { isHex64 } from './encoding.ts';
import { JournalError } from './JournalError.ts';
import type { JournalSigner } from './JournalSigner.ts';
import type { JournalSink } from './JournalSink.ts';
import type { JournalTail } from './JournalTail.ts';
import { TimeStampError } from './timestamp/TimeStampError.ts';
import type { TimeStamp } from './timestamp/TimeStamper.ts';

/** Anchor the head after this many entries when `timeStamping.every` is not given. */
export const DEFAULT_CHECKPOINT_EVERY = 100;

/** What the writer needs of a time-stamping authority (a `TimeStamper`, or a test double). */
export interface TimeStampSource {
  readonly url: string;
  stamp(digestHex: string): Promise<TimeStamp>;
}

export interface JournalWriterOptions {
  sessionId: string;
  /** Owned by the writer: closed with it. */
  sink: JournalSink;
  signer: JournalSigner;
  /** Milliseconds since the epoch; injected so tests drive time. */
  now?: () => number;
  /**
   * Anchor the chain with an RFC 3161 time-stamp every `every` entries and at `close()`. A failed
   * request is recorded in the checkpoint; the journal goes on.
   */
  timeStamping?: { authority: TimeStampSource; every?: number };
  /**
   * Continue a chain already in the sink (a file reopened with `FileJournalSink.resume`): the
   * first entry gets `seq` last.seq + 1 and `prev` last.hash. It must be the same session.
   */
  last?: JournalContinuation | undefined;
}

/** The entry a resumed writer follows; `JournalTail` has these fields. */
export type JournalContinuation = Pick<JournalTail, 'seq' | 'hash' | 'type'> &
  Partial<Pick<JournalTail, 'sessionId' | 'sinceCheckpoint'>>;

export interface JournalHead {
  seq: number;
  hash: string;
  type: string;
}

export interface JournalWriterEvents extends Record<string, unknown[]> {
  /** An entry was written (and, for a file, fsynced). */
  entry: [JournalEntry];
  /** A checkpoint recorded a failure instead of a token. */
  'timestamp-failed': [TimeStampError];
}

/**
 * The append-only journal of one session: numbers, chains and signs each entry, hands it to the
 * sink, and waits for the sink before the next one, so entries reach the sink in `seq` order even
 * when callers do not await `append`. The writer stops at the first sink failure (a gap would
 * make every later entry unverifiable); a time-stamping failure is recorded, never fatal.
 */
export class JournalWriter extends TypedEmitter<JournalWriterEvents> {
  readonly #sessionId: string;
  readonly #sink: JournalSink;
  readonly #signer: JournalSigner;
  readonly #now: () => number;
  readonly #authority: TimeStampSource | undefined;
  readonly #every: number;
  #head: JournalHead | undefined;
  #sinceCheckpoint = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: unknown;
  #closing: Promise<void> | undefined;

  constructor(options: JournalWriterOptions) {
    super();
    if (!isName(options.sessionId)) {
      throw new TypeError('sessionId must be a non-empty string of at most 200 characters');
    }
    const every = options.timeStamping?.every ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new TypeError('timeStamping.every must be a positive integer');
    }
    this.#sessionId = options.sessionId;
    this.#sink = options.sink;
    this.#signer = options.signer;
    this.#now = options.now ?? Date.now;
    this.#authority = options.timeStamping?.authority;
    this.#every = every;
    const last = options.last;
    if (last !== undefined) {
      if (!Number.isSafeInteger(last.seq) || last.seq < 0 || !isHex64(last.hash) || !isName(last.type)) {
        throw new TypeError('last must be the { seq, hash, type } of a journal entry');
      }
      if (last.sessionId !== undefined && last.sessionId !== options.sessionId) {
        throw new TypeError(`last is an entry of session ${last.sessionId}, not ${options.sessionId}`);
      }
      this.#head = { seq: last.seq, hash: last.hash, type: last.type };
      this.#sinceCheckpoint = last.sinceCheckpoint ?? 0;
    }
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** The last entry written (or continued from, see `last`), `undefined` before the first. */
  get head(): JournalHead | undefined {
    return this.#head && { ...this.#head };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Appends an event. `at` is read now, when the event happens, even if the entry waits behind a
   * time-stamp request. `data` is copied: changing it afterwards does not change the entry.
   * Throws `TypeError` for a bad type, `JournalError` ('not-json') for data without a JSON form,
   * ('closed') after `close()` or a sink failure, ('sink-failed') when the sink refuses the line.
   */
  append(type: string, data: Record<string, unknown> = {}): Promise<JournalEntry> {
    if (this.#closing !== undefined) {
      return Promise.reject(JournalError.closed('journal writer'));
    }
    if (!isName(type)) {
      return Promise.reject(new TypeError('type must be a non-empty string of at most 200 characters'));
    }
    if (type === CHECKPOINT_TYPE) {
      return Promise.reject(
        new TypeError(`type '${CHECKPOINT_TYPE}' is reserved for the writer's checkpoints`),
      );
    }
    if (!isPlainObject(data)) {
      return Promise.reject(new TypeError('data must be a plain object'));
    }
    let snapshot: JsonObject;
    try {
      snapshot = JSON.parse(canonicalJson(data)) as JsonObject;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const at = this.#now();
    return this.#enqueue(async () => {
      const entry = await this.#write(type, snapshot, at);
      this.#sinceCheckpoint++;
      if (this.#authority !== undefined && this.#sinceCheckpoint >= this.#every) {
        await this.#checkpoint(this.#authority);
      }
      return entry;
    });
  }

  /**
   * Waits for pending appends, anchors the head with a last checkpoint (when time-stamping and the
   * head is not already one), and closes the sink. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#enqueue(async () => {
      try {
        const head = this.#head;
        const anchorable = head !== undefined && head.type !== CHECKPOINT_TYPE && this.#failure === undefined;
        if (this.#authority !== undefined && anchorable) {
          await this.#checkpoint(this.#authority);
        }
      } finally {
        await this.#sink.close();
      }
    });
    return this.#closing;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #checkpoint(authority: TimeStampSource): Promise<void> {
    const head = this.#head!;
    const anchor = { seq: head.seq, hash: head.hash };
    let data: CheckpointData;
    try {
      const stamp = await authority.stamp(head.hash);
      data = { anchor, authority: authority.url, token: Buffer.from(stamp.token).toString('base64') };
    } catch (error) {
      const failure =
        error instanceof TimeStampError
          ? error
          : new TimeStampError('malformed', error instanceof Error ? error.message : String(error), {
              cause: error,
            });
      data = {
        anchor,
        authority: authority.url,
        failure: { reason: failure.reason, message: failure.message },
      };
      this.emit('timestamp-failed', failure);
    }
    await this.#write(CHECKPOINT_TYPE, checkpointData(data), this.#now());
    this.#sinceCheckpoint = 0;
  }

  async #write(type: string, data: JsonObject, at: number): Promise<JournalEntry> {
    if (this.#failure !== undefined) {
      throw JournalError.closed('journal writer (after a sink failure)', this.#failure);
    }
    const seq = this.#head === undefined ? 0 : this.#head.seq + 1;
    const content = {
      seq,
      at,
      sessionId: this.#sessionId,
      type,
      data,
      prev: this.#head?.hash ?? GENESIS_PREV,
      keyId: this.#signer.keyId,
    };
    const hash = sha256Hex(hashedBytes(content));
    const entry: JournalEntry = { ...content, hash, signature: this.#signer.sign(hash) };
    try {
      await this.#sink.write(entryLine(entry), entry);
    } catch (error) {
      this.#failure = error;
      throw new JournalError('sink-failed', `journal entry ${seq} was not written`, { cause: error });
    }
    this.#head = { seq, hash, type };
    this.emit('entry', entry);
    return entry;
  }
}
