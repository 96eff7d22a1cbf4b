import type { Logger } from 'pino';
import { TypedEmitter } from '@confidentiel/events';
import {
  ProtocolError,
  type RequestOf,
  type ResponseOf,
  type SfuHostRecord,
  type SfuRoutedRequestName,
  type sfuRequests,
} from '@confidentiel/protocol';
import { RoomQueue } from '../rooms/RoomQueue.ts';
import type { HostDiscovery } from './HostDiscovery.ts';
import type { MeetingPlacements } from './MeetingPlacements.ts';
import { MeetingPipes } from './MeetingPipes.ts';
import { MeetingPlacer } from './MeetingPlacer.ts';
import type { MediaLost, SfuClient, SfuClientEvents } from './SfuClient.ts';
import type { SfuConnection } from './SfuConnection.ts';
import { SfuHost } from './SfuHost.ts';
import { hostLabel } from './hostLabel.ts';

export interface SfuClusterOptions {
  /** Hosts from SFU_URLS (origins), kept for good. */
  staticHosts: readonly string[];
  /** Opens the control connection to a host. */
  connect: (hostId: string) => SfuConnection;
  placements: MeetingPlacements;
  /** Hosts registered in Redis, added as they appear. */
  discovery?: HostDiscovery | undefined;
  /** SFU_MAX_MEMBERS_PER_HOST. */
  maxMembersPerHost: number;
  /** SFU_HOST_LOSS_MS: how long a host may be unreachable before its meetings move. */
  lossMs: number;
  /**
   * Whether this signaling node owns the meeting: only the owner acts on a
   * meeting's media events (moves it, closes piped copies). Every meeting
   * when absent (one node).
   */
  owns?: (roomId: string) => boolean;
  logger: Logger;
}

/** What a routed request carries, as far as routing needs. */
interface RoutedPayload {
  roomId: string;
  memberId?: string;
  producerId?: string;
  paused?: boolean;
}

/**
 * Signaling's media servers: several SFU hosts, one meeting placed on the
 * lightest live one and routed there; a member whose meeting's hosts are full
 * goes to another host, and the producers it needs cross over pipe
 * transports. A host that stays unreachable past the loss bound has its
 * meetings moved, and their members are told to make their media again.
 * One host is the single-host case: everything goes to it.
 */
export class SfuCluster extends TypedEmitter<SfuClientEvents> implements SfuClient {
  readonly #options: SfuClusterOptions;
  readonly #hosts = new Map<string, SfuHost>();
  readonly #pipes: MeetingPipes;
  readonly #placements: MeetingPlacements;
  readonly #queue = new RoomQueue();
  readonly #placer: MeetingPlacer;
  readonly #owns: (roomId: string) => boolean;
  readonly #logger: Logger;
  /** Meetings moved off a lost host: closed there should it come back as the same process. */
  readonly #movedAway = new Map<string, Set<string>>();
  #connected = false;
  #closed = false;

  constructor(options: SfuClusterOptions) {
    super((error, event) => options.logger.error({ err: error, event }, 'SFU event listener threw'));
    this.#options = options;
    this.#placements = options.placements;
    this.#owns = options.owns ?? (() => true);
    this.#logger = options.logger;
    this.#pipes = new MeetingPipes({ host: (id) => this.#hosts.get(id), logger: options.logger });
    this.#placer = new MeetingPlacer({
      placements: options.placements,
      hosts: () => [...this.#hosts.values()],
      queue: this.#queue,
      maxMembersPerHost: options.maxMembersPerHost,
      logger: options.logger,
    });
    for (const id of options.staticHosts) {
      this.#add(id, 'static');
    }
    options.discovery?.on('seen', (records) => this.#onSeen(records));
  }

  get connected(): boolean {
    return [...this.#hosts.values()].some((host) => host.live);
  }

  /** The hosts known now. */
  get hosts(): readonly SfuHost[] {
    return [...this.#hosts.values()];
  }

  async request<K extends SfuRoutedRequestName>(
    name: K,
    payload: RequestOf<typeof sfuRequests, K>,
  ): Promise<ResponseOf<typeof sfuRequests, K>> {
    if (this.#closed) {
      throw new ProtocolError('sfu-unavailable', 'SFU client closed');
    }
    return (await this.#route(name, payload)) as ResponseOf<typeof sfuRequests, K>;
  }

  async #route(name: SfuRoutedRequestName, payload: RoutedPayload): Promise<unknown> {
    const { roomId } = payload;
    const send = (host: SfuHost): Promise<unknown> => host.connection.request(name, payload);
    switch (name) {
      case 'getRouterRtpCapabilities':
        return send(await this.#placer.primaryHost(roomId));
      case 'createWebRtcTransport':
        return this.#placer.withMemberHost(roomId, this.#member(payload), send);
      case 'openTestFeed':
        return this.#placer.withMemberHost(roomId, this.#member(payload), (host) =>
          this.#produce(host, name, payload),
        );
      case 'produce':
        return this.#produce(await this.#placer.memberHost(roomId, this.#member(payload)), name, payload);
      case 'consume':
        return this.#consume(payload);
      case 'setProducerPaused': {
        const host = await this.#placer.memberHost(roomId, this.#member(payload));
        const answer = await send(host);
        const { hosts } = await this.#placements.get(roomId);
        const others = [...hosts].filter((id) => id !== host.id);
        await this.#pipes.propagatePause(
          roomId,
          payload.producerId ?? '',
          payload.paused === true,
          host.id,
          others,
        );
        return answer;
      }
      case 'closeMember':
        return this.#closeMember(roomId, this.#member(payload));
      case 'closeRoom':
        return this.#closeRoom(roomId);
      case 'tapProducer': {
        const origin = await this.#placements.producerHost(roomId, payload.producerId ?? '');
        const host = origin === undefined ? undefined : this.#hosts.get(origin);
        return send(host ?? (await this.#placer.primaryHost(roomId)));
      }
      case 'connectTransport':
      case 'restartIce':
      case 'closeProducer':
      case 'resumeConsumer':
      case 'setConsumerLayers':
        return send(await this.#placer.memberHost(roomId, this.#member(payload)));
      default: {
        const unknown: never = name;
        throw new TypeError(`not a routed request: ${String(unknown)}`);
      }
    }
  }

  #member(payload: RoutedPayload): string {
    if (payload.memberId === undefined) {
      throw new TypeError('a member request without memberId');
    }
    return payload.memberId;
  }

  async #produce(host: SfuHost, name: 'produce' | 'openTestFeed', payload: RoutedPayload): Promise<unknown> {
    const answer = await host.connection.request<'produce' | 'openTestFeed'>(name, payload as never);
    await this.#placements.addProducer(payload.roomId, answer.producerId, host.id);
    return answer;
  }

  /** A member consumes where its media is; a producer made on another host is piped there first. */
  async #consume(payload: RoutedPayload): Promise<unknown> {
    const { roomId } = payload;
    const producerId = payload.producerId ?? '';
    const host = await this.#placer.memberHost(roomId, this.#member(payload));
    const consume = (): Promise<unknown> => host.connection.request('consume', payload as never);
    const origin = await this.#placements.producerHost(roomId, producerId);
    if (origin === undefined || origin === host.id) {
      return consume();
    }
    await this.#pipes.ensurePiped(roomId, producerId, origin, host.id);
    try {
      return await consume();
    } catch (error) {
      if (!(error instanceof ProtocolError) || error.reason !== 'not-found') {
        throw error;
      }
      // The copy was gone (its pipe closed): pipe it again, once.
      this.#pipes.invalidate(roomId, producerId, origin, host.id);
      await this.#pipes.ensurePiped(roomId, producerId, origin, host.id);
      return consume();
    }
  }

  async #closeMember(roomId: string, memberId: string): Promise<object> {
    const hostId = await this.#placements.memberHost(roomId, memberId);
    if (hostId === undefined) {
      return {};
    }
    try {
      const host = this.#hosts.get(hostId);
      if (host !== undefined && !host.lost) {
        await host.connection.request('closeMember', { roomId, memberId });
      }
    } finally {
      await this.#placements.unassignMember(roomId, memberId);
    }
    return {};
  }

  async #closeRoom(roomId: string): Promise<object> {
    const { hosts } = await this.#placements.get(roomId);
    await Promise.all(
      [...hosts].map(async (hostId) => {
        const host = this.#hosts.get(hostId);
        if (host?.live) {
          await host.connection.request('closeRoom', { roomId }).catch((error: unknown) => {
            this.#logger.warn(
              { err: error, sfu: hostLabel(hostId) },
              'could not close a room on a media server',
            );
          });
        }
      }),
    );
    await this.#placements.forget(roomId);
    this.#pipes.forget(roomId);
    this.#placer.forget(roomId);
    return {};
  }

  // --- hosts and their events ------------------------------------------------

  #add(id: string, origin: 'static' | 'registered'): void {
    const host = new SfuHost({
      connection: this.#options.connect(id),
      origin,
      lossMs: this.#options.lossMs,
      logger: this.#logger,
    });
    this.#hosts.set(id, host);
    host.on('up', (info) => this.#onUp(host, info));
    host.on('lost', () => this.#background('a lost media server', this.#onGone(host)));
    const { connection } = host;
    connection.on('connected', () => {
      if (!this.#connected) {
        this.#connected = true;
        this.emit('connected');
      }
    });
    connection.on('disconnected', (reason) => {
      if (this.#connected && !this.connected) {
        this.#connected = false;
        this.emit('disconnected', reason);
      }
    });
    connection.on('producerClosed', (event) => {
      this.emit('producerClosed', event);
      if (this.#owns(event.roomId)) {
        this.#background('a closed producer', this.#onProducerClosed(host, event.roomId, event.producerId));
      }
    });
    connection.on('consumerClosed', (event) => this.emit('consumerClosed', event));
    connection.on('activeSpeaker', (event) => {
      // Every host of a meeting hears all of it (microphones are piped); its primary speaks for it.
      const primary = this.#placer.knownPrimary(event.roomId);
      if (primary === undefined || primary === host.id) {
        this.emit('activeSpeaker', event);
      }
    });
    connection.on('roomClosed', (event) => {
      this.emit('roomClosed', event);
      if (event.reason === 'worker-died' && this.#owns(event.roomId)) {
        this.#background('a room lost with its worker', this.#mediaGone(event.roomId, host, 'worker-died'));
      } else {
        this.#pipes.forgetHost(event.roomId, host.id);
      }
    });
  }

  #onSeen(records: Map<string, SfuHostRecord>): void {
    if (this.#closed) {
      return;
    }
    for (const id of records.keys()) {
      if (!this.#hosts.has(id)) {
        this.#logger.info({ sfu: hostLabel(id) }, 'media server registered');
        this.#add(id, 'registered');
      }
    }
    for (const host of this.#hosts.values()) {
      if (host.origin === 'registered' && host.lost && !records.has(host.id)) {
        host.close();
        this.#hosts.delete(host.id);
      }
    }
  }

  async #onProducerClosed(host: SfuHost, roomId: string, producerId: string): Promise<void> {
    await this.#placements.removeProducer(roomId, producerId);
    const { hosts } = await this.#placements.get(roomId);
    await this.#pipes.closeCopies(
      roomId,
      producerId,
      host.id,
      [...hosts].filter((id) => id !== host.id),
    );
  }

  #onUp(host: SfuHost, { wasLost, restarted }: { wasLost: boolean; restarted: boolean }): void {
    if (restarted && !wasLost) {
      // Back within the bound, but as a new process: its rooms are gone all the same.
      this.#background('a restarted media server', this.#onGone(host));
    } else if (wasLost && !restarted) {
      this.#background('a media server back', this.#closeMovedRooms(host));
    }
  }

  /** The host's rooms are gone (lost, or restarted): each meeting there loses that part of its media. */
  async #onGone(host: SfuHost): Promise<void> {
    for (const roomId of await this.#placements.roomsOn(host.id)) {
      if (this.#owns(roomId)) {
        await this.#mediaGone(roomId, host, 'host-lost').catch((error: unknown) => {
          this.#logger.error({ err: error, room: roomId.slice(0, 6) }, 'could not move a meeting');
        });
      }
    }
  }

  /**
   * In the meeting's queue: forgets what the meeting had on `host` (all of it
   * when the host is gone; the producers when only a worker died), closes the
   * other hosts' pipes to it, moves the meeting if `host` was its primary and
   * is lost, and says who must make their media again.
   */
  #mediaGone(roomId: string, host: SfuHost, reason: MediaLost['reason']): Promise<void> {
    return this.#queue.run(roomId, async () => {
      const placement = await this.#placements.get(roomId);
      if (!placement.hosts.has(host.id)) {
        return;
      }
      const memberIds = [...placement.members].filter(([, at]) => at === host.id).map(([id]) => id);
      const everyone = [...placement.members.values()].every((at) => at === host.id);
      const others = [...placement.hosts].filter((id) => id !== host.id);
      await this.#pipes.dropHost(roomId, host.id, others);
      if (reason === 'worker-died') {
        for (const [producerId, at] of placement.producers) {
          if (at === host.id) {
            await this.#placements.removeProducer(roomId, producerId);
          }
        }
      } else {
        await this.#placements.removeHost(roomId, host.id);
        this.#remember(this.#movedAway, host.id, roomId);
        if (placement.primary === host.id) {
          await this.#placer.moveOff(roomId, host, others);
        }
      }
      this.#logger.warn(
        { room: roomId.slice(0, 6), sfu: hostLabel(host.id), reason, members: memberIds.length, everyone },
        'meeting lost media on a media server',
      );
      this.emit('mediaLost', { roomId, reason, memberIds, everyone });
    });
  }

  /** A lost host is back as the same process: the rooms moved off it meanwhile are closed there. */
  async #closeMovedRooms(host: SfuHost): Promise<void> {
    const moved = this.#movedAway.get(host.id) ?? new Set<string>();
    this.#movedAway.delete(host.id);
    for (const roomId of moved) {
      const { hosts } = await this.#placements.get(roomId);
      if (!hosts.has(host.id)) {
        await host.connection.request('closeRoom', { roomId }).catch(() => undefined);
      }
    }
  }

  #remember(map: Map<string, Set<string>>, key: string, value: string): void {
    let set = map.get(key);
    if (set === undefined) {
      set = new Set();
      map.set(key, set);
    }
    set.add(value);
  }

  #background(what: string, work: Promise<void>): void {
    work.catch((error: unknown) =>
      this.#logger.error({ err: error, what }, 'media server bookkeeping failed'),
    );
  }

  /** Closes every connection. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#options.discovery?.close();
    for (const host of this.#hosts.values()) {
      host.close();
    }
    this.removeAllListeners();
  }
}
