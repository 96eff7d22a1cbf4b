import type { Logger } from 'pino';
import { ErrorReply } from 'redis';
import { HELD_OUT_MS, InMemoryHeldOut, type HeldOut } from '../rooms/HeldOut.ts';
import type { ReplayLog } from './ReplayLog.ts';

/**
 * Held-out members in Redis, remembered in the ReplayLog like revocations
 * (see replayedStores.ts): a member sent back to the waiting room stays out
 * even while Redis is away or after it restarted empty. This node answers
 * from what it held itself first (it owns the meeting, where every join of
 * it is decided), then from Redis (a mark another owner wrote before a
 * takeover). A release clears both.
 */
export class ReplayedHeldOut implements HeldOut {
  readonly #shared: HeldOut;
  readonly #local: InMemoryHeldOut;
  readonly #log: ReplayLog;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(shared: HeldOut, deps: { log: ReplayLog; logger: Logger; now?: () => number }) {
    this.#shared = shared;
    this.#log = deps.log;
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#local = new InMemoryHeldOut({ now: this.#now });
  }

  async hold(roomId: string, memberId: string, untilMs: number): Promise<void> {
    await this.#local.hold(roomId, memberId, untilMs);
    this.#log.remember(`heldout:${roomId}:${memberId}`, untilMs, () =>
      this.#shared.hold(roomId, memberId, untilMs),
    );
    await this.#tolerant(() => this.#shared.hold(roomId, memberId, untilMs), 'a member held out');
  }

  async release(roomId: string, memberId: string): Promise<void> {
    await this.#local.release(roomId, memberId);
    // The latest of hold/release is what is replayed (for as long as a hold could have lasted).
    this.#log.remember(`heldout:${roomId}:${memberId}`, this.#now() + HELD_OUT_MS, () =>
      this.#shared.release(roomId, memberId),
    );
    await this.#tolerant(() => this.#shared.release(roomId, memberId), 'a member let back in');
  }

  async isHeldOut(roomId: string, memberId: string): Promise<boolean> {
    return (await this.#local.isHeldOut(roomId, memberId)) || this.#shared.isHeldOut(roomId, memberId);
  }

  /** As replayedStores' writes: an outage is logged and kept for the replay, an error reply thrown. */
  async #tolerant(write: () => Promise<void>, what: string): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof ErrorReply) {
        throw error;
      }
      this.#logger.warn({ err: error }, `Redis away: ${what} kept here, written when it returns`);
    }
  }
}
