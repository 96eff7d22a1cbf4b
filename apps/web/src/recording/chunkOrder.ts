/** What the server lists of one stored chunk. */
export interface ChunkEntry {
  index: number;
  size: number;
}

/** How a recording can be played back from what is stored. */
export interface PlaybackPlan {
  /** Indices to download and join, in order: 0, 1, 2… up to the first gap. */
  playable: number[];
  /** Indices missing below the highest stored one (their content is lost or still queued). */
  missing: number[];
  /** Sealed bytes of the playable chunks. */
  bytes: number;
}

/**
 * Orders the stored chunks. A WebM made of timeslices plays only as one
 * unbroken sequence from chunk 0 (which carries the header): a gap ends what
 * can be played.
 */
export function planPlayback(chunks: readonly ChunkEntry[]): PlaybackPlan {
  const byIndex = new Map<number, ChunkEntry>();
  for (const chunk of chunks) {
    byIndex.set(chunk.index, chunk);
  }
  const highest = Math.max(-1, ...byIndex.keys());
  const playable: number[] = [];
  const missing: number[] = [];
  let bytes = 0;
  for (let index = 0; index <= highest; index++) {
    const chunk = byIndex.get(index);
    if (!chunk) {
      missing.push(index);
    } else if (missing.length === 0) {
      playable.push(index);
      bytes += chunk.size;
    }
  }
  return { playable, missing, bytes };
}

/** Queued chunks in upload order: by recording, then index (the header first). */
export function uploadOrder<T extends { recordingId: string; index: number }>(chunks: readonly T[]): T[] {
  return [...chunks].sort((a, b) =>
    a.recordingId === b.recordingId ? a.index - b.index : a.recordingId < b.recordingId ? -1 : 1,
  );
}
