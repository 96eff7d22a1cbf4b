import type { Logger } from 'pino';
import { TypedEmitter } from '@confidentiel/events';
import type { SfuHostLoad } from '@confidentiel/protocol';
import type { SfuConnection } from './SfuConnection.ts';
import { hostLabel } from './hostLabel.ts';

/** How long a host's load may take to answer before placement goes on without it. */
export const LOAD_TIMEOUT_MS = 2_000;

/**
 * Where a host stands. `down` and `connecting` last at most the loss bound;
 * then the host is `lost`: its meetings go elsewhere. It may come back.
 */
export type HostState =
  { kind: 'connecting' } | { kind: 'up' } | { kind: 'down'; since: number } | { kind: 'lost' };

export type SfuHostEvents = {
  /** Reachable again; `restarted`: another process than before (its rooms are gone). */
  up: [{ wasLost: boolean; restarted: boolean }];
  /** Unreachable for the loss bound. */
  lost: [];
};

export interface SfuHostOptions {
  connection: SfuConnection;
  /** From SFU_URLS (kept for good), or found in Redis (dropped once lost and unregistered). */
  origin: 'static' | 'registered';
  /** How long a host may stay unreachable before it is lost (SFU_HOST_LOSS_MS). */
  lossMs: number;
  logger: Logger;
  now?: () => number;
}

/** One SFU host as signaling sees it: its control connection, whether it lives, which process it is. */
export class SfuHost extends TypedEmitter<SfuHostEvents> {
  readonly id: string;
  readonly connection: SfuConnection;
  readonly origin: 'static' | 'registered';
  readonly #lossMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  #state: HostState = { kind: 'connecting' };
  #instance: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: SfuHostOptions) {
    super((error, event) => options.logger.error({ err: error, event }, 'SFU host listener threw'));
    this.connection = options.connection;
    this.id = options.connection.hostId;
    this.origin = options.origin;
    this.#lossMs = options.lossMs;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.connection.on('connected', () => void this.#onConnected());
    this.connection.on('disconnected', () => this.#onDisconnected());
    // A host that never answers is lost too (its meetings, placed before a restart of signaling, move).
    this.#armLoss();
  }

  get state(): HostState {
    return this.#state;
  }

  /** Reachable now: new meetings and members may go there. */
  get live(): boolean {
    return this.#state.kind === 'up';
  }

  get lost(): boolean {
    return this.#state.kind === 'lost';
  }

  /** Its load now, or undefined if it does not answer in time. */
  async load(): Promise<SfuHostLoad | undefined> {
    if (!this.live) {
      return undefined;
    }
    try {
      const { instance, load } = await this.connection.request('getLoad', {}, LOAD_TIMEOUT_MS);
      this.#instance ??= instance;
      return load;
    } catch (error) {
      this.#logger.warn({ err: error, sfu: hostLabel(this.id) }, 'SFU host did not give its load');
      return undefined;
    }
  }

  async #onConnected(): Promise<void> {
    if (this.#closed) {
      return;
    }
    const wasLost = this.#state.kind === 'lost';
    this.#state = { kind: 'up' };
    clearTimeout(this.#timer);
    let restarted = false;
    try {
      const { instance } = await this.connection.request('getLoad', {}, LOAD_TIMEOUT_MS);
      restarted = this.#instance !== undefined && this.#instance !== instance;
      this.#instance = instance;
    } catch (error) {
      this.#logger.warn({ err: error, sfu: hostLabel(this.id) }, 'SFU host did not say which process it is');
    }
    if (this.#closed || this.#state.kind !== 'up') {
      return;
    }
    if (wasLost || restarted) {
      this.#logger.warn({ sfu: hostLabel(this.id), wasLost, restarted }, 'SFU host back');
    }
    this.emit('up', { wasLost, restarted });
  }

  #onDisconnected(): void {
    if (this.#closed || this.#state.kind !== 'up') {
      return;
    }
    this.#state = { kind: 'down', since: this.#now() };
    this.#armLoss();
  }

  #armLoss(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.#closed || this.#state.kind === 'up' || this.#state.kind === 'lost') {
        return;
      }
      this.#state = { kind: 'lost' };
      this.#logger.warn({ sfu: hostLabel(this.id), afterMs: this.#lossMs }, 'SFU host lost');
      this.emit('lost');
    }, this.#lossMs);
    this.#timer.unref();
  }

  /** Closes the connection. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    this.connection.close();
    this.removeAllListeners();
  }
}
