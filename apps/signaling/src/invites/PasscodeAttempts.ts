import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from '../state/RateLimiterFactory.ts';

/** Passcode guesses allowed per invite per window: 5 in 15 minutes against 10^8 passcodes. */
export const PASSCODE_ATTEMPTS_PER_INVITE = 5;
/** Passcode guesses allowed per client (see clientKey) per window, all invites together. */
export const PASSCODE_ATTEMPTS_PER_CLIENT = 20;
export const PASSCODE_WINDOW_SECONDS = 15 * 60;

export interface PasscodeLimits {
  perInvite: number;
  perClient: number;
  windowSeconds: number;
}

export const DEFAULT_PASSCODE_LIMITS: PasscodeLimits = {
  perInvite: PASSCODE_ATTEMPTS_PER_INVITE,
  perClient: PASSCODE_ATTEMPTS_PER_CLIENT,
  windowSeconds: PASSCODE_WINDOW_SECONDS,
};

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts passcode guesses per invite and per client. An attempt is reserved
 * before the (slow) passcode check and given back when the passcode was
 * right, so concurrent guesses cannot exceed the limit while checks are in
 * flight, and only wrong guesses count. While either counter is used up every
 * attempt is refused, the right passcode included.
 */
export class PasscodeAttempts {
  readonly #perInvite: RateLimiterAbstract;
  readonly #perClient: RateLimiterAbstract;

  /** `rateLimiters`: shared by every node (Redis), else each node would allow the guesses anew. */
  constructor(
    limits: PasscodeLimits = DEFAULT_PASSCODE_LIMITS,
    rateLimiters: RateLimiterFactory = new MemoryRateLimiterFactory(),
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || (value as number) < 1) {
        throw new TypeError(`passcode limit ${name} must be a positive integer`);
      }
    }
    this.#perInvite = rateLimiters.create('passcode-invite', {
      points: limits.perInvite,
      duration: limits.windowSeconds,
    });
    this.#perClient = rateLimiters.create('passcode-client', {
      points: limits.perClient,
      duration: limits.windowSeconds,
    });
  }

  async begin(inviteId: string, client: string): Promise<AttemptVerdict> {
    const [invite, perClient] = await Promise.allSettled([
      this.#perInvite.consume(inviteId),
      this.#perClient.consume(client),
    ]);
    if (invite.status === 'fulfilled' && perClient.status === 'fulfilled') {
      return { allowed: true };
    }
    // The attempt does not happen: give back what the other counter took.
    if (invite.status === 'fulfilled') {
      await this.#perInvite.reward(inviteId);
    }
    if (perClient.status === 'fulfilled') {
      await this.#perClient.reward(client);
    }
    const waits = [invite, perClient].map((result) => {
      if (result.status === 'fulfilled') {
        return 0;
      }
      if (result.reason instanceof RateLimiterRes) {
        return result.reason.msBeforeNext;
      }
      throw result.reason;
    });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
  }

  /** The passcode was right: the attempt reserved by `begin` does not count. */
  async succeeded(inviteId: string, client: string): Promise<void> {
    await this.#giveBack(inviteId, client);
  }

  /** The passcode was never checked (the server was busy): the attempt does not count either. */
  async abandoned(inviteId: string, client: string): Promise<void> {
    await this.#giveBack(inviteId, client);
  }

  async #giveBack(inviteId: string, client: string): Promise<void> {
    await Promise.all([this.#perInvite.reward(inviteId), this.#perClient.reward(client)]);
  }
}
