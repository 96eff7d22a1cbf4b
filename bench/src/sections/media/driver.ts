/**
 * What the measurement needs from an SFU under test (ours, Janus): its
 * processes (for their CPU), and a way to seat a load of bots in it.
 */
import type { Recorder } from './recorder.ts';
import type { PublisherSource } from './traffic.ts';

/** One load: `rooms` rooms, each with publishing participants and receive-only viewers. */
export interface LoadPlan {
  rooms: number;
  /** Per room: each publishes audio and video and receives every other participant. */
  participants: number;
  /** Per room: each receives every participant, publishes nothing. */
  viewers: number;
  /** Video layers each publisher sends (3: simulcast). */
  layers: number;
}

/** The bots of one load, seated and sending. */
export interface MediaSession {
  sources: readonly PublisherSource[];
  /** Per subscribing bot (its number in the recorder), the streams (global numbers) it should receive. */
  expectations: readonly { subscriber: number; streams: readonly number[] }[];
  close(): Promise<void>;
}

export interface SfuUnderTest {
  /** As the report names it. */
  name: string;
  /** Roots of the process trees whose CPU is the SFU's (the node process and its workers; Janus). */
  pids(): number[];
  /** Seats the bots (publishers connected and attached to their sources, subscribers to the recorder). */
  open(plan: LoadPlan, recorder: Recorder): Promise<MediaSession>;
  stop(): Promise<void>;
  /** Whether a local UDP port is one of the SFU's media sockets (to tell its drops from the bots'). */
  ownsPort(port: number): boolean;
  /** Events the SFU counts itself (Janus: simulcast fallbacks), read before and after a window. */
  counters?: () => Record<string, number>;
}

/** Runs `tasks` with at most `limit` at a time (bots connect in small batches). */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  });
  await Promise.all(workers);
  return results;
}
