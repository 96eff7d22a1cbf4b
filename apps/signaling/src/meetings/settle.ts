/**
 * Runs synchronous storage work (node:sqlite) behind a promise-returning
 * interface: a throw becomes a rejection, as callers of an async store expect.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
