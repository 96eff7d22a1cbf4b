import type { RecordingSummary } from '@confidentiel/protocol';
import { ApiError, type FetchLike } from '../api/meetingsApi.ts';
import {
  defaultFetch,
  optionalSealedBytes,
  recordingListOf,
  recordingRequest,
  sealedBytes,
  type RecordingReader,
} from './RecordingApi.ts';

/**
 * One meeting's recordings as its organiser reads them from the meeting page
 * (`/api/organiser/meetings/:meetingId/recordings…`): the account's session
 * cookie says who asks, no room token. Ciphertext only, as in the meeting.
 */
export class OrganiserRecordingApi implements RecordingReader {
  readonly #meetingId: string;
  readonly #fetch: FetchLike;

  constructor(meetingId: string, fetchFn: FetchLike = defaultFetch) {
    this.#meetingId = meetingId;
    this.#fetch = fetchFn;
  }

  list(meetingId: string): Promise<RecordingSummary[]> {
    if (meetingId !== this.#meetingId) {
      return Promise.reject(new ApiError('room-not-found', 'another meeting than this reader’s'));
    }
    return recordingListOf(this.#get(this.#base()));
  }

  getChunk(recordingId: string, index: number): Promise<Uint8Array> {
    return sealedBytes(this.#get(`${this.#recording(recordingId)}/chunks/${index}`));
  }

  getChapters(recordingId: string): Promise<Uint8Array | null> {
    return optionalSealedBytes(this.#get(`${this.#recording(recordingId)}/chapters`));
  }

  /** The sealed files as stored, in one tar with their manifest: a plain link the browser downloads. */
  archiveUrl(recordingId: string): string {
    return `${this.#recording(recordingId)}/archive`;
  }

  #base(): string {
    return `/api/organiser/meetings/${encodeURIComponent(this.#meetingId)}/recordings`;
  }

  #recording(recordingId: string): string {
    return `${this.#base()}/${encodeURIComponent(recordingId)}`;
  }

  #get(path: string): Promise<Response> {
    return recordingRequest(this.#fetch, 'GET', path);
  }
}
