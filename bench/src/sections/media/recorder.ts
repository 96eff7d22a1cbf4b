/**
 * What the subscribing bots receive during a measurement window: stamped
 * packets counted per subscriber and stream, and their one-way latency
 * (written → read, one process, one clock). A packet belongs to the window
 * by its send time, so packets still in flight at the end are waited for
 * (grace period) rather than counted lost.
 */
import type { RTCDtlsTransport } from 'werift';
import { percentile } from '../../core/stats.ts';
import { readStamp } from './payload.ts';

/** Streams per subscriber in the numeric key (subscriber * KEY_SPAN + stream). */
const KEY_SPAN = 1_000_000;

export interface WindowResult {
  /** Packets the subscribers received (sent inside the window). */
  received: number;
  /** Packets they should have received: what the publishers sent on the expected streams. */
  expected: number;
  lossPct: number;
  p50Ms: number;
  p99Ms: number;
  /** Packets of a stream the subscriber did not expect (another simulcast layer). */
  unexpected: number;
}

export class Recorder {
  #from = Number.POSITIVE_INFINITY;
  #to = Number.NEGATIVE_INFINITY;
  #latencies: number[] = [];
  readonly #counts = new Map<number, number>();
  /** When each (subscriber, stream) last delivered a packet, window or not. */
  readonly #lastSeen = new Map<number, number>();
  /** Every stamped packet received since the session opened (to check media flows before measuring). */
  totalReceived = 0;

  /** Reads every RTP packet that arrives on a subscriber's DTLS transport. */
  attach(subscriber: number, dtls: RTCDtlsTransport): void {
    // The recorder reads the RTP itself: werift's receivers (routing, stats, jitter) would only
    // slow the generator down, which then saturates before the SFU.
    dtls.onRtp.allUnsubscribe();
    dtls.onRtp.subscribe((rtp) => {
      const now = performance.now();
      const stamp = readStamp(rtp.payload);
      if (stamp === null) {
        return;
      }
      this.totalReceived++;
      const key = subscriber * KEY_SPAN + stamp.stream;
      this.#lastSeen.set(key, now);
      if (stamp.sentAt < this.#from || stamp.sentAt >= this.#to) {
        return;
      }
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
      this.#latencies.push(now - stamp.sentAt);
    });
  }

  /**
   * How many of the expected (subscriber, stream) pairs delivered a packet in
   * the last `withinMs`: the load has settled when all do (every consumer on
   * the layer it should forward).
   */
  flowing(expected: readonly { subscriber: number; streams: readonly number[] }[], withinMs: number): number {
    const now = performance.now();
    let flowing = 0;
    for (const { subscriber, streams } of expected) {
      for (const stream of streams) {
        const seen = this.#lastSeen.get(subscriber * KEY_SPAN + stream);
        if (seen !== undefined && now - seen <= withinMs) {
          flowing++;
        }
      }
    }
    return flowing;
  }

  /** Opens the window: packets sent from now on count. */
  open(): void {
    this.#counts.clear();
    this.#latencies = [];
    this.#from = performance.now();
    this.#to = Number.POSITIVE_INFINITY;
  }

  /** Closes the window: packets sent from now on do not count (those in flight still arrive). */
  close(): void {
    this.#to = performance.now();
  }

  /**
   * The window's figures. `expected` lists, per subscriber, the streams it
   * should receive and how many packets were sent on each in the window.
   */
  result(expected: readonly { subscriber: number; streams: ReadonlyMap<number, number> }[]): WindowResult {
    let want = 0;
    let got = 0;
    const expectedKeys = new Set<number>();
    for (const { subscriber, streams } of expected) {
      for (const [stream, sent] of streams) {
        const key = subscriber * KEY_SPAN + stream;
        expectedKeys.add(key);
        want += sent;
        // A duplicate (never expected: no retransmission is negotiated) cannot hide a loss.
        got += Math.min(sent, this.#counts.get(key) ?? 0);
      }
    }
    let unexpected = 0;
    for (const [key, count] of this.#counts) {
      if (!expectedKeys.has(key)) {
        unexpected += count;
      }
    }
    const latencies = this.#latencies;
    return {
      received: got,
      expected: want,
      lossPct: want === 0 ? 100 : (100 * (want - got)) / want,
      p50Ms: latencies.length === 0 ? Number.NaN : percentile(latencies, 50),
      p99Ms: latencies.length === 0 ? Number.NaN : percentile(latencies, 99),
      unexpected,
    };
  }

  /** Every packet received in the window, expected or not: what the SFU forwarded. */
  get forwarded(): number {
    let total = 0;
    for (const count of this.#counts.values()) {
      total += count;
    }
    return total;
  }
}
