import { deriveCommitteeKey } from '@confidentiel/e2ee';

/** The AES-GCM key of a recording, as `deriveCommitteeKey` returns it. */
export type RecordingKey = Awaited<ReturnType<typeof deriveCommitteeKey>>;

/**
 * The meeting's recording key, derived from the committee secret (handed by
 * a host only to members let in): the server stores what it seals and can
 * never open it, nor can anyone who only ever held an invitation link.
 */
export function deriveRecordingKey(committeeSecret: string, meetingId: string): Promise<RecordingKey> {
  return deriveCommitteeKey(committeeSecret, meetingId, 'recording');
}

/**
 * What each sealed piece authenticates besides its bytes: its recording and
 * its place in it, so a chunk cannot be moved to another index or recording
 * (nor the chapters passed off as a chunk).
 */
export function chunkContext(recordingId: string, index: number): string {
  return `${recordingId}:${index}`;
}

export function chaptersContext(recordingId: string): string {
  return `${recordingId}:chapters`;
}
