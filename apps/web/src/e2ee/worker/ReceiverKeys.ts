import { ReceiverKeyRing, ReplayWindow } from '@confidentiel/e2ee';

/** One remote member's keys: a ring holding only that member's KIDs, and its replay window. */
export class MemberKeys {
  readonly memberId: string;
  readonly senderIndex: number;
  readonly ring: ReceiverKeyRing;
  readonly replay = new ReplayWindow();
  readonly #epochs = new Set<number>();

  constructor(memberId: string, senderIndex: number, now?: () => number) {
    this.memberId = memberId;
    this.senderIndex = senderIndex;
    this.ring = new ReceiverKeyRing(now ? { now } : {});
  }

  /** Epochs installed so far (older ones may already be past their grace window in the ring). */
  get epochs(): number[] {
    return [...this.#epochs].sort((a, b) => a - b);
  }

  get newestEpoch(): number | null {
    return this.#epochs.size === 0 ? null : Math.max(...this.#epochs);
  }

  async install(epoch: number, key: Uint8Array): Promise<void> {
    await this.ring.installSender(this.senderIndex, epoch, Uint8Array.from(key));
    this.#epochs.add(epoch);
  }

  close(): void {
    this.ring.close();
    this.#epochs.clear();
  }
}

/**
 * Receiving keys by member. A frame is opened only with the keys of the member its consumer
 * belongs to, so one member's frames routed as another's fail (`missing-key`).
 */
export class ReceiverKeys {
  readonly #members = new Map<string, MemberKeys>();
  readonly #now: (() => number) | undefined;

  constructor(now?: () => number) {
    this.#now = now;
  }

  get(memberId: string): MemberKeys | undefined {
    return this.#members.get(memberId);
  }

  /** The member's entry, made empty when missing (its frames then fail with `missing-key`). */
  entry(memberId: string, senderIndex: number): MemberKeys {
    const existing = this.#members.get(memberId);
    if (existing !== undefined && existing.senderIndex === senderIndex) {
      return existing;
    }
    // A member id has one sender index for its whole life; a different one is a new member.
    existing?.close();
    const created = new MemberKeys(memberId, senderIndex, this.#now);
    this.#members.set(memberId, created);
    return created;
  }

  async install(memberId: string, senderIndex: number, epoch: number, key: Uint8Array): Promise<MemberKeys> {
    const keys = this.entry(memberId, senderIndex);
    await keys.install(epoch, key);
    return keys;
  }

  /** Forgets every key of the member at once (it left or was removed). */
  remove(memberId: string): boolean {
    const keys = this.#members.get(memberId);
    keys?.close();
    return this.#members.delete(memberId);
  }

  summary(): Array<{ memberId: string; epochs: number[] }> {
    return [...this.#members.values()].map((keys) => ({ memberId: keys.memberId, epochs: keys.epochs }));
  }

  close(): void {
    for (const keys of this.#members.values()) {
      keys.close();
    }
    this.#members.clear();
  }
}
