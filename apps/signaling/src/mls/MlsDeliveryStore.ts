import { MAX_MLS_KEY_PACKAGE_CHARS, type MlsMemberKeyPackage } from '@confidentiel/protocol';

/**
 * What the MLS Delivery Service remembers of each room (RFC 9420 §16, the
 * "DS"): the group's epoch as signaling counts it (none before a group),
 * who it counts in the group (the creator, then every member a commit
 * added), and each admitted member's latest key package. It orders
 * handshake messages with one compare-and-set of the epoch: of two commits
 * made in the same epoch, exactly one is accepted. Every MLS message stays
 * opaque here: this never holds a private key, and cannot add anyone.
 *
 * Each operation is atomic on its own (one Lua script in Redis), so two
 * signaling nodes racing for one room (a takeover) still get one winner per
 * epoch. In memory for one node (InMemoryMlsDeliveryStore); in Redis for
 * several (RedisMlsDeliveryStore). Callers pass only admitted members: the
 * lobby never reaches this.
 */
export interface MlsDeliveryStore {
  /**
   * Stores `memberId`'s key package (replacing its earlier one). The member
   * publishing asks to be (re-)added: it no longer counts in the group. If
   * nobody else does (no group yet, or its last member lost its state), the
   * caller makes the group: epoch 0, the caller in it, and the others'
   * waiting key packages to add.
   */
  join(roomId: string, memberId: string, keyPackage: string): Promise<MlsJoinOutcome>;
  /**
   * A commit `memberId` made in `epoch`: accepted only if `epoch` is the
   * group's current one (the group then moves to epoch + 1 and counts the
   * committer and `added` in it; the caller passes only admitted members).
   */
  commit(
    roomId: string,
    memberId: string,
    epoch: number,
    added: readonly string[],
  ): Promise<MlsCommitOutcome>;
  /**
   * A member left the room (still holding others): its key package and its
   * place in the group are dropped. If nobody the DS counts in the group is
   * left, the group is reset (no group, no key package): everyone still
   * there must join again (`mlsReset`), `reset` says so.
   */
  memberLeft(roomId: string, memberId: string): Promise<{ reset: boolean }>;
  /** The room is empty (or the meeting is over): forgets all of it. Idempotent. */
  forget(roomId: string): Promise<void>;
}

export type MlsJoinOutcome =
  | { create: true; epoch: 0; keyPackages: MlsMemberKeyPackage[] }
  | { create: false; epoch: number; keyPackages: [] };

export type MlsCommitOutcome =
  /** The group is now at `epoch` (the commit's + 1). */
  | { kind: 'accepted'; epoch: number }
  /** Another commit came first: retry on `epoch` (the group's current one). */
  | { kind: 'stale'; epoch: number }
  /** The room has no group (never made, or reset): join first. */
  | { kind: 'no-group' };

/**
 * Most key packages one `join` hands out (the bound of the `mlsJoin`
 * response): a group is made by the first member, so more are waiting only
 * in a burst of a thousand arrivals; the rest are added by later commits.
 */
export const MAX_WAITING_KEY_PACKAGES = 1000;

/**
 * How long Redis keeps a room's MLS state after its last write: a node that
 * dies never says its room emptied, and Redis keeps nothing on disk nor
 * evicts. A sitting does not outlast a day (as held-out marks).
 */
export const MLS_STATE_TTL_MS = 24 * 60 * 60 * 1000;

/** Refuses what the protocol's schema already bounds, so a store never grows past it whatever the caller. */
export function checkKeyPackage(keyPackage: string): void {
  if (keyPackage.length === 0 || keyPackage.length > MAX_MLS_KEY_PACKAGE_CHARS) {
    throw new RangeError(`a key package is 1 to ${MAX_MLS_KEY_PACKAGE_CHARS} characters`);
  }
}

export function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new RangeError('an MLS epoch is a non-negative safe integer');
  }
}

interface RoomGroup {
  /** Null: no group (members wait for someone to make it). */
  epoch: number | null;
  /** Member id -> latest key package (one per member, in publication order). */
  readonly keyPackages: Map<string, string>;
  /** Who the DS counts in the group. */
  readonly inGroup: Set<string>;
}

/** The Delivery Service's state in this process (one node). */
export class InMemoryMlsDeliveryStore implements MlsDeliveryStore {
  readonly #rooms = new Map<string, RoomGroup>();

  join(roomId: string, memberId: string, keyPackage: string): Promise<MlsJoinOutcome> {
    // In a promise: a refusal rejects, as Redis's does, rather than throwing at the caller.
    return new Promise((resolve) => resolve(this.#join(roomId, memberId, keyPackage)));
  }

  #join(roomId: string, memberId: string, keyPackage: string): MlsJoinOutcome {
    checkKeyPackage(keyPackage);
    const room = this.#room(roomId);
    // Re-inserted last: the order of publication is the order key packages are handed out.
    room.keyPackages.delete(memberId);
    room.keyPackages.set(memberId, keyPackage);
    room.inGroup.delete(memberId);
    if (room.epoch !== null && room.inGroup.size > 0) {
      return { create: false, epoch: room.epoch, keyPackages: [] };
    }
    room.epoch = 0;
    room.inGroup.add(memberId);
    const keyPackages: MlsMemberKeyPackage[] = [];
    for (const [other, waiting] of room.keyPackages) {
      if (other !== memberId && keyPackages.length < MAX_WAITING_KEY_PACKAGES) {
        keyPackages.push({ memberId: other, keyPackage: waiting });
      }
    }
    return { create: true, epoch: 0, keyPackages };
  }

  commit(
    roomId: string,
    memberId: string,
    epoch: number,
    added: readonly string[],
  ): Promise<MlsCommitOutcome> {
    return new Promise((resolve) => resolve(this.#commit(roomId, memberId, epoch, added)));
  }

  #commit(roomId: string, memberId: string, epoch: number, added: readonly string[]): MlsCommitOutcome {
    checkEpoch(epoch);
    const room = this.#rooms.get(roomId);
    if (room?.epoch === null || room?.epoch === undefined) {
      return { kind: 'no-group' };
    }
    if (room.epoch !== epoch) {
      return { kind: 'stale', epoch: room.epoch };
    }
    room.epoch = epoch + 1;
    // An accepted commit is the committer's (an external commit brings its maker in).
    room.inGroup.add(memberId);
    for (const id of added) {
      room.inGroup.add(id);
    }
    return { kind: 'accepted', epoch: room.epoch };
  }

  memberLeft(roomId: string, memberId: string): Promise<{ reset: boolean }> {
    const room = this.#rooms.get(roomId);
    if (!room) {
      return Promise.resolve({ reset: false });
    }
    room.keyPackages.delete(memberId);
    const wasIn = room.inGroup.delete(memberId);
    if (wasIn && room.inGroup.size === 0 && room.epoch !== null) {
      // Those waiting publish again on `mlsReset`: a package kept would be added twice.
      this.#rooms.delete(roomId);
      return Promise.resolve({ reset: true });
    }
    if (room.epoch === null && room.keyPackages.size === 0) {
      this.#rooms.delete(roomId);
    }
    return Promise.resolve({ reset: false });
  }

  forget(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
    return Promise.resolve();
  }

  /** Rooms with MLS state (tests: forgotten rooms leave nothing behind). */
  get size(): number {
    return this.#rooms.size;
  }

  #room(roomId: string): RoomGroup {
    let room = this.#rooms.get(roomId);
    if (!room) {
      room = { epoch: null, keyPackages: new Map(), inGroup: new Set() };
      this.#rooms.set(roomId, room);
    }
    return room;
  }
}
