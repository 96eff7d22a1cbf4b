import type { Logger } from 'pino';
import { ProtocolError } from '@confidentiel/protocol';
import type { RoomQueue } from '../rooms/RoomQueue.ts';
import type { MeetingPlacements } from './MeetingPlacements.ts';
import { hostForMember, leastLoaded, type HostView } from './placementPolicy.ts';
import type { SfuHost } from './SfuHost.ts';
import { hostLabel } from './hostLabel.ts';

/** How long a placement waits for a first live host (signaling just started, a host coming back). */
export const PLACEMENT_WAIT_MS = 2_000;

export interface MeetingPlacerOptions {
  placements: MeetingPlacements;
  /** The hosts known now. */
  hosts: () => readonly SfuHost[];
  /** The meetings' queue, shared with whoever else changes a meeting's placement. */
  queue: RoomQueue;
  /** SFU_MAX_MEMBERS_PER_HOST. */
  maxMembersPerHost: number;
  logger: Logger;
}

/**
 * Decides where meetings and members go, and finds where they are: a new
 * meeting on the lightest live host (its primary), a member on the meeting's
 * own hosts while they have room, else on the lightest other host. Decisions
 * for one meeting are taken one at a time, in the meeting's queue, and
 * recorded in the placements (shared by every node with Redis).
 */
export class MeetingPlacer {
  readonly #options: MeetingPlacerOptions;
  readonly #placements: MeetingPlacements;
  readonly #queue: RoomQueue;
  readonly #logger: Logger;
  /** Each meeting's primary as last seen here. */
  readonly #primaries = new Map<string, string>();

  constructor(options: MeetingPlacerOptions) {
    this.#options = options;
    this.#placements = options.placements;
    this.#queue = options.queue;
    this.#logger = options.logger;
  }

  /** The meeting's primary as last seen here, if any. */
  knownPrimary(roomId: string): string | undefined {
    return this.#primaries.get(roomId);
  }

  /** The meeting ended. */
  forget(roomId: string): void {
    this.#primaries.delete(roomId);
  }

  #host(id: string): SfuHost | undefined {
    return this.#options.hosts().find((host) => host.id === id);
  }

  /** The meeting's primary host, placing (or moving) the meeting if it has none that lives. */
  async primaryHost(roomId: string): Promise<SfuHost> {
    const { primary, hosts } = await this.#placements.get(roomId);
    const host = primary === undefined ? undefined : this.#host(primary);
    if (host !== undefined && !host.lost && hosts.has(host.id)) {
      this.#primaries.set(roomId, host.id);
      return host;
    }
    return this.#queue.run(roomId, () => this.#placePrimary(roomId));
  }

  /** In the meeting's queue. */
  async #placePrimary(roomId: string): Promise<SfuHost> {
    const { primary, hosts } = await this.#placements.get(roomId);
    const current = primary === undefined ? undefined : this.#host(primary);
    if (current !== undefined && !current.lost) {
      if (!hosts.has(current.id)) {
        // Back after it was lost (its room there was forgotten): the meeting is on it again.
        await this.#placements.move(roomId, current.id, current.id);
      }
      this.#primaries.set(roomId, current.id);
      return current;
    }
    const chosen = leastLoaded(await this.#loads(await this.#live()));
    if (chosen === undefined) {
      throw new ProtocolError('sfu-unavailable', 'no media server answers');
    }
    const placed =
      primary === undefined
        ? await this.#placements.place(roomId, chosen.id)
        : await this.#placements.move(roomId, primary, chosen.id);
    if (placed !== primary) {
      this.#logger.info(
        { room: roomId.slice(0, 6), sfu: hostLabel(placed), from: hostLabel(primary) },
        'meeting placed',
      );
    }
    const host = this.#host(placed);
    if (host === undefined) {
      throw new ProtocolError('sfu-unavailable', 'the meeting is on a media server this node does not know');
    }
    this.#primaries.set(roomId, host.id);
    return host;
  }

  /** The host of a member's media (it has one: it made a transport), or the meeting's primary. */
  async memberHost(roomId: string, memberId: string): Promise<SfuHost> {
    const hostId = await this.#placements.memberHost(roomId, memberId);
    if (hostId === undefined) {
      return this.primaryHost(roomId);
    }
    const host = this.#host(hostId);
    if (host === undefined || host.lost) {
      throw new ProtocolError('sfu-unavailable', 'media server lost; reconnect media');
    }
    return host;
  }

  /** Runs `task` on the member's host, placing the member first if it has none (or a lost one). */
  async withMemberHost<T>(roomId: string, memberId: string, task: (host: SfuHost) => Promise<T>): Promise<T> {
    const hostId = await this.#placements.memberHost(roomId, memberId);
    const host = hostId === undefined ? undefined : this.#host(hostId);
    if (host !== undefined && !host.lost) {
      return task(host);
    }
    // One placement at a time per meeting, its request included: the next one sees this member's load.
    return this.#queue.run(roomId, async () => {
      let assigned = await this.#placements.memberHost(roomId, memberId);
      if (assigned !== undefined && (this.#host(assigned)?.lost ?? true)) {
        await this.#placements.unassignMember(roomId, memberId);
        assigned = undefined;
      }
      if (assigned === undefined) {
        const primary = await this.#placePrimary(roomId);
        const { hosts } = await this.#placements.get(roomId);
        const chosen = hostForMember({
          meetingHosts: [primary.id, ...[...hosts].filter((id) => id !== primary.id)],
          live: await this.#loads(await this.#live()),
          maxMembersPerHost: this.#options.maxMembersPerHost,
        });
        if (chosen === undefined) {
          throw new ProtocolError('sfu-unavailable', 'no media server answers');
        }
        assigned = await this.#placements.assignMember(roomId, memberId, chosen);
        if (assigned !== primary.id) {
          this.#logger.info(
            { room: roomId.slice(0, 6), sfu: hostLabel(assigned) },
            'member placed off the meeting primary',
          );
        }
      }
      const target = this.#host(assigned);
      if (target === undefined) {
        throw new ProtocolError('sfu-unavailable', 'media server unknown');
      }
      return task(target);
    });
  }

  /** The live hosts, waiting up to PLACEMENT_WAIT_MS for one. */
  async #live(): Promise<SfuHost[]> {
    const deadline = Date.now() + PLACEMENT_WAIT_MS;
    for (;;) {
      const live = this.#options.hosts().filter((host) => host.live);
      if (live.length > 0 || Date.now() >= deadline) {
        return live;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async #loads(hosts: readonly SfuHost[]): Promise<HostView[]> {
    const views = await Promise.all(
      hosts.map(async (host) => {
        const load = await host.load();
        return load === undefined ? undefined : { id: host.id, load };
      }),
    );
    return views.filter((view): view is HostView => view !== undefined);
  }

  /** Moves the meeting's primary off `host`: to another of its hosts if one lives, else the lightest. */
  async moveOff(roomId: string, host: SfuHost, others: readonly string[]): Promise<void> {
    const live = this.#options.hosts().filter((h) => h.live);
    const ownLive = live.filter((h) => others.includes(h.id));
    const chosen = leastLoaded(await this.#loads(ownLive.length > 0 ? ownLive : live));
    if (chosen === undefined) {
      // No host answers now: the next request places the meeting.
      return;
    }
    const placed = await this.#placements.move(roomId, host.id, chosen.id);
    this.#primaries.set(roomId, placed);
    this.#logger.warn(
      { room: roomId.slice(0, 6), from: hostLabel(host.id), sfu: hostLabel(placed) },
      'meeting moved',
    );
  }
}
