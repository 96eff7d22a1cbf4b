import type { MemberRole } from '@confidentiel/protocol';

/**
 * Roles a moderator gave members, which outrank the role in their tokens:
 * a demoted co-host who reconnects with an earlier token stays demoted. In
 * memory for one node, kept as long as revocations are.
 */
export class RoleOverrides {
  readonly #roles = new Map<string, { role: MemberRole; until: number }>();
  readonly #now: () => number;

  constructor(deps: { now?: () => number } = {}) {
    this.#now = deps.now ?? Date.now;
  }

  set(memberId: string, role: MemberRole, untilMs: number): void {
    this.#prune();
    this.#roles.set(memberId, { role, until: untilMs });
  }

  get(memberId: string): MemberRole | undefined {
    const entry = this.#roles.get(memberId);
    return entry && entry.until > this.#now() ? entry.role : undefined;
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
