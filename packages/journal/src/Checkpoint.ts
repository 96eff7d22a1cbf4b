import { isPlainObject, type JsonObject } from './canonicalJson.ts';
import { fromBase64, isHex64 } from './encoding.ts';
import { timeStampErrorReasons, type TimeStampErrorReason } from './timestamp/TimeStampError.ts';

/**
 * `data` of a checkpoint entry (type 'timestamp'): the entry it anchors (always the one just
 * before it) and either the authority's token over that entry's hash, or why none was obtained.
 */
export type CheckpointData =
  | { anchor: CheckpointAnchor; authority: string; token: string }
  | {
      anchor: CheckpointAnchor;
      authority: string;
      failure: { reason: TimeStampErrorReason; message: string };
    };

export interface CheckpointAnchor {
  seq: number;
  hash: string;
}

export function checkpointData(data: CheckpointData): JsonObject {
  return data as unknown as JsonObject;
}

/** Reads a checkpoint's `data`; returns what is wrong with it as a string. */
export function parseCheckpoint(data: JsonObject): { data: CheckpointData; token?: Buffer } | string {
  const { anchor, authority, token, failure, ...rest } = data;
  if (Object.keys(rest).length > 0) {
    return `unexpected fields ${Object.keys(rest).join(', ')}`;
  }
  if (!isPlainObject(anchor) || !Number.isSafeInteger(anchor.seq) || !isHex64(anchor.hash)) {
    return 'anchor is not { seq, hash }';
  }
  if (typeof authority !== 'string') {
    return 'authority is not a string';
  }
  if (token !== undefined && failure === undefined) {
    const bytes = typeof token === 'string' ? fromBase64(token) : undefined;
    if (bytes === undefined || bytes.length === 0) {
      return 'token is not base64';
    }
    return { data: data as unknown as CheckpointData, token: bytes };
  }
  if (token === undefined && isPlainObject(failure)) {
    const reason = failure.reason as TimeStampErrorReason;
    if (!timeStampErrorReasons.includes(reason) || typeof failure.message !== 'string') {
      return 'failure is not { reason, message }';
    }
    return { data: data as unknown as CheckpointData };
  }
  return 'a checkpoint holds either a token or a failure';
}
