import { HashGate } from './HashGate.ts';

/**
 * The two gates every secret hash of the service goes through (see
 * HashGate.ts). Passwords (sign-in, its dummy hash for unknown emails,
 * enrolment: 128 MiB, ~0.4 s each on one core) and invite passcodes (32 MiB,
 * ~0.1 s) have a gate each, so a guest's passcode never waits behind a storm
 * of sign-ins, and a flood of passcode guesses never blocks sign-in.
 */
export interface HashGates {
  passwords: HashGate;
  passcodes: HashGate;
}

/** libuv's thread pool size when UV_THREADPOOL_SIZE is not set. */
export const DEFAULT_THREADPOOL_SIZE = 4;
/** Pool threads that hashing never takes: file I/O (journal fsyncs, recording writes) and DNS. */
export const THREADS_KEPT_FOR_IO = 2;

/** Password hashes at once: one core; sign-in is rare, and each holds 128 MiB. */
export const DEFAULT_PASSWORD_HASH_CONCURRENCY = 1;
/** Passcode checks at once, apart from the password hashes. */
export const DEFAULT_PASSCODE_HASH_CONCURRENCY = 1;
/**
 * Waiting password hashes per slot: about what one slot serves within the
 * wait below; the rest is refused at once rather than after the wait.
 */
export const PASSWORD_QUEUE_PER_SLOT = 4;
export const PASSWORD_MAX_WAIT_MS = 2_000;
/** Guests arrive together at the start of a meeting: a longer queue for cheap passcode checks. */
export const PASSCODE_QUEUE_PER_SLOT = 32;
export const PASSCODE_MAX_WAIT_MS = 4_000;

export interface HashConcurrency {
  passwords: number;
  passcodes: number;
}

export const DEFAULT_HASH_CONCURRENCY: HashConcurrency = {
  passwords: DEFAULT_PASSWORD_HASH_CONCURRENCY,
  passcodes: DEFAULT_PASSCODE_HASH_CONCURRENCY,
};

/** The service's two gates, queues scaled with their concurrency. */
export function createHashGates(concurrency: HashConcurrency = DEFAULT_HASH_CONCURRENCY): HashGates {
  return {
    passwords: new HashGate({
      concurrency: concurrency.passwords,
      maxQueue: PASSWORD_QUEUE_PER_SLOT * concurrency.passwords,
      maxWaitMs: PASSWORD_MAX_WAIT_MS,
    }),
    passcodes: new HashGate({
      concurrency: concurrency.passcodes,
      maxQueue: PASSCODE_QUEUE_PER_SLOT * concurrency.passcodes,
      maxWaitMs: PASSCODE_MAX_WAIT_MS,
    }),
  };
}

/** Why these concurrencies would let hashing take the whole pool; undefined when they do not. */
export function hashConcurrencyProblem(
  concurrency: HashConcurrency,
  threadpoolSize: number,
): string | undefined {
  const total = concurrency.passwords + concurrency.passcodes;
  const allowed = threadpoolSize - THREADS_KEPT_FOR_IO;
  if (total > allowed) {
    return (
      `PASSWORD_HASH_CONCURRENCY + PASSCODE_HASH_CONCURRENCY (${total}) must leave ${THREADS_KEPT_FOR_IO} ` +
      `of the ${threadpoolSize} libuv threads (UV_THREADPOOL_SIZE) to file I/O: at most ${allowed}`
    );
  }
  return undefined;
}
