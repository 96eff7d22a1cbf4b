import { sealCommittee } from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { CommitteeState } from '@confidentiel/protocol';
import { ApiError } from '../api/meetingsApi.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { BackoffPolicy } from './backoff.ts';
import { ChapterLog } from './ChapterLog.ts';
import type { ChunkQueue, RecordingSession } from './ChunkQueue.ts';
import { ChunkUploader, type UploadProgress } from './ChunkUploader.ts';
import { RecorderError, type RecorderErrorReason } from './RecorderError.ts';
import type { RecordingServer } from './RecordingApi.ts';
import { chaptersContext, chunkContext, deriveRecordingKey, type RecordingKey } from './recordingKey.ts';
import { RecordingMixer, type RecordingMix } from './RecordingMixer.ts';
import { buildChaptersVtt, type ChapterCue } from './webvtt.ts';

/** What is recorded: WebM with VP8 video and Opus sound. */
export const RECORDING_MIME_TYPE = 'video/webm;codecs=vp8,opus';
/** MediaRecorder hands a chunk over this often: at most this much is at stake if the tab dies. */
export const RECORDING_TIMESLICE_MS = 2_000;
const VIDEO_BITS_PER_SECOND = 1_000_000;
const AUDIO_BITS_PER_SECOND = 64_000;

/** What the recorder needs of the meeting client. */
export type RecorderClient = Pick<MeetingClient, 'state' | 'committee' | 'on' | 'committeeRequest'>;

export interface MediaRecorderCallbacks {
  onData(blob: Blob): void;
  onStop(): void;
  onError(error: unknown): void;
}

/** The part of MediaRecorder used here (a fake in unit tests). */
export interface MediaRecorderLike {
  start(timeslice: number): void;
  stop(): void;
}

export type CreateMediaRecorder = (
  stream: MediaStream,
  callbacks: MediaRecorderCallbacks,
) => MediaRecorderLike;

/** The browser's MediaRecorder, in WebM (VP8, Opus); throws RecorderError `unsupported` without it. */
export const browserMediaRecorder: CreateMediaRecorder = (stream, callbacks) => {
  if (typeof MediaRecorder === 'undefined') {
    throw new RecorderError('unsupported', 'this browser has no MediaRecorder');
  }
  const mimeType = MediaRecorder.isTypeSupported(RECORDING_MIME_TYPE)
    ? RECORDING_MIME_TYPE
    : MediaRecorder.isTypeSupported('video/webm')
      ? 'video/webm'
      : null;
  if (mimeType === null) {
    throw new RecorderError('unsupported', 'this browser cannot record WebM');
  }
  const recorder = new MediaRecorder(stream, {
    mimeType,
    videoBitsPerSecond: VIDEO_BITS_PER_SECOND,
    audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
  });
  recorder.addEventListener('dataavailable', (event) => callbacks.onData(event.data));
  recorder.addEventListener('stop', () => callbacks.onStop());
  recorder.addEventListener('error', (event) => callbacks.onError(event));
  return {
    start: (timeslice) => recorder.start(timeslice),
    stop: () => {
      if (recorder.state !== 'inactive') {
        recorder.stop();
      }
    },
  };
};

export type RecorderPhase = 'idle' | 'starting' | 'recording' | 'stopping';

export interface RecorderSnapshot {
  phase: RecorderPhase;
  /** The recording being made (null when idle). */
  recordingId: string | null;
  /** Chunks the server acknowledged (this recording and those resumed since the page loaded). */
  uploaded: number;
  /** Chunks waiting in this browser. */
  pending: number;
  /** An upload pass gave up; it is retried with the next chunk. */
  failing: boolean;
  /** The last failure, until the next start. */
  error: RecorderErrorReason | null;
}

export type CommitteeRecorderEvents = {
  snapshot: [RecorderSnapshot];
};

export interface CommitteeRecorderOptions {
  client: RecorderClient;
  meetingId: string;
  /** The committee secret: the recording key is derived from it. */
  committeeSecret: string;
  server: RecordingServer;
  queue: ChunkQueue;
  createMix?: () => RecordingMix;
  createRecorder?: CreateMediaRecorder;
  now?: () => number;
  /** Upload retries (tests make them instant). */
  policy?: BackoffPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
}

interface ActiveRecording {
  recordingId: string;
  session: RecordingSession;
  chapters: ChapterLog;
  mix: RecordingMix;
  recorder: MediaRecorderLike;
  uploader: ChunkUploader;
  nextIndex: number;
  /** Sealing and queueing, one chunk after the other. */
  chain: Promise<void>;
  /** Settles when MediaRecorder said `stop` (after its last chunk). */
  stopped: Promise<void>;
  unsubscribe: Array<() => void>;
}

const initialSnapshot: RecorderSnapshot = {
  phase: 'idle',
  recordingId: null,
  uploaded: 0,
  pending: 0,
  failing: false,
  error: null,
};

/**
 * Records a committee session in the chair's browser, where the media is
 * already decrypted: the active speaker's camera and every microphone,
 * mixed, through MediaRecorder (WebM, a chunk every 2 s). Each chunk is
 * sealed with the meeting's recording key (derived from the committee secret;
 * the server cannot open it), kept in the chunk queue (IndexedDB) before
 * any upload, and uploaded by a ChunkUploader that deletes it only once the
 * server acknowledged it. The agenda's current item marks chapters; at stop
 * they are sealed as WebVTT and uploaded, then the recording is finished.
 * The room is told before the first frame is recorded and after the last.
 * `resume()` (at page load) sends what a previous page left queued and
 * finishes those recordings. `close()` stops gracefully and is idempotent.
 */
export class CommitteeRecorder extends TypedEmitter<CommitteeRecorderEvents> {
  readonly #options: CommitteeRecorderOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  #key: Promise<RecordingKey> | null = null;
  #active: ActiveRecording | null = null;
  #snapshot: RecorderSnapshot = initialSnapshot;
  /** Progress of every uploader at work, summed in the snapshot. */
  readonly #progress = new Map<ChunkUploader, UploadProgress>();
  /** Acknowledged by uploaders that finished their work. */
  #uploadedBefore = 0;
  #resuming: Promise<void> | null = null;
  #closed = false;

  constructor(options: CommitteeRecorderOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  get snapshot(): RecorderSnapshot {
    return this.#snapshot;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('snapshot', onChange);
  readonly getSnapshot = (): RecorderSnapshot => this.#snapshot;

  /**
   * Starts a recording: the server makes its id, the room is told, then
   * MediaRecorder starts. Rejects with a RecorderError (and stays idle).
   */
  async start(): Promise<string> {
    if (this.#closed) {
      throw new RecorderError('refused', 'the recorder is closed');
    }
    if (this.#snapshot.phase !== 'idle') {
      throw new TypeError(`cannot start while ${this.#snapshot.phase}`);
    }
    this.#set({ phase: 'starting', error: null });
    const { client, server, queue, meetingId } = this.#options;
    // Made first, within the click that asked for it (browsers start audio only after a gesture).
    let mix: RecordingMix | null = null;
    let recordingId: string | null = null;
    let writeToken = '';
    try {
      mix = (this.#options.createMix ?? (() => new RecordingMixer()))();
      mix.update(client.state);
      const key = await this.#recordingKey();
      const created = await server.create(meetingId).catch((error: unknown) => {
        throw RecorderError.from('refused', error);
      });
      recordingId = created.recordingId;
      writeToken = created.writeToken;
      const startedAt = this.#now();
      const chapters = new ChapterLog(startedAt);
      if (client.committee) {
        chapters.observe(client.committee, startedAt);
      }
      const session: RecordingSession = {
        recordingId,
        writeToken,
        meetingId,
        startedAt,
        cues: [...chapters.cues],
      };
      await queue.putSession(session).catch((error: unknown) => {
        throw RecorderError.from('storage', error);
      });
      // Nobody is recorded before the room knows.
      await client.committeeRequest('setRecording', { on: true, recordingId }).catch((error: unknown) => {
        throw RecorderError.from('refused', error);
      });
      const uploader = this.#uploader(recordingId, writeToken);
      let stoppedResolve: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        stoppedResolve = resolve;
      });
      const active: ActiveRecording = {
        recordingId,
        session,
        chapters,
        mix,
        recorder: { start: () => {}, stop: () => {} },
        uploader,
        nextIndex: 0,
        chain: Promise.resolve(),
        stopped,
        unsubscribe: [],
      };
      const mixRef = mix;
      active.recorder = (this.#options.createRecorder ?? browserMediaRecorder)(mix.stream, {
        onData: (blob) => this.#onData(active, key, blob),
        onStop: () => stoppedResolve(),
        onError: (error) => {
          this.#logger.error('MediaRecorder failed', error);
          this.#set({ error: 'media' });
          stoppedResolve();
          void this.stop().catch(() => undefined);
        },
      });
      active.unsubscribe.push(
        client.on('state', (state) => mixRef.update(state)),
        client.on('committeeState', (state) => this.#onCommittee(active, state)),
      );
      this.#active = active;
      active.recorder.start(RECORDING_TIMESLICE_MS);
      this.#set({ phase: 'recording', recordingId });
      this.#logger.info('recording started');
      if (this.#closed) {
        // Closed while starting: the page is going away.
        void this.stop().catch(() => undefined);
      }
      return recordingId;
    } catch (error) {
      mix?.close();
      this.#active = null;
      const failure = RecorderError.from('unsupported', error);
      if (recordingId !== null) {
        // Tell the room it is off again (it may have heard "on"), and close the empty recording.
        void client.committeeRequest('setRecording', { on: false, recordingId: null }).catch(() => undefined);
        void this.#finish(recordingId, writeToken, [], 0).catch(() => undefined);
      }
      this.#set({ phase: 'idle', recordingId: null, error: failure.reason });
      throw failure;
    }
  }

  /**
   * Stops recording, tells the room, uploads what is queued, then the
   * chapters, and finishes the recording. When chunks cannot be uploaded now
   * they stay in this browser (error `upload-incomplete`) for `resume()`.
   */
  async stop(): Promise<void> {
    const active = this.#active;
    if (!active || this.#snapshot.phase !== 'recording') {
      return;
    }
    this.#set({ phase: 'stopping' });
    try {
      active.recorder.stop();
      await active.stopped;
      await active.chain;
      const endMs = this.#now() - active.session.startedAt;
      for (const off of active.unsubscribe) {
        off();
      }
      active.mix.close();
      await this.#options.client
        .committeeRequest('setRecording', { on: false, recordingId: null })
        .catch((error: unknown) => this.#logger.warn('could not tell the room the recording stopped', error));
      const complete = await active.uploader.drain();
      if (!complete) {
        this.#set({ error: 'upload-incomplete' });
        return;
      }
      await this.#finish(active.recordingId, active.session.writeToken, active.chapters.cues, endMs);
      this.#logger.info('recording finished');
    } catch (error) {
      this.#logger.warn('recording could not be finished now', error);
      this.#set({ error: 'upload-incomplete' });
    } finally {
      this.#retire(active.uploader);
      this.#active = null;
      this.#set({ phase: 'idle', recordingId: null });
    }
  }

  /**
   * Sends what a previous page of this meeting left in the queue and
   * finishes those recordings (once at a time; later calls share it).
   */
  resume(): Promise<void> {
    if (this.#snapshot.error === 'upload-incomplete') {
      this.#set({ error: null });
    }
    this.#resuming ??= this.#resume().finally(() => {
      this.#resuming = null;
    });
    return this.#resuming;
  }

  /** Stops a recording in progress (gracefully, in the background), then refuses new ones. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    void this.stop().catch((error: unknown) => this.#logger.warn('recording stop on close failed', error));
  }

  async #resume(): Promise<void> {
    const { queue, meetingId, client } = this.#options;
    const sessions = await queue.sessions(meetingId);
    for (const session of sessions) {
      if (session.recordingId === this.#active?.recordingId) {
        continue;
      }
      if (typeof session.writeToken !== 'string') {
        // Kept by an earlier version, before write tokens: the server no longer takes it.
        this.#logger.warn('an interrupted recording without a write token cannot be finished');
        await queue.deleteSession(session.recordingId);
        continue;
      }
      const uploader = this.#uploader(session.recordingId, session.writeToken);
      try {
        if (!(await uploader.drain())) {
          this.#set({ error: 'upload-incomplete' });
          continue;
        }
        const summary = (await this.#options.server.list(meetingId)).find(
          (r) => r.recordingId === session.recordingId,
        );
        if (!summary) {
          // Gone from the server: nothing left to finish.
          await queue.deleteSession(session.recordingId);
          continue;
        }
        if (summary.finishedAt === null) {
          const highest = Math.max(-1, ...summary.chunks.map((c) => c.index));
          const lastCue = session.cues.at(-1)?.startMs ?? 0;
          const endMs = Math.max((highest + 1) * RECORDING_TIMESLICE_MS, lastCue + 1000);
          await this.#finish(session.recordingId, session.writeToken, session.cues, endMs);
        } else {
          await queue.deleteSession(session.recordingId);
        }
        if (
          client.committee?.recording.on &&
          client.committee.recording.recordingId === session.recordingId
        ) {
          // The page that recorded it is gone: the recording is not going on any more.
          await client
            .committeeRequest('setRecording', { on: false, recordingId: null })
            .catch((error: unknown) => this.#logger.warn('could not tell the room', error));
        }
        this.#logger.info('an interrupted recording was finished');
      } catch (error) {
        this.#logger.warn('an interrupted recording could not be finished now', error);
        this.#set({ error: 'upload-incomplete' });
      } finally {
        this.#retire(uploader);
      }
    }
  }

  /** Seals and uploads the chapters, finishes the recording, forgets its session. */
  async #finish(
    recordingId: string,
    writeToken: string,
    cues: readonly ChapterCue[],
    endMs: number,
  ): Promise<void> {
    const { server, queue } = this.#options;
    if (cues.length > 0) {
      const vtt = buildChaptersVtt(cues, endMs);
      const sealed = await sealCommittee(
        await this.#recordingKey(),
        new TextEncoder().encode(vtt),
        chaptersContext(recordingId),
      );
      await server.putChapters(recordingId, sealed, writeToken).catch((error: unknown) => {
        // Already finished with its chapters (another tab resumed it first): fine.
        if (!(error instanceof ApiError && error.reason === 'conflict')) {
          throw error;
        }
      });
    }
    await server.finish(recordingId, writeToken);
    await queue.deleteSession(recordingId);
  }

  #onData(active: ActiveRecording, key: RecordingKey, blob: Blob): void {
    if (blob.size === 0) {
      return;
    }
    // The index is taken now, in MediaRecorder's order; sealing and storing follow in order too.
    const index = active.nextIndex++;
    const { queue } = this.#options;
    active.chain = active.chain
      .then(async () => {
        const plain = new Uint8Array(await blob.arrayBuffer());
        const sealed = await sealCommittee(key, plain, chunkContext(active.recordingId, index));
        await queue.put({ recordingId: active.recordingId, index, sealed });
        await active.uploader.refresh();
        active.uploader.kick();
      })
      .catch((error: unknown) => {
        this.#logger.error(`chunk ${index} could not be kept`, error);
        this.#set({ error: 'storage' });
      });
  }

  #onCommittee(active: ActiveRecording, state: CommitteeState): void {
    if (!active.chapters.observe(state, this.#now())) {
      return;
    }
    active.session = { ...active.session, cues: [...active.chapters.cues] };
    this.#options.queue
      .putSession(active.session)
      .catch((error: unknown) => this.#logger.warn('chapters could not be kept', error));
  }

  #uploader(recordingId: string, writeToken: string): ChunkUploader {
    const { queue, server, policy, sleep, random } = this.#options;
    const uploader = new ChunkUploader({
      queue,
      server,
      recordingId,
      writeToken,
      logger: this.#logger,
      ...(policy ? { policy } : {}),
      ...(sleep ? { sleep } : {}),
      ...(random ? { random } : {}),
    });
    this.#progress.set(uploader, uploader.progress);
    uploader.on('progress', (progress) => {
      if (this.#progress.has(uploader)) {
        this.#progress.set(uploader, progress);
        this.#publishProgress();
      }
    });
    return uploader;
  }

  /** Keeps what the uploader sent in the count, and stops following it. */
  #retire(uploader: ChunkUploader): void {
    uploader.close();
    this.#uploadedBefore += this.#progress.get(uploader)?.uploaded ?? 0;
    this.#progress.delete(uploader);
    this.#publishProgress();
  }

  #publishProgress(): void {
    let uploaded = this.#uploadedBefore;
    let pending = 0;
    let failing = false;
    for (const progress of this.#progress.values()) {
      uploaded += progress.uploaded;
      pending += progress.pending;
      failing ||= progress.failing;
    }
    this.#set({ uploaded, pending, failing });
  }

  #recordingKey(): Promise<RecordingKey> {
    this.#key ??= deriveRecordingKey(this.#options.committeeSecret, this.#options.meetingId).catch(
      (error: unknown) => {
        this.#key = null;
        throw RecorderError.from('no-committee-key', error);
      },
    );
    return this.#key;
  }

  #set(patch: Partial<RecorderSnapshot>): void {
    const next = { ...this.#snapshot, ...patch };
    const keys = Object.keys(next) as Array<keyof RecorderSnapshot>;
    if (keys.every((k) => next[k] === this.#snapshot[k])) {
      return;
    }
    this.#snapshot = next;
    this.emit('snapshot', next);
  }
}
