import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { AccountError } from './AccountError.ts';

/** One counter for the whole service. */
const EVERYONE = 'all';

/**
 * A budget of failed sign-ins per window across all addresses and emails:
 * the per-address and per-email limits let 10 addresses try 50 unknown
 * emails, each a 128 MiB hash; this caps what any number of addresses costs.
 *
 * Why it counts every failed password check, not only unknown emails: an
 * unknown email, a wrong password and a disabled account already fail alike
 * (same 401, same time). A counter of unknown emails alone would tell them
 * apart (try one email, see whether the budget moved), and refusing only
 * unknown emails once it is spent would answer them differently. So a point
 * is reserved before the account is looked up, kept when the sign-in fails
 * with `invalid-credentials`, and given back otherwise (success, lockout,
 * busy, any other refusal: no password check failed). While the budget is
 * spent every attempt, any email, right password or not, is refused alike
 * with 429 and Retry-After, before the account is looked up.
 *
 * The price: while someone spends the budget, nobody signs in (those signed
 * in keep their sessions; meetings, invites and passcodes are not affected).
 */
export class SignInBudget {
  readonly #failures: RateLimiterAbstract;

  /** `rateLimiters`: shared by every node (Redis), else this process's count is the service's budget times the nodes. */
  constructor(
    limit: { points: number; durationS: number },
    rateLimiters: RateLimiterFactory = new MemoryRateLimiterFactory(),
  ) {
    if (!Number.isInteger(limit.points) || limit.points < 1) {
      throw new TypeError('the sign-in budget must be a positive integer');
    }
    this.#failures = rateLimiters.create('accounts-failed-sign-ins', {
      points: limit.points,
      duration: limit.durationS,
    });
  }

  /** Runs a password sign-in within the budget; refuses it (rate-limited) while the budget is spent. */
  async attempt<T>(signIn: () => Promise<T>): Promise<T> {
    try {
      await this.#failures.consume(EVERYONE);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw AccountError.rateLimited(error.msBeforeNext);
      }
      throw error;
    }
    let failed = false;
    try {
      return await signIn();
    } catch (error) {
      failed = error instanceof AccountError && error.reason === 'invalid-credentials';
      throw error;
    } finally {
      if (!failed) {
        await this.#failures.reward(EVERYONE);
      }
    }
  }
}
