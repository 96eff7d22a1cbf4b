/*
 * Stand-ins for the recording's collaborators in unit tests: a server with
 * the real routes' rules (write once per index, finish), a meeting client,
 * MediaRecorder and the mix.
 */
import { TypedEmitter } from '@confidentiel/events';
import type {
  AgendaItem,
  CommitteeState,
  RecordingSummary,
  RequestOf,
  ResponseOf,
  roomRequests,
} from '@confidentiel/protocol';
import { ApiError } from '../../api/meetingsApi.ts';
import type { CommitteeRequestName, MeetingClientEvents } from '../../media/MeetingClient.ts';
import { initialMeetingState, type MeetingState } from '../../media/meetingState.ts';
import type { CreateMediaRecorder, MediaRecorderCallbacks, RecorderClient } from '../CommitteeRecorder.ts';
import type { RecordingServer } from '../RecordingApi.ts';
import type { RecordingMix } from '../RecordingMixer.ts';

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.from(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

interface StoredRecording {
  meetingId: string;
  startedAt: number;
  chunks: Map<number, { bytes: Uint8Array; sha256: string }>;
  chapters: Uint8Array | null;
  finishedAt: number | null;
  writeToken: string;
}

/** The server's rules in memory; `failNext` makes the next calls of a kind fail. */
export class FakeRecordingServer implements RecordingServer {
  readonly recordings = new Map<string, StoredRecording>();
  /** Every call, in order (`putChunk:3`, `finish`…). */
  readonly calls: string[] = [];
  readonly failures: Array<{ op: string; error: Error }> = [];
  #next = 0;

  failNext(op: string, error: Error, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.failures.push({ op, error });
    }
  }

  #maybeFail(op: string): void {
    const at = this.failures.findIndex((f) => f.op === op);
    if (at >= 0) {
      const [failure] = this.failures.splice(at, 1);
      throw failure!.error;
    }
  }

  #get(recordingId: string): StoredRecording {
    const recording = this.recordings.get(recordingId);
    if (!recording) {
      throw new ApiError('not-found', 'recording not found', { status: 404 });
    }
    return recording;
  }

  create(meetingId: string): Promise<{ recordingId: string; writeToken: string }> {
    this.calls.push('create');
    this.#maybeFail('create');
    const id = `RecordingIdNumber${String(++this.#next).padStart(5, '0')}`;
    const writeToken = `WriteToken${id}`.padEnd(43, 'x');
    this.recordings.set(id, {
      meetingId,
      startedAt: Date.now(),
      chunks: new Map(),
      chapters: null,
      finishedAt: null,
      writeToken,
    });
    return Promise.resolve({ recordingId: id, writeToken });
  }

  /** The recording, when `writeToken` is its own (the real routes answer 403 otherwise). */
  #writable(recordingId: string, writeToken: string): StoredRecording {
    const recording = this.#get(recordingId);
    if (recording.writeToken !== writeToken) {
      throw new ApiError('forbidden', 'not the writer', { status: 403 });
    }
    return recording;
  }

  async putChunk(
    recordingId: string,
    index: number,
    sealed: Uint8Array,
    writeToken: string,
  ): Promise<{ sha256: string }> {
    this.calls.push(`putChunk:${index}`);
    this.#maybeFail('putChunk');
    const recording = this.#writable(recordingId, writeToken);
    const sha256 = await sha256Hex(sealed);
    const existing = recording.chunks.get(index);
    if (existing && existing.sha256 !== sha256) {
      throw new ApiError('conflict', 'other bytes', { status: 409 });
    }
    if (!existing && recording.finishedAt !== null) {
      throw new ApiError('conflict', 'finished', { status: 409 });
    }
    recording.chunks.set(index, { bytes: sealed.slice(), sha256 });
    return { sha256 };
  }

  putChapters(recordingId: string, sealed: Uint8Array, writeToken: string): Promise<void> {
    this.calls.push('putChapters');
    this.#maybeFail('putChapters');
    this.#writable(recordingId, writeToken).chapters = sealed.slice();
    return Promise.resolve();
  }

  finish(recordingId: string, writeToken: string): Promise<RecordingSummary> {
    this.calls.push('finish');
    this.#maybeFail('finish');
    const recording = this.#writable(recordingId, writeToken);
    recording.finishedAt ??= Date.now();
    return Promise.resolve(this.#summary(recordingId, recording));
  }

  list(meetingId: string): Promise<RecordingSummary[]> {
    this.calls.push('list');
    this.#maybeFail('list');
    return Promise.resolve(
      [...this.recordings.entries()]
        .filter(([, r]) => r.meetingId === meetingId)
        .map(([id, r]) => this.#summary(id, r)),
    );
  }

  getChunk(recordingId: string, index: number): Promise<Uint8Array> {
    this.calls.push(`getChunk:${index}`);
    const chunk = this.#get(recordingId).chunks.get(index);
    if (!chunk) {
      return Promise.reject(new ApiError('not-found', 'no chunk', { status: 404 }));
    }
    return Promise.resolve(chunk.bytes.slice());
  }

  getChapters(recordingId: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.#get(recordingId).chapters?.slice() ?? null);
  }

  #summary(recordingId: string, r: StoredRecording): RecordingSummary {
    return {
      recordingId,
      meetingId: r.meetingId,
      startedAt: r.startedAt,
      chunks: [...r.chunks.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, c]) => ({ index, size: c.bytes.length, sha256: c.sha256 })),
      hasChapters: r.chapters !== null,
      finishedAt: r.finishedAt,
    };
  }
}

/** A meeting client with the recorder's view of it; records committee requests. */
export class FakeRecorderClient extends TypedEmitter<MeetingClientEvents> implements RecorderClient {
  state: MeetingState = initialMeetingState;
  committee: CommitteeState | null = null;
  readonly requests: Array<{ name: string; payload: unknown }> = [];
  refuseNext: Error | null = null;

  committeeRequest<K extends CommitteeRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    this.requests.push({ name, payload });
    const refusal = this.refuseNext;
    this.refuseNext = null;
    return refusal ? Promise.reject(refusal) : Promise.resolve({} as ResponseOf<typeof roomRequests, K>);
  }

  setCommittee(state: CommitteeState): void {
    this.committee = state;
    this.emit('committeeState', state);
  }
}

/** MediaRecorder driven by the test: `deliver()` hands a chunk, `stop()` hands the last one. */
export class FakeMediaRecorder {
  callbacks: MediaRecorderCallbacks | null = null;
  timeslice: number | null = null;
  recording = false;
  /** The bytes handed at stop (the tail of the WebM). */
  finalChunk: Uint8Array | null = new TextEncoder().encode('tail');

  readonly create: CreateMediaRecorder = (_stream, callbacks) => {
    this.callbacks = callbacks;
    return {
      start: (timeslice) => {
        this.timeslice = timeslice;
        this.recording = true;
      },
      stop: () => {
        if (!this.recording) {
          return;
        }
        this.recording = false;
        // As MediaRecorder: a last dataavailable, then stop, both later.
        setTimeout(() => {
          if (this.finalChunk) {
            callbacks.onData(new Blob([Uint8Array.from(this.finalChunk)]));
          }
          callbacks.onStop();
        }, 0);
      },
    };
  };

  deliver(bytes: Uint8Array): void {
    this.callbacks?.onData(new Blob([Uint8Array.from(bytes)]));
  }
}

export function fakeMix(): RecordingMix & { updates: number; closed: boolean } {
  const mix = {
    stream: {} as MediaStream,
    updates: 0,
    closed: false,
    update() {
      mix.updates++;
    },
    close() {
      mix.closed = true;
    },
  };
  return mix;
}

export function agendaItem(itemId: string, title: string): AgendaItem {
  return {
    itemId,
    title,
    presenter: null,
    plannedMinutes: 10,
    notes: '',
    status: 'pending',
    elapsedMs: 0,
    speakingMs: {},
  };
}

export function committeeState(items: AgendaItem[], currentItemId: string | null): CommitteeState {
  return {
    agenda: items,
    currentItemId,
    currentSince: null,
    floor: { speaker: null, since: null, queue: [], history: [] },
    freeDiscussion: false,
    vote: null,
    results: [],
    recording: { on: false, since: null, recordingId: null },
    minutes: {},
    attendance: [],
  };
}
