import type { Device, types as ms } from 'mediasoup-client';
import { mediaSourceSchema, type RtpParameters, type TransportDirection } from '@confidentiel/protocol';
import { TypedEmitter } from '@confidentiel/events';
import type { Logger } from '../../logger.ts';
import { MeetingError } from '../MeetingError.ts';
import type { Clock } from './clock.ts';
import type { RoomRequest } from './roomRequest.ts';
import { SERVER_PAUSED } from './serverPaused.ts';
import { NO_ICE_SERVERS, toMediasoupTransportOptions, type TransportIce } from './transportOptions.ts';

/**
 * How long a `disconnected` transport may heal by itself before it counts as
 * down and its ICE is restarted. Chromium says `disconnected` only after
 * ~2.5 s without a packet, so the path is already in trouble; a restart that
 * was not needed costs one round trip, a late one costs seconds of a hearing.
 */
export const DISCONNECTED_GRACE_MS = 500;

export type TransportHealth = 'up' | 'down';

export type MediaTransportsEvents = {
  /** A current transport is `connected` (up), or `failed` / `disconnected` past its grace (down). */
  health: [direction: TransportDirection, health: TransportHealth];
};

/** One device and its two transports: what one media server room gives this member. */
export interface TransportSet {
  /** Counts the sets made; a set that is no longer current is gone for good. */
  readonly generation: number;
  readonly device: Device;
  readonly send: ms.Transport;
  readonly recv: ms.Transport;
}

export interface MediaTransportsOptions {
  request: RoomRequest;
  transportSettings: Partial<RTCConfiguration> | undefined;
  clock: Clock;
  logger: Logger;
}

/**
 * The send and receive transports of one participation, made again after
 * the media server lost them, with their health (for ICE restarts). Closing
 * transports here never sends a request: either the server already forgot
 * them (media reset) or the whole session is ending.
 */
export class MediaTransports extends TypedEmitter<MediaTransportsEvents> {
  readonly #options: MediaTransportsOptions;
  #current: TransportSet | null = null;
  #generation = 0;
  #ice: TransportIce = NO_ICE_SERVERS;
  readonly #graces = new Map<ms.Transport, () => void>();
  readonly #waiters = new Set<{
    resolve: (set: TransportSet) => void;
    reject: (error: MeetingError) => void;
  }>();
  #closed = false;

  constructor(options: MediaTransportsOptions) {
    super((error, event) => options.logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The transports in use, or null before the first are made and while a repair makes new ones. */
  get current(): TransportSet | null {
    return this.#current;
  }

  /** ICE servers and policy from the join answer, for every transport made afterwards. */
  setIce(ice: TransportIce): void {
    this.#ice = ice;
  }

  /**
   * Makes both transports on `device`; they become current. Rejects with the
   * failure (closing whatever was made), or with `closed` if `drop()` or
   * `close()` happened meanwhile.
   */
  async build(device: Device): Promise<TransportSet> {
    if (this.#closed) {
      throw MeetingError.closed();
    }
    this.drop();
    const generation = this.#generation;
    const results = await Promise.allSettled([this.#create(device, 'send'), this.#create(device, 'recv')]);
    const [send, recv] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    const failure = results.find((r) => r.status === 'rejected');
    if (!send || !recv || failure || this.#closed || generation !== this.#generation) {
      send?.close();
      recv?.close();
      throw failure ? MeetingError.from(failure.reason) : MeetingError.closed();
    }
    const set: TransportSet = { generation, device, send, recv };
    this.#current = set;
    for (const waiter of [...this.#waiters]) {
      waiter.resolve(set);
    }
    this.#waiters.clear();
    return set;
  }

  /** The current transports, or the next ones made. Rejects with `closed` once closed. */
  ready(): Promise<TransportSet> {
    if (this.#closed) {
      return Promise.reject(MeetingError.closed());
    }
    if (this.#current) {
      return Promise.resolve(this.#current);
    }
    return new Promise((resolve, reject) => this.#waiters.add({ resolve, reject }));
  }

  /** The connection state of the current transport of `direction` (null when there is none). */
  connectionState(direction: TransportDirection): ms.ConnectionState | null {
    const set = this.#current;
    return set ? (direction === 'send' ? set.send : set.recv).connectionState : null;
  }

  /** Whether `set` is still the one in use. */
  isCurrent(set: TransportSet): boolean {
    return this.#current === set && !this.#closed;
  }

  /** The media server lost the transports: close them here (their producers and consumers go with them). */
  drop(): void {
    this.#generation += 1;
    for (const cancel of this.#graces.values()) {
      cancel();
    }
    this.#graces.clear();
    const set = this.#current;
    this.#current = null;
    set?.send.close();
    set?.recv.close();
  }

  /**
   * New ICE credentials from the media server, then an ICE restart here.
   * Resolves false when there was nothing to restart (the transports were
   * dropped or replaced meanwhile); rejects with the request's failure.
   */
  async restartIce(direction: TransportDirection): Promise<boolean> {
    const set = this.#current;
    if (!set || this.#closed) {
      return false;
    }
    const transport = direction === 'send' ? set.send : set.recv;
    const { iceParameters } = await this.#options.request('restartIce', { transportId: transport.id });
    if (!this.isCurrent(set) || transport.closed) {
      return false;
    }
    await transport.restartIce({ iceParameters });
    return true;
  }

  /** Idempotent: closes the transports and rejects whoever waits for new ones. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.drop();
    const closed = MeetingError.closed();
    for (const waiter of this.#waiters) {
      waiter.reject(closed);
    }
    this.#waiters.clear();
    this.removeAllListeners();
  }

  async #create(device: Device, direction: TransportDirection): Promise<ms.Transport> {
    const { request, transportSettings } = this.#options;
    const remote = await request('createTransport', { direction });
    const options = toMediasoupTransportOptions(remote, transportSettings, this.#ice);
    const transport =
      direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request('connectTransport', { transportId: transport.id, dtlsParameters }).then(
        () => callback(),
        (error: unknown) => errback(MeetingError.from(error)),
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = mediaSourceSchema.safeParse(appData['source']);
        if (!source.success) {
          errback(new TypeError('producer appData.source is missing'));
          return;
        }
        request('produce', {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as RtpParameters,
          source: source.data,
        }).then(
          ({ producerId, paused }) => {
            // The server made it paused (a committee member without the floor): the publisher follows.
            appData[SERVER_PAUSED] = paused === true;
            callback({ id: producerId });
          },
          (error: unknown) => errback(MeetingError.from(error)),
        );
      });
    }
    transport.on('connectionstatechange', (state) => this.#onConnectionState(transport, direction, state));
    return transport;
  }

  #onConnectionState(
    transport: ms.Transport,
    direction: TransportDirection,
    state: ms.ConnectionState,
  ): void {
    const set = this.#current;
    if (this.#closed || transport.closed || (set?.send !== transport && set?.recv !== transport)) {
      return;
    }
    switch (state) {
      case 'connected':
        this.#cancelGrace(transport);
        this.emit('health', direction, 'up');
        return;
      case 'disconnected': {
        if (this.#graces.has(transport)) {
          return;
        }
        const cancel = this.#options.clock.schedule(() => {
          this.#graces.delete(transport);
          if (!transport.closed && transport.connectionState === 'disconnected') {
            this.#options.logger.warn(`${direction} transport still disconnected`);
            this.emit('health', direction, 'down');
          }
        }, DISCONNECTED_GRACE_MS);
        this.#graces.set(transport, cancel);
        return;
      }
      case 'failed':
        this.#cancelGrace(transport);
        this.#options.logger.warn(`${direction} transport failed`);
        this.emit('health', direction, 'down');
        return;
      case 'new':
      case 'connecting':
      case 'closed':
        return;
      default: {
        const unreachable: never = state;
        return unreachable;
      }
    }
  }

  #cancelGrace(transport: ms.Transport): void {
    this.#graces.get(transport)?.();
    this.#graces.delete(transport);
  }
}
