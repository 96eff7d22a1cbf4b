import type { MemberRole } from '@confidentiel/protocol';
import type { Logger } from 'pino';
import { ErrorReply } from 'redis';
import type { Admissions } from '../rooms/Admissions.ts';
import { ENDED_MEETING_TTL_MS, type EndedMeetings } from '../rooms/EndedMeetings.ts';
import { MAX_ADMISSION_MS } from '../rooms/RedisAdmissions.ts';
import { InMemoryRevocations, type RevocationKind, type Revocations } from '../rooms/Revocations.ts';
import type { RoleOverrides } from '../rooms/RoleOverrides.ts';
import type { ReplayLog } from './ReplayLog.ts';

/**
 * The Redis stores of the small shared pieces, each remembering its writes
 * in a ReplayLog, so that a Redis restarted empty gets them back (see
 * createSharedState). A write Redis cannot take because it is away is
 * logged and kept for the replay, not refused: the owner of a meeting goes
 * on while Redis is away (ADR 0007). A write Redis refuses (an error reply)
 * is refused here too.
 */

interface ReplayDeps {
  log: ReplayLog;
  logger: Logger;
  now?: () => number;
}

/** Runs a write to Redis; an outage (no answer) is logged and swallowed, an error reply thrown. */
async function tolerant(write: () => Promise<void>, logger: Logger, what: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof ErrorReply) {
      throw error;
    }
    logger.warn({ err: error }, `Redis away: ${what} kept here, written when it returns`);
  }
}

/**
 * Revocations: a removed member stays out even while Redis is away or after
 * it restarted empty: this node refuses what it revoked itself at once, and
 * writes it back to Redis for the others.
 */
export class ReplayedRevocations implements Revocations {
  readonly #shared: Revocations;
  readonly #local: InMemoryRevocations;
  readonly #deps: ReplayDeps;

  constructor(shared: Revocations, deps: ReplayDeps) {
    this.#shared = shared;
    this.#deps = deps;
    this.#local = new InMemoryRevocations(deps.now ? { now: deps.now } : {});
  }

  async revoke(kind: RevocationKind, value: string, untilMs: number): Promise<void> {
    await this.#local.revoke(kind, value, untilMs);
    this.#deps.log.remember(`revoked:${kind}:${value}`, untilMs, () =>
      this.#shared.revoke(kind, value, untilMs),
    );
    await tolerant(() => this.#shared.revoke(kind, value, untilMs), this.#deps.logger, 'a revocation');
  }

  async isRevoked(kind: RevocationKind, value: string): Promise<boolean> {
    return (await this.#local.isRevoked(kind, value)) || this.#shared.isRevoked(kind, value);
  }
}

export class ReplayedRoleOverrides implements RoleOverrides {
  readonly #shared: RoleOverrides;
  readonly #deps: ReplayDeps;

  constructor(shared: RoleOverrides, deps: ReplayDeps) {
    this.#shared = shared;
    this.#deps = deps;
  }

  async set(memberId: string, role: MemberRole, untilMs: number): Promise<void> {
    this.#deps.log.remember(`role:${memberId}`, untilMs, () => this.#shared.set(memberId, role, untilMs));
    await tolerant(() => this.#shared.set(memberId, role, untilMs), this.#deps.logger, 'a role change');
  }

  get(memberId: string): Promise<MemberRole | undefined> {
    return this.#shared.get(memberId);
  }
}

export class ReplayedEndedMeetings implements EndedMeetings {
  readonly #shared: EndedMeetings;
  readonly #deps: ReplayDeps;
  readonly #ttlMs: number;

  constructor(shared: EndedMeetings, deps: ReplayDeps & { ttlMs?: number }) {
    this.#shared = shared;
    this.#deps = deps;
    this.#ttlMs = deps.ttlMs ?? ENDED_MEETING_TTL_MS;
  }

  #until(): number {
    return (this.#deps.now ?? Date.now)() + this.#ttlMs;
  }

  async end(roomId: string): Promise<void> {
    this.#deps.log.remember(`ended:${roomId}`, this.#until(), () => this.#shared.end(roomId));
    await tolerant(() => this.#shared.end(roomId), this.#deps.logger, 'an ended meeting');
  }

  async reopen(roomId: string): Promise<void> {
    // The latest of end/reopen is what is replayed.
    this.#deps.log.remember(`ended:${roomId}`, this.#until(), () => this.#shared.reopen(roomId));
    await tolerant(() => this.#shared.reopen(roomId), this.#deps.logger, 'a reopened meeting');
  }

  isEnded(roomId: string): Promise<boolean> {
    return this.#shared.isEnded(roomId);
  }
}

export class ReplayedAdmissions implements Admissions {
  readonly #shared: Admissions;
  readonly #deps: ReplayDeps;

  constructor(shared: Admissions, deps: ReplayDeps) {
    this.#shared = shared;
    this.#deps = deps;
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }

  async entered(roomId: string, memberId: string): Promise<void> {
    this.#deps.log.remember(`admission:${memberId}`, this.#now() + MAX_ADMISSION_MS, () =>
      this.#shared.entered(roomId, memberId),
    );
    await tolerant(() => this.#shared.entered(roomId, memberId), this.#deps.logger, 'an admission');
  }

  async left(roomId: string, memberId: string, untilMs: number): Promise<void> {
    this.#deps.log.remember(`admission:${memberId}`, untilMs, async () => {
      await this.#shared.entered(roomId, memberId);
      await this.#shared.left(roomId, memberId, untilMs);
    });
    await tolerant(() => this.#shared.left(roomId, memberId, untilMs), this.#deps.logger, 'a departure');
  }

  async withdrawn(roomId: string, memberId: string): Promise<void> {
    this.#deps.log.remember(`admission:${memberId}`, this.#now() + MAX_ADMISSION_MS, () =>
      this.#shared.withdrawn(roomId, memberId),
    );
    await tolerant(() => this.#shared.withdrawn(roomId, memberId), this.#deps.logger, 'a withdrawal');
  }

  isAdmitted(roomId: string, memberId: string): Promise<boolean> {
    return this.#shared.isAdmitted(roomId, memberId);
  }
}
