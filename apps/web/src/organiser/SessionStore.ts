import type { SessionResponse } from '@confidentiel/protocol';
import { fetchSession, logout } from '../api/authApi.ts';
import { ApiError, type ApiErrorReason } from '../api/meetingsApi.ts';
import { createConsoleLogger, type Logger } from '../logger.ts';

/** Why there is no session: never signed in (or not known yet), timed out, or signed out here. */
export type SignedOutCause = 'none' | 'expired' | 'signed-out';

export type SessionState =
  /** Not asked yet. */
  | { readonly status: 'unknown' }
  | { readonly status: 'checking' }
  | { readonly status: 'signed-in'; readonly session: SessionResponse }
  | { readonly status: 'signed-out'; readonly cause: SignedOutCause }
  /** The server could not say (network, server error): the page offers to try again. */
  | { readonly status: 'failed'; readonly reason: ApiErrorReason };

/** What the store needs from the auth API; injected so tests drive it. */
export interface SessionApi {
  fetchSession(): Promise<SessionResponse | null>;
  logout(csrfToken: string): Promise<void>;
}

/**
 * The organiser's session as the pages see it, shared by every organiser page
 * so that moving between them does not ask the server again. The session
 * itself is the server's HTTP-only cookie; this holds the account and the
 * CSRF token the server answered.
 */
export class SessionStore {
  #state: SessionState = { status: 'unknown' };
  readonly #listeners = new Set<() => void>();
  readonly #api: SessionApi;
  readonly #logger: Logger;

  constructor(api: SessionApi, logger: Logger) {
    this.#api = api;
    this.#logger = logger;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** For `useSyncExternalStore`. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getState = (): SessionState => this.#state;

  /** Asks the server whether this browser is signed in; one question at a time. */
  async check(): Promise<void> {
    if (this.#state.status === 'checking') {
      return;
    }
    this.#set({ status: 'checking' });
    let next: SessionState;
    try {
      const session = await this.#api.fetchSession();
      next = session ? { status: 'signed-in', session } : { status: 'signed-out', cause: 'none' };
    } catch (error) {
      next = { status: 'failed', reason: error instanceof ApiError ? error.reason : 'internal' };
    }
    // A sign-in or a sign-out that happened meanwhile is newer than this answer.
    if (this.getState().status === 'checking') {
      this.#set(next);
    }
  }

  /** The one-time code step succeeded. */
  signedIn(session: SessionResponse): void {
    this.#set({ status: 'signed-in', session });
  }

  /** The server no longer knows the session (401, or a CSRF refusal): sign in again. */
  expired(): void {
    this.#set({ status: 'signed-out', cause: 'expired' });
  }

  /** Ends the session on the server; the state changes only once the server agreed. */
  async signOut(): Promise<void> {
    const state = this.#state;
    if (state.status !== 'signed-in') {
      return;
    }
    await this.#api.logout(state.session.csrfToken);
    this.#set({ status: 'signed-out', cause: 'signed-out' });
  }

  #set(state: SessionState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        this.#logger.error('session listener failed', error);
      }
    }
  }
}

/** The page's one session store. */
export const sessionStore = new SessionStore(
  { fetchSession: () => fetchSession(), logout: (csrfToken) => logout(csrfToken) },
  createConsoleLogger('session'),
);
