import type { MemberRole } from '@confidentiel/protocol';

/**
 * Roles a moderator gave members, which outrank the role in their tokens:
 * a demoted co-host who reconnects with an earlier token stays demoted. Kept
 * as long as revocations are. In memory for one node
 * (InMemoryRoleOverrides); in Redis for several (RedisRoleOverrides).
 */
export interface RoleOverrides {
  /** From now until `untilMs`, the member's role is `role` whatever their token says (replaces any earlier one). */
  set(memberId: string, role: MemberRole, untilMs: number): Promise<void>;
  get(memberId: string): Promise<MemberRole | undefined>;
}

export class InMemoryRoleOverrides implements RoleOverrides {
  readonly #roles = new Map<string, { role: MemberRole; until: number }>();
  readonly #now: () => number;

  constructor(deps: { now?: () => number } = {}) {
    this.#now = deps.now ?? Date.now;
  }

  set(memberId: string, role: MemberRole, untilMs: number): Promise<void> {
    this.#prune();
    this.#roles.set(memberId, { role, until: untilMs });
    return Promise.resolve();
  }

  get(memberId: string): Promise<MemberRole | undefined> {
    const entry = this.#roles.get(memberId);
    return Promise.resolve(entry && entry.until > this.#now() ? entry.role : undefined);
  }

  #prune(): void {
    const now = this.#now();
    for (const [id, entry] of this.#roles) {
      if (entry.until <= now) {
        this.#roles.delete(id);
      }
    }
  }
}
