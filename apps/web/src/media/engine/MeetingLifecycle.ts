import type { Device } from 'mediasoup-client';
import type { TransportDirection } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import { MeetingError } from '../MeetingError.ts';
import type { EndReason, MeetingAction } from '../meetingState.ts';
import type { Clock } from './clock.ts';
import { restartIceUntilConnected } from './iceRestart.ts';
import { nextLifecycle, type Lifecycle, type LifecycleEvent, type MediaResetReason } from './lifecycle.ts';
import type { LocalPublisher } from './LocalPublisher.ts';
import { rebuildMedia } from './mediaRebuild.ts';
import type { MediaTransports } from './MediaTransports.ts';
import type { RemoteSubscriber } from './RemoteSubscriber.ts';
import type { RepairPolicy } from './repairPolicy.ts';
import type { RoomRequest } from './roomRequest.ts';

/**
 * How long one repair may take before the session ends with a message and
 * a "join again" button (an ICE repair counts from the first transport down,
 * a rebuild from its `mediaReset`).
 */
export const REPAIR_GIVE_UP_MS = 30_000;

/** What the repairs did so far (read by the browser tests through the test hooks). */
export interface RepairCounts {
  /** ICE restarts done (`transport.restartIce` with new credentials). */
  iceRestarts: number;
  /** `mediaReset` rebuilds started. */
  mediaResets: number;
  /** Repairs that ended with the media flowing again. */
  repaired: number;
}

export interface MeetingLifecycleOptions {
  clock: Clock;
  logger: Logger;
  request: RoomRequest;
  createDevice: (() => Promise<Device>) | undefined;
  transports: MediaTransports;
  publisher: LocalPublisher;
  subscriber: RemoteSubscriber;
  dispatch: (action: MeetingAction) => void;
  policy: RepairPolicy;
  /** A repair gave up (or cannot be done): the session ends. */
  giveUp: (reason: EndReason, error: MeetingError) => void;
}

/**
 * The engine's state machine (`lifecycle.ts`) and what each transition
 * starts or stops: ICE restarts per transport, the rebuild after a media
 * reset, the give-up bound, and the "reconnecting" mark in the meeting state.
 * Every job holds a token; a transition that supersedes it drops the token,
 * so a job that wakes up afterwards sends nothing more.
 */
export class MeetingLifecycle {
  readonly #options: MeetingLifecycleOptions;
  #state: Lifecycle = { name: 'idle' };
  /** The ICE job of each transport being repaired (its token). */
  readonly #iceJobs = new Map<TransportDirection, object>();
  #rebuild: object | null = null;
  readonly #sleeps = new Set<() => void>();
  #cancelDeadline: (() => void) | null = null;
  #lastFailure: MeetingError | null = null;
  readonly #counts: RepairCounts = { iceRestarts: 0, mediaResets: 0, repaired: 0 };

  constructor(options: MeetingLifecycleOptions) {
    this.#options = options;
  }

  get state(): Lifecycle {
    return this.#state;
  }

  get counts(): RepairCounts {
    return { ...this.#counts };
  }

  send(event: LifecycleEvent): void {
    const before = this.#state;
    const after = nextLifecycle(before, event);
    if (after === before) {
      return;
    }
    this.#state = after;
    this.#options.logger.debug(`lifecycle ${before.name} -> ${after.name} (${event.type})`);
    this.#enter(before, after, event);
  }

  #enter(before: Lifecycle, after: Lifecycle, event: LifecycleEvent): void {
    const { dispatch } = this.#options;
    switch (after.name) {
      case 'idle':
      case 'joining':
        return;
      case 'joined':
        if (before.name === 'repairing') {
          this.#stopJobs();
          this.#disarmDeadline();
          this.#counts.repaired += 1;
          dispatch({ type: 'mediaStatus', status: 'connected' });
        }
        return;
      case 'repairing': {
        if (before.name !== 'repairing') {
          dispatch({ type: 'mediaStatus', status: 'reconnecting' });
        }
        if (before.name !== 'repairing' || event.type === 'mediaReset' || event.type === 'rebuilt') {
          this.#armDeadline(after);
        }
        const { cause } = after;
        if (cause.kind === 'media-reset') {
          if (event.type === 'mediaReset' || event.type === 'mediaReady') {
            this.#startRebuild(cause.reason);
          }
          return;
        }
        if (event.type === 'rebuilt') {
          this.#stopJobs();
        }
        // Transports that came back lose their job; those that went down get one.
        for (const direction of [...this.#iceJobs.keys()]) {
          if (!cause.directions.includes(direction)) {
            this.#iceJobs.delete(direction);
          }
        }
        for (const direction of cause.directions) {
          this.#ensureIceJob(direction);
        }
        return;
      }
      case 'leaving':
      case 'ended':
        this.#stopJobs();
        this.#disarmDeadline();
        return;
      default: {
        const unreachable: never = after;
        return unreachable;
      }
    }
  }

  #disarmDeadline(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = null;
  }

  #armDeadline(repair: Extract<Lifecycle, { name: 'repairing' }>): void {
    this.#disarmDeadline();
    this.#lastFailure = null;
    this.#cancelDeadline = this.#options.clock.schedule(() => {
      this.#cancelDeadline = null;
      const state = this.#state;
      if (state.name !== 'repairing' || state.startedAt !== repair.startedAt) {
        return;
      }
      const iceRepair = state.cause.kind === 'ice-restart';
      const error =
        this.#lastFailure ??
        new MeetingError(
          'connection-lost',
          iceRepair ? 'the media connection did not come back' : 'the media server did not come back',
        );
      this.#options.giveUp(iceRepair ? 'connection-lost' : 'media-server-restarted', error);
    }, REPAIR_GIVE_UP_MS);
  }

  /** The old media is gone on the server: forget it here at once, then make it again. */
  #startRebuild(reason: MediaResetReason): void {
    const { transports, subscriber, publisher, dispatch, logger, request, createDevice } = this.#options;
    this.#stopJobs();
    const token = {};
    this.#rebuild = token;
    this.#counts.mediaResets += 1;
    logger.warn(`the media server lost this room's media (${reason}); making it again`);
    transports.drop();
    subscriber.detach();
    publisher.suspend();
    dispatch({ type: 'mediaReset' });
    if (!this.#options.policy.allows('media-rebuild')) {
      logger.warn('media rebuild switched off: staying without media');
      return;
    }
    rebuildMedia({
      wanted: () => this.#rebuild === token,
      request,
      createDevice,
      transports,
      subscriber,
      publisher,
      dispatch,
      sleep: (ms) => this.#sleep(ms),
      onFailure: (error) => {
        this.#lastFailure = error;
      },
      logger,
    }).then(
      (rebuilt) => {
        if (rebuilt && this.#rebuild === token) {
          this.#rebuild = null;
          this.send({ type: 'rebuilt', at: this.#options.clock.now() });
        }
      },
      (error: unknown) => {
        if (this.#rebuild === token) {
          this.#options.giveUp('failed', MeetingError.from(error));
        }
      },
    );
  }

  #ensureIceJob(direction: TransportDirection): void {
    if (this.#iceJobs.has(direction)) {
      return;
    }
    if (!this.#options.policy.allows('ice-restart')) {
      this.#options.logger.warn(`ICE restart switched off: the ${direction} transport stays down`);
      return;
    }
    const token = {};
    this.#iceJobs.set(direction, token);
    void restartIceUntilConnected({
      direction,
      wanted: () => this.#iceJobs.get(direction) === token,
      restart: () => this.#options.transports.restartIce(direction),
      checking: () => this.#options.transports.connectionState(direction) === 'connecting',
      onRestarted: () => {
        this.#counts.iceRestarts += 1;
      },
      sleep: (ms) => this.#sleep(ms),
      logger: this.#options.logger,
    }).finally(() => {
      if (this.#iceJobs.get(direction) === token) {
        this.#iceJobs.delete(direction);
      }
    });
  }

  /** Drops every job's token and wakes the sleeping ones, which then stop. */
  #stopJobs(): void {
    this.#iceJobs.clear();
    this.#rebuild = null;
    for (const wake of [...this.#sleeps]) {
      wake();
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = (): void => {};
      const wake = (): void => {
        this.#sleeps.delete(wake);
        cancel();
        resolve();
      };
      this.#sleeps.add(wake);
      cancel = this.#options.clock.schedule(wake, ms);
    });
  }
}
