import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CSRF_HEADER, SESSION_COOKIE, type AccountInfo } from '@confidentiel/protocol';
import { AccountError } from './AccountError.ts';
import type { AccountService, ActiveSession } from './AccountService.ts';
import { sameSecret } from './accountSecrets.ts';
import { sendRefusal } from './httpRefusal.ts';

/** Methods that change nothing: no CSRF token needed. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Session ids are 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface RequireAccountOptions {
  /** Origins a browser may send state-changing requests from (never `*`). */
  allowedOrigins: readonly string[];
}

/** The session behind each authenticated response (set by requireAccount). */
const sessions = new WeakMap<Response, ActiveSession>();

/**
 * Lets a request through only with a live session cookie; for methods that
 * change state, also the session's CSRF token in `x-csrf-token` and, when the
 * browser says where the request comes from, an allowed Origin. Sets
 * `res.locals.account` (AccountInfo) and pushes the session's idle end back.
 */
export function requireAccount(accounts: AccountService, options: RequireAccountOptions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (await authenticate(accounts, options, req, res)) {
      next();
    }
  };
}

/** requireAccount, and the account must be an administrator (403 `forbidden` otherwise). */
export function requireAdmin(accounts: AccountService, options: RequireAccountOptions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = await authenticate(accounts, options, req, res);
    if (!session) {
      return;
    }
    if (session.account.role !== 'admin') {
      sendRefusal(res, new AccountError('forbidden', 'administrators only'));
      return;
    }
    next();
  };
}

/** The signed-in account of a request that went through requireAccount or requireAdmin. */
export function accountOf(res: Response): AccountInfo {
  return sessionOf(res).account;
}

/** The session of a request that went through requireAccount or requireAdmin. */
export function sessionOf(res: Response): ActiveSession {
  const session = sessions.get(res);
  if (!session) {
    throw new Error('sessionOf: the route is not behind requireAccount');
  }
  return session;
}

/** True when the request carries no Origin (not a cross-site browser request) or an allowed one. */
export function originAllowed(req: Request, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowedOrigins.includes(origin);
}

/** The value of cookie `name` in a Cookie header (the first one, percent-decoded). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) {
    return undefined;
  }
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) {
      continue;
    }
    let value = pair.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1);
    }
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The request's live session, or undefined after answering the refusal. */
async function authenticate(
  accounts: AccountService,
  options: RequireAccountOptions,
  req: Request,
  res: Response,
): Promise<ActiveSession | undefined> {
  const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
  const session =
    sessionId !== undefined && SESSION_ID.test(sessionId) ? await accounts.findSession(sessionId) : undefined;
  if (!session) {
    sendRefusal(res, new AccountError('unauthorized', 'sign in first'));
    return undefined;
  }
  if (!SAFE_METHODS.has(req.method)) {
    if (!originAllowed(req, options.allowedOrigins)) {
      sendRefusal(res, new AccountError('csrf', 'request from an origin that is not allowed'));
      return undefined;
    }
    const token = req.get(CSRF_HEADER);
    if (token === undefined || !sameSecret(token, session.csrfToken)) {
      sendRefusal(res, new AccountError('csrf', `missing or wrong ${CSRF_HEADER} header`));
      return undefined;
    }
  }
  await accounts.touchSession(session);
  res.locals.account = session.account;
  sessions.set(res, session);
  return session;
}
