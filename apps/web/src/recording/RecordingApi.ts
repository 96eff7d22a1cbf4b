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

/** What reading a recording needs (the library, the organiser's page, openRecording). */
export type RecordingReader = Pick<RecordingServer, 'list' | 'getChunk' | 'getChapters'>;

/** The header that carries a recording's write token (the server's `RECORDING_WRITER_HEADER`). */
export const RECORDING_WRITER_HEADER = 'x-recording-writer';

export const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/**
 * One request to the recording routes, on this origin (the session cookie
 * goes along; a room token goes in `authorization`). A refusal becomes an
 * ApiError with the server's reason, or one made from the status.
 */
export async function recordingRequest(
  fetchFn: FetchLike,
  method: string,
  path: string,
  options: { authorization?: string; writeToken?: string; bytes?: Uint8Array } = {},
): Promise<Response> {
  const { bytes, writeToken } = options;
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) {
    headers.authorization = options.authorization;
  }
  if (writeToken !== undefined) {
    headers[RECORDING_WRITER_HEADER] = writeToken;
  }
  if (bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
  }
  let response: Response;
  try {
    response = await fetchFn(path, {
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

/** The bytes of a sealed piece. */
export async function sealedBytes(response: Promise<Response>): Promise<Uint8Array> {
  return new Uint8Array(await (await response).arrayBuffer());
}

/** The bytes of a sealed piece, or null when the server has none (chapters never uploaded). */
export async function optionalSealedBytes(response: Promise<Response>): Promise<Uint8Array | null> {
  try {
    return await sealedBytes(response);
  } catch (error) {
    if (error instanceof ApiError && error.reason === 'not-found') {
      return null;
    }
    throw error;
  }
}

/** The recordings of a list answer, checked against the protocol. */
export async function recordingListOf(response: Promise<Response>): Promise<RecordingSummary[]> {
  let body: unknown;
  try {
    body = await (await response).json();
  } catch (error) {
    if (error instanceof ApiError) {
      throw error;
    }
    throw new ApiError('bad-response', 'the answer is not JSON', { cause: error });
  }
  const parsed = recordingListResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError('bad-response', 'unexpected answer about recordings');
  }
  return parsed.data.recordings;
}

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

  list(meetingId: string): Promise<RecordingSummary[]> {
    return recordingListOf(this.#send('GET', `/api/meetings/${encodeURIComponent(meetingId)}/recordings`));
  }

  getChunk(recordingId: string, index: number): Promise<Uint8Array> {
    return sealedBytes(this.#send('GET', `${this.#recording(recordingId)}/chunks/${index}`));
  }

  getChapters(recordingId: string): Promise<Uint8Array | null> {
    return optionalSealedBytes(this.#send('GET', `${this.#recording(recordingId)}/chapters`));
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

  #send(method: string, path: string, bytes?: Uint8Array, writeToken?: string): Promise<Response> {
    return recordingRequest(this.#fetch, method, path, {
      authorization: `Bearer ${this.#token()}`,
      ...(writeToken !== undefined ? { writeToken } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
    });
  }
}
