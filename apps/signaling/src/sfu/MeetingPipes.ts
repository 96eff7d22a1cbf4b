import type { Logger } from 'pino';
import { ProtocolError } from '@confidentiel/protocol';
import type { SfuHost } from './SfuHost.ts';
import { hostLabel } from './hostLabel.ts';

/** Attempts to join two hosts' pipes when one side still points at an old transport. */
const LINK_ATTEMPTS = 2;

/**
 * The pipes between the hosts of spanning meetings, as signaling drives
 * them over the control channels: per meeting and pair of hosts, one pipe
 * transport on each side pointed at the other; per producer and other host,
 * a pipe consumer where it was made and a copy (same id) where it is
 * consumed. What is in flight or done is remembered here, so that concurrent
 * consumers of one producer share one piping; the SFU side is idempotent, so
 * a node that takes a meeting over finds the pipes as they are.
 */
export class MeetingPipes {
  readonly #host: (id: string) => SfuHost | undefined;
  readonly #logger: Logger;
  /** `room a b` (a < b): the two pipe transports, connected. */
  readonly #links = new Map<string, Promise<void>>();
  /** `room producer from to`: the copy made on `to`. */
  readonly #piped = new Map<string, Promise<void>>();

  constructor(options: { host: (id: string) => SfuHost | undefined; logger: Logger }) {
    this.#host = options.host;
    this.#logger = options.logger;
  }

  /** Makes `producerId` (made on `fromId`) consumable on `toId`: pipes joined, producer sent, copy made. */
  ensurePiped(roomId: string, producerId: string, fromId: string, toId: string): Promise<void> {
    const key = `${roomId} ${producerId} ${fromId} ${toId}`;
    return this.#once(this.#piped, key, async () => {
      const from = this.#live(fromId);
      const to = this.#live(toId);
      await this.#ensureLink(roomId, from, to);
      const piped = await from.connection.request('sendThroughPipe', { roomId, peer: to.id, producerId });
      await to.connection.request('receiveThroughPipe', { roomId, peer: from.id, ...piped });
    });
  }

  /** Forgets that a copy exists (it was not found where it should be): the next use pipes again. */
  invalidate(roomId: string, producerId: string, fromId: string, toId: string): void {
    this.#piped.delete(`${roomId} ${producerId} ${fromId} ${toId}`);
  }

  /** Pauses or resumes the copies of a producer on `toIds`, after any piping of it in flight. */
  async propagatePause(
    roomId: string,
    producerId: string,
    paused: boolean,
    fromId: string,
    toIds: readonly string[],
  ): Promise<void> {
    await Promise.all(
      toIds.map(async (toId) => {
        await this.#piped.get(`${roomId} ${producerId} ${fromId} ${toId}`)?.catch(() => undefined);
        await this.#quietly(toId, 'pause a piped producer', (host) =>
          host.connection.request('setPipedProducerPaused', { roomId, producerId, paused }),
        );
      }),
    );
  }

  /** Closes the copies of a producer that closed on `fromId`. */
  async closeCopies(
    roomId: string,
    producerId: string,
    fromId: string,
    toIds: readonly string[],
  ): Promise<void> {
    await Promise.all(
      toIds.map(async (toId) => {
        this.#piped.delete(`${roomId} ${producerId} ${fromId} ${toId}`);
        await this.#quietly(toId, 'close a piped producer', (host) =>
          host.connection.request('closePipedProducer', { roomId, producerId }),
        );
      }),
    );
  }

  /**
   * The meeting's room on `hostId` is gone (worker died, host lost): the
   * other hosts close their pipe to it, with every copy that came from it
   * (their consumers close, and the SFUs say so).
   */
  async dropHost(roomId: string, hostId: string, otherIds: readonly string[]): Promise<void> {
    this.forgetHost(roomId, hostId);
    await Promise.all(
      otherIds.map((otherId) =>
        this.#quietly(otherId, 'close a pipe', (host) =>
          host.connection.request('closePipe', { roomId, peer: hostId }),
        ),
      ),
    );
  }

  /** Forgets what involves the meeting's room on `hostId` (it closed), without asking anything. */
  forgetHost(roomId: string, hostId: string): void {
    for (const map of [this.#links, this.#piped]) {
      for (const key of [...map.keys()]) {
        const parts = key.split(' ');
        if (parts[0] === roomId && parts.slice(1).includes(hostId)) {
          map.delete(key);
        }
      }
    }
  }

  /** The meeting ended. */
  forget(roomId: string): void {
    for (const map of [this.#links, this.#piped]) {
      for (const key of [...map.keys()]) {
        if (key.startsWith(`${roomId} `)) {
          map.delete(key);
        }
      }
    }
  }

  #ensureLink(roomId: string, a: SfuHost, b: SfuHost): Promise<void> {
    const [x, y] = a.id < b.id ? [a, b] : [b, a];
    return this.#once(this.#links, `${roomId} ${x.id} ${y.id}`, () => this.#link(roomId, x, y));
  }

  async #link(roomId: string, x: SfuHost, y: SfuHost): Promise<void> {
    for (let attempt = 0; attempt < LINK_ATTEMPTS; attempt++) {
      const [sx, sy] = await Promise.all([
        x.connection.request('openPipe', { roomId, peer: y.id }),
        y.connection.request('openPipe', { roomId, peer: x.id }),
      ]);
      const xReady = sx.remote !== null && sx.remote.ip === sy.ip && sx.remote.port === sy.port;
      const yReady = sy.remote !== null && sy.remote.ip === sx.ip && sy.remote.port === sx.port;
      if ((sx.remote !== null && !xReady) || (sy.remote !== null && !yReady)) {
        // One side points at a transport the other no longer has (its room was made again): start over.
        await Promise.all([
          x.connection.request('closePipe', { roomId, peer: y.id }),
          y.connection.request('closePipe', { roomId, peer: x.id }),
        ]);
        continue;
      }
      const { ip: xIp, port: xPort, srtpParameters: xSrtp } = sx;
      const { ip: yIp, port: yPort, srtpParameters: ySrtp } = sy;
      await Promise.all([
        xReady
          ? undefined
          : x.connection.request('connectPipe', {
              roomId,
              peer: y.id,
              ip: yIp,
              port: yPort,
              srtpParameters: ySrtp,
            }),
        yReady
          ? undefined
          : y.connection.request('connectPipe', {
              roomId,
              peer: x.id,
              ip: xIp,
              port: xPort,
              srtpParameters: xSrtp,
            }),
      ]);
      return;
    }
    throw new ProtocolError('media-error', 'could not join the pipes of two media servers');
  }

  /** Runs `work` once per key at a time; a failure is forgotten, so the next call tries again. */
  #once(map: Map<string, Promise<void>>, key: string, work: () => Promise<void>): Promise<void> {
    const existing = map.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const running = work();
    map.set(key, running);
    running.catch(() => {
      if (map.get(key) === running) {
        map.delete(key);
      }
    });
    return running;
  }

  #live(hostId: string): SfuHost {
    const host = this.#host(hostId);
    if (host === undefined || !host.live) {
      throw new ProtocolError('sfu-unavailable', 'media server unavailable');
    }
    return host;
  }

  /** A best-effort step on a host: a host that is down or refuses is logged, never thrown. */
  async #quietly(hostId: string, what: string, step: (host: SfuHost) => Promise<unknown>): Promise<void> {
    const host = this.#host(hostId);
    if (host === undefined || !host.live) {
      return;
    }
    try {
      await step(host);
    } catch (error) {
      this.#logger.warn({ err: error, sfu: hostLabel(hostId), what }, 'pipe step failed');
    }
  }
}
