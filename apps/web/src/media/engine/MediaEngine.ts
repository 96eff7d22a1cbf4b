import type { Device, types as ms } from 'mediasoup-client';
import type { Joined } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import type { MediaAcquirer, MediaTransformHooks } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';
import type { EndReason, MeetingAction, MeetingState } from '../meetingState.ts';
import type { Clock } from './clock.ts';
import type { Lifecycle, MediaResetReason } from './lifecycle.ts';
import { LocalCapture } from './LocalCapture.ts';
import { LocalPublisher } from './LocalPublisher.ts';
import { MediaTransports, type TransportSet } from './MediaTransports.ts';
import { MeetingLifecycle, type RepairCounts } from './MeetingLifecycle.ts';
import { RemoteSubscriber } from './RemoteSubscriber.ts';
import type { RepairPolicy } from './repairPolicy.ts';
import type { RoomRequest } from './roomRequest.ts';
import { loadDevice } from './transportOptions.ts';

export interface MediaEngineOptions {
  request: RoomRequest;
  state: () => MeetingState;
  dispatch: (action: MeetingAction) => void;
  mediaDevices: MediaAcquirer;
  createDevice: (() => Promise<Device>) | undefined;
  hooks: MediaTransformHooks | undefined;
  repairPolicy: RepairPolicy;
  clock: Clock;
  logger: Logger;
  /** A repair gave up: the session ends. */
  giveUp: (reason: EndReason, error: MeetingError) => void;
}

/**
 * The media half of a participation: transports, local publisher, remote
 * subscriber, and the lifecycle that joins, repairs and ends them. Owns its
 * parts; `close()` is idempotent and cascades (tracks included).
 */
export class MediaEngine {
  readonly #options: MediaEngineOptions;
  readonly #transports: MediaTransports;
  readonly #lifecycle: MeetingLifecycle;
  readonly publisher: LocalPublisher;
  readonly subscriber: RemoteSubscriber;
  #closed = false;

  constructor(options: MediaEngineOptions) {
    const { request, state, dispatch, hooks, clock, logger } = options;
    this.#options = options;
    this.#transports = new MediaTransports({
      request,
      transportSettings: hooks?.transportSettings,
      clock,
      logger,
    });
    this.subscriber = new RemoteSubscriber({ request, state, dispatch, hooks, logger });
    this.publisher = new LocalPublisher({
      request,
      sendPath: {
        ready: () => this.#sendPath(),
        isCurrent: (set) => this.#transports.isCurrent(set),
      },
      capture: new LocalCapture(options.mediaDevices, logger),
      setLocal: (source, value) => dispatch({ type: 'local', source, value }),
      hooks,
      logger,
    });
    this.#lifecycle = new MeetingLifecycle({
      clock,
      logger,
      request,
      createDevice: options.createDevice,
      transports: this.#transports,
      publisher: this.publisher,
      subscriber: this.subscriber,
      dispatch,
      policy: options.repairPolicy,
      giveUp: options.giveUp,
    });
    this.#transports.on('health', (direction, health) =>
      this.#lifecycle.send(
        health === 'down'
          ? { type: 'transportDown', direction, at: clock.now() }
          : { type: 'transportUp', direction },
      ),
    );
  }

  get lifecycle(): Lifecycle {
    return this.#lifecycle.state;
  }

  get repairs(): RepairCounts {
    return this.#lifecycle.counts;
  }

  /** The peer connection statistics of the current transports (none while a repair makes new ones). */
  async transportStats(): Promise<Array<{ direction: 'send' | 'recv'; report: RTCStatsReport }>> {
    const set = this.#transports.current;
    if (!set) {
      return [];
    }
    const [send, recv] = await Promise.all([set.send.getStats(), set.recv.getStats()]);
    return [
      { direction: 'send', report: send },
      { direction: 'recv', report: recv },
    ];
  }

  /** The join starts (connecting, maybe the lobby). */
  joining(): void {
    this.#lifecycle.send({ type: 'join' });
  }

  /** Loads the device for the join answer; fails with `unsupported-browser` before anything is announced. */
  async prepare(joined: Joined): Promise<Device> {
    this.#transports.setIce({ iceServers: joined.iceServers, iceTransportPolicy: joined.iceTransportPolicy });
    return loadDevice(this.#options.createDevice, joined.routerRtpCapabilities as ms.RtpCapabilities);
  }

  /** Makes the first transports and consumes what the others send; then the meeting is joined. */
  async start(device: Device): Promise<void> {
    try {
      const set = await this.#transports.build(device);
      this.subscriber.attach(set);
      this.subscriber.consumeMissing();
    } catch (error) {
      const lifecycle = this.#lifecycle.state;
      // The media server lost the room meanwhile: the rebuild (started by mediaReady) makes them.
      if (this.#closed || lifecycle.name !== 'joining' || lifecycle.resetPending === null) {
        throw error;
      }
      this.#options.logger.info('first transports not made: the media server lost the room meanwhile', error);
    }
    this.#lifecycle.send({ type: 'mediaReady', at: this.#options.clock.now() });
  }

  /** The server says it lost the room's media (protocol `mediaReset`). */
  mediaReset(reason: MediaResetReason): void {
    this.#lifecycle.send({ type: 'mediaReset', reason, at: this.#options.clock.now() });
  }

  /** `leave()` began: no repair starts or goes on. */
  leaving(): void {
    this.#lifecycle.send({ type: 'leave' });
  }

  /** Idempotent. */
  close(reason: EndReason): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#lifecycle.send({ type: 'end', reason });
    this.publisher.close();
    this.subscriber.close();
    this.#transports.close();
  }

  /** Where producers go: the current transports, or the next ones while a repair makes them. */
  #sendPath(): Promise<TransportSet> {
    const lifecycle = this.#lifecycle.state;
    switch (lifecycle.name) {
      case 'joined':
      case 'repairing':
        return this.#transports.ready();
      case 'idle':
      case 'joining':
        return Promise.reject(new MeetingError('not-joined', 'not joined yet'));
      case 'leaving':
      case 'ended':
        return Promise.reject(MeetingError.closed());
      default: {
        const unreachable: never = lifecycle;
        return unreachable;
      }
    }
  }
}
