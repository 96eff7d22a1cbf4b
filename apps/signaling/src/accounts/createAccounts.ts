import { randomBytes } from 'node:crypto';
import type express from 'express';
import type { Logger } from 'pino';
import type { HashGate } from '../crypto/HashGate.ts';
import type { ScryptCost } from '../crypto/secretHash.ts';
import type { ClientAddressOf } from '../http/clientAddress.ts';
import type { RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import type { Database } from '../storage/Database.ts';
import { accountRoutes, type AccountRateLimits } from './accountRoutes.ts';
import type { AccountStore } from './AccountStore.ts';
import { AccountService } from './AccountService.ts';
import type { RandomBytes } from './accountSecrets.ts';
import { requireAccount, requireAdmin } from './requireAccount.ts';
import { SqliteAccountStore } from './SqliteAccountStore.ts';

/** Expired sessions, challenges and invitations are deleted this often. */
export const PRUNE_INTERVAL_MS = 10 * 60_000;

export type AccountsOptions = (
  | {
      /** The store (SQLite or PostgreSQL, see storage/createStores.ts), already migrated. */
      store: AccountStore;
    }
  | {
      /** Signaling's SQLite database: a SqliteAccountStore is made on it (its tables migrated). */
      db: Database;
    }
) & {
  logger: Logger;
  /** Milliseconds since the epoch (injected in tests). */
  now?: () => number;
  random?: RandomBytes;
  /** scrypt cost of new password hashes; PASSWORD_COST unless a test injects TEST_COST. */
  passwordCost?: ScryptCost;
  /** The gate of password hashes (the service's HashGates.passwords); one of its own when absent. */
  hashGate?: HashGate;
  /** Mark the session cookie `Secure`: true whenever the service is reached over HTTPS. */
  secureCookies: boolean;
  /** Origins a browser may send state-changing requests from (config.allowedOrigins). */
  allowedOrigins: readonly string[];
  /** The client's address for per-address limits. */
  clientAddress?: ClientAddressOf;
  /** Overrides of ACCOUNT_RATE_LIMITS (tests). */
  limits?: Partial<AccountRateLimits>;
  /** Where the sign-in limiters are made: shared by every node (Redis), or this process's own (the default). */
  rateLimiters?: RateLimiterFactory;
};

export interface Accounts {
  /** Mount at `/api`, before the other API routes' catch-all 404. */
  router: express.Router;
  /** For organiser routes: a live session, plus the CSRF header on state-changing methods. */
  requireAccount: express.RequestHandler;
  /** requireAccount, and the account is an administrator. */
  requireAdmin: express.RequestHandler;
  store: AccountStore;
  service: AccountService;
  readonly closed: boolean;
  /** Stops the periodic clean-up (idempotent); the database stays open (it is the caller's). */
  close(): void;
}

/** Organiser accounts, wired: store, rules, HTTP routes and guards. */
export function createAccounts(options: AccountsOptions): Accounts {
  const { logger } = options;
  const random = options.random ?? randomBytes;
  const store = 'store' in options ? options.store : new SqliteAccountStore(options.db, { random });
  const service = new AccountService({
    store,
    logger,
    now: options.now,
    random,
    passwordCost: options.passwordCost,
    ...(options.hashGate ? { hashGate: options.hashGate } : {}),
  });
  const guard = { allowedOrigins: options.allowedOrigins };
  const router = accountRoutes({
    accounts: service,
    logger,
    secureCookies: options.secureCookies,
    allowedOrigins: options.allowedOrigins,
    limits: options.limits,
    ...(options.rateLimiters ? { rateLimiters: options.rateLimiters } : {}),
    ...(options.clientAddress ? { clientAddress: options.clientAddress } : {}),
  });

  const prune = (): void => {
    service.prune().catch((error: unknown) => logger.error({ err: error }, 'account clean-up failed'));
  };
  prune();
  const timer = setInterval(prune, PRUNE_INTERVAL_MS);
  timer.unref();

  let closed = false;
  return {
    router,
    requireAccount: requireAccount(service, guard),
    requireAdmin: requireAdmin(service, guard),
    store,
    service,
    get closed() {
      return closed;
    },
    close() {
      if (closed) {
        return;
      }
      closed = true;
      clearInterval(timer);
      store.close();
    },
  };
}
