import {
  createRecordingResponseSchema,
  errorBodySchema,
  recordingListResponseSchema,
  recordingSummarySchema,
  type RecordingSummary,
} from '@confidentiel/protocol';
import { ApiError, statusReason, type FetchLike } from '../api/meetingsApi.ts';

/** What the recorder, the uploader and the library need of the server. */
export interface RecordingServer {
  /**
   * A new recording, and its write token: only a browser holding it adds
   * to the recording or finishes it (kept with the queued chunks, so a
   * reloaded page can finish what it started).
   */
  create(meetingId: string): Promise<{ recordingId: string; writeToken: string }>;
  /** Resolves with the SHA-256 (hex) of the bytes the server stored at this index. */
  putChunk(
    recordingId: string,
    index: number,
    sealed: Uint8Array,
    writeToken: string,
  ): Promise<{ sha256: string }>;
  putChapters(recordingId: string, sealed: Uint8Array, writeToken: string): Promise<void>;
  finish(recordingId: string, writeToken: string): Promise<RecordingSummary>;
  list(meetingId: string): Promise<RecordingSummary[]>;
  getChunk(recordingId: string, index: number): Promise<Uint8Array>;
  /** Null when the recording has no chapters. */
  getChapters(recordingId: string): Promise<Uint8Array | null>;
}

/** The header that carries a recording's write token (the server's `RECORDING_WRITER_HEADER`). */
export const RECORDING_WRITER_HEADER = 'x-recording-writer';

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * The recording routes of `/api`, authorised by the current room token
 * (`Authorization: Bearer`, read at each call: it is refreshed during the
 * meeting). Sends and receives sealed bytes only.
 */
export class RecordingApi implements RecordingServer {
  readonly #token: () => string;
  readonly #fetch: FetchLike;

  constructor(token: () => string, fetchFn: FetchLike = defaultFetch) {
    this.#token = token;
    this.#fetch = fetchFn;
  }

  async create(meetingId: string): Promise<{ recordingId: string; writeToken: string }> {
    const body = await this.#json('POST', `/api/meetings/${encodeURIComponent(meetingId)}/recordings`);
    return this.#parse(createRecordingResponseSchema, body);
  }

  async putChunk(
    recordingId: string,
    index: number,
    sealed: Uint8Array,
    writeToken: string,
  ): Promise<{ sha256: string }> {
    const body = await this.#json(
      'PUT',
      `${this.#recording(recordingId)}/chunks/${index}`,
      sealed,
      writeToken,
    );
    const sha256 = (body as { sha256?: unknown } | null)?.sha256;
    if (typeof sha256 !== 'string') {
      throw new ApiError('bad-response', 'unexpected answer to a chunk upload');
    }
    return { sha256 };
  }

  async putChapters(recordingId: string, sealed: Uint8Array, writeToken: string): Promise<void> {
    await this.#json('PUT', `${this.#recording(recordingId)}/chapters`, sealed, writeToken);
  }

  async finish(recordingId: string, writeToken: string): Promise<RecordingSummary> {
    return this.#parse(
      recordingSummarySchema,
      await this.#json('POST', `${this.#recording(recordingId)}/finish`, undefined, writeToken),
    );
  }

  async list(meetingId: string): Promise<RecordingSummary[]> {
    const body = await this.#json('GET', `/api/meetings/${encodeURIComponent(meetingId)}/recordings`);
    return this.#parse(recordingListResponseSchema, body).recordings;
  }

  async getChunk(recordingId: string, index: number): Promise<Uint8Array> {
    const response = await this.#send('GET', `${this.#recording(recordingId)}/chunks/${index}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  async getChapters(recordingId: string): Promise<Uint8Array | null> {
    try {
      const response = await this.#send('GET', `${this.#recording(recordingId)}/chapters`);
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (error instanceof ApiError && error.reason === 'not-found') {
        return null;
      }
      throw error;
    }
  }

  #recording(recordingId: string): string {
    return `/api/recordings/${encodeURIComponent(recordingId)}`;
  }

  #parse<T>(
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
    body: unknown,
  ): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('bad-response', 'unexpected answer about recordings');
    }
    return parsed.data;
  }

  async #json(method: string, path: string, bytes?: Uint8Array, writeToken?: string): Promise<unknown> {
    const response = await this.#send(method, path, bytes, writeToken);
    try {
      return (await response.json()) as unknown;
    } catch (error) {
      throw new ApiError('bad-response', 'the answer is not JSON', { cause: error });
    }
  }

  async #send(method: string, path: string, bytes?: Uint8Array, writeToken?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token()}` };
    if (writeToken !== undefined) {
      headers[RECORDING_WRITER_HEADER] = writeToken;
    }
    if (bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
    }
    let response: Response;
    try {
      response = await this.#fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(bytes !== undefined ? { body: Uint8Array.from(bytes) } : {}),
      });
    } catch (error) {
      throw new ApiError('network', 'the server could not be reached', { cause: error });
    }
    if (!response.ok) {
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // Not a refusal of ours (a proxy's page): the status says enough.
      }
      const refusal = errorBodySchema.safeParse(body);
      if (refusal.success) {
        throw new ApiError(refusal.data.reason, refusal.data.message, { status: response.status });
      }
      throw new ApiError(statusReason(response.status, 'not-found'), `HTTP ${response.status}`, {
        status: response.status,
      });
    }
    return response;
  }
}
