import type { SessionResponse } from '@confidentiel/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/meetingsApi.ts';
import { silentLogger } from '../logger.ts';
import { SessionStore, type SessionApi } from './SessionStore.ts';

const SESSION: SessionResponse = {
  account: {
    accountId: 'acct-0001',
    email: 'avocat@example.fr',
    displayName: 'Maître Dupont',
    role: 'organiser',
  },
  csrfToken: 'csrf-0123456789abcdef',
  recoveryCodesLeft: 10,
};

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function api(overrides: Partial<SessionApi> = {}): SessionApi & { logouts: string[] } {
  const logouts: string[] = [];
  return {
    logouts,
    fetchSession: () => Promise.resolve(SESSION),
    logout: (csrfToken) => {
      logouts.push(csrfToken);
      return Promise.resolve();
    },
    ...overrides,
  };
}

describe('session store', () => {
  it('starts unknown, then reflects what the server says', async () => {
    const store = new SessionStore(api(), silentLogger);
    expect(store.state).toEqual({ status: 'unknown' });
    await store.check();
    expect(store.state).toEqual({ status: 'signed-in', session: SESSION });

    const none = new SessionStore(api({ fetchSession: () => Promise.resolve(null) }), silentLogger);
    await none.check();
    expect(none.state).toEqual({ status: 'signed-out', cause: 'none' });
  });

  it('reports a server it could not reach as failed, not as signed out', async () => {
    const store = new SessionStore(
      api({ fetchSession: () => Promise.reject(new ApiError('network', 'offline')) }),
      silentLogger,
    );
    await store.check();
    expect(store.state).toEqual({ status: 'failed', reason: 'network' });
  });

  it('keeps a sign-in that happened while an older check was pending', async () => {
    const pending = deferred<SessionResponse | null>();
    const store = new SessionStore(api({ fetchSession: () => pending.promise }), silentLogger);
    const checking = store.check();
    store.signedIn(SESSION);
    pending.resolve(null);
    await checking;
    expect(store.state).toEqual({ status: 'signed-in', session: SESSION });
  });

  it('signs out with the CSRF token, and marks an expired session', async () => {
    const fake = api();
    const store = new SessionStore(fake, silentLogger);
    store.signedIn(SESSION);
    await store.signOut();
    expect(fake.logouts).toEqual([SESSION.csrfToken]);
    expect(store.state).toEqual({ status: 'signed-out', cause: 'signed-out' });
    store.signedIn(SESSION);
    store.expired();
    expect(store.state).toEqual({ status: 'signed-out', cause: 'expired' });
  });

  it('stays signed in when the sign-out request fails', async () => {
    const store = new SessionStore(
      api({ logout: () => Promise.reject(new ApiError('network', 'offline')) }),
      silentLogger,
    );
    store.signedIn(SESSION);
    await expect(store.signOut()).rejects.toMatchObject({ reason: 'network' });
    expect(store.state.status).toBe('signed-in');
  });

  it('tells every listener, even after one of them throws', () => {
    const store = new SessionStore(api(), silentLogger);
    const seen: string[] = [];
    store.subscribe(() => {
      throw new Error('broken listener');
    });
    const unsubscribe = store.subscribe(() => seen.push(store.state.status));
    store.signedIn(SESSION);
    unsubscribe();
    store.expired();
    expect(seen).toEqual(['signed-in']);
  });
});
