import { clientAddressResolver, type ClientAddressOf } from '../http/clientAddress.ts';
import { refuseUnreadableBody } from '../http/bodyRefusal.ts';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { z } from 'zod';
import {
  accountInvitationRequestSchema,
  describeIssue,
  enrolmentCompleteRequestSchema,
  enrolmentStartRequestSchema,
  loginRequestSchema,
  oneTimeCodeRequestSchema,
  SESSION_COOKIE,
} from '@confidentiel/protocol';
import { MemoryRateLimiterFactory, type RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { AccountError } from './AccountError.ts';
import { SESSION_ABSOLUTE_MS, type AccountService } from './AccountService.ts';
import { sendRefusal } from './httpRefusal.ts';
import { SignInBudget } from './SignInBudget.ts';
import { originAllowed, requireAccount, requireAdmin, sessionOf } from './requireAccount.ts';
import { refuse } from '../http/refuse.ts';

export interface RateLimit {
  points: number;
  durationS: number;
}

/** Attempts allowed per client address (never logged) or per email, per time window. */
export interface AccountRateLimits {
  loginPerIp: RateLimit;
  loginPerEmail: RateLimit;
  oneTimeCodePerIp: RateLimit;
  enrolmentPerIp: RateLimit;
  /** Failed password checks across all addresses and emails (see SignInBudget). */
  failedSignIns: RateLimit;
}

export const ACCOUNT_RATE_LIMITS: AccountRateLimits = {
  loginPerIp: { points: 10, durationS: 60 },
  // The lockout already stops guessing one account's password; this caps the
  // attempts on one email spread over many addresses.
  loginPerEmail: { points: 10, durationS: 15 * 60 },
  oneTimeCodePerIp: { points: 10, durationS: 60 },
  enrolmentPerIp: { points: 10, durationS: 60 },
  // Three addresses at their own limit spend it; organisers mistyping a password are far below.
  failedSignIns: { points: 30, durationS: 60 },
};

export interface AccountRoutesOptions {
  /** The client's address for per-address limits (the socket's, unless a trusted proxy says). */
  clientAddress?: ClientAddressOf;
  accounts: AccountService;
  logger: Logger;
  /** Mark the session cookie `Secure` (behind HTTPS; off only for plain-HTTP development). */
  secureCookies: boolean;
  /** Origins a browser may send state-changing requests from (never `*`). */
  allowedOrigins: readonly string[];
  limits?: Partial<AccountRateLimits>;
  /** Where the limiters are made: shared by every node (Redis), or this process's own (the default). */
  rateLimiters?: RateLimiterFactory;
}

/** Where the web app's enrolment page is; the token stays in the fragment, out of server logs. */
export const ENROL_PAGE = '/inscription';

export function enrolPath(token: string): string {
  return `${ENROL_PAGE}#t=${token}`;
}

/**
 * The account API, to mount at `/api`: sign-in in two steps, the session,
 * sign-out, invitations (admins) and enrolment. Every body is checked against
 * the protocol's schemas; every refusal is `{reason, message}`.
 */
export function accountRoutes(options: AccountRoutesOptions): express.Router {
  const { accounts, logger } = options;
  const clientAddress = options.clientAddress ?? clientAddressResolver(false);
  const limits = { ...ACCOUNT_RATE_LIMITS, ...options.limits };
  const rateLimiters = options.rateLimiters ?? new MemoryRateLimiterFactory();
  const limiter = (name: keyof AccountRateLimits) =>
    rateLimiters.create(`accounts-${name}`, {
      points: limits[name].points,
      duration: limits[name].durationS,
    });
  const loginPerEmail = limiter('loginPerEmail');
  const failedSignIns = new SignInBudget(limits.failedSignIns, rateLimiters);
  const sessionGuard = { allowedOrigins: options.allowedOrigins };
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'strict' as const,
    path: '/',
    secure: options.secureCookies,
  };

  // Only on this router's routes: other `/api` routes are not this router's to judge.
  const json = express.json({ limit: '16kb', strict: true });
  const common = [noStore, sameOriginOnly(options.allowedOrigins)];

  const router = express.Router();

  router.post(
    '/auth/login',
    ...common,
    limitPerIp(limiter('loginPerIp'), clientAddress),
    json,
    async (req: Request, res: Response) => {
      const body = parse(loginRequestSchema, req.body);
      await consume(loginPerEmail, body.email);
      const challenge = await failedSignIns.attempt(() => accounts.login(body.email, body.password));
      res.json({ step: 'one-time-code', challenge });
    },
  );

  router.post(
    '/auth/one-time-code',
    ...common,
    limitPerIp(limiter('oneTimeCodePerIp'), clientAddress),
    json,
    async (req: Request, res: Response) => {
      const body = parse(oneTimeCodeRequestSchema, req.body);
      const { sessionId, session } = await accounts.completeLogin(body.challenge, body.code);
      res.cookie(SESSION_COOKIE, sessionId, { ...cookieOptions, maxAge: SESSION_ABSOLUTE_MS });
      res.json(session);
    },
  );

  router.get(
    '/auth/session',
    noStore,
    requireAccount(accounts, sessionGuard),
    async (_req: Request, res: Response) => {
      res.json(await accounts.describeSession(sessionOf(res)));
    },
  );

  router.post(
    '/auth/logout',
    noStore,
    requireAccount(accounts, sessionGuard),
    async (_req: Request, res: Response) => {
      await accounts.logout(sessionOf(res));
      res.clearCookie(SESSION_COOKIE, cookieOptions);
      res.status(204).end();
    },
  );

  router.post(
    '/admin/account-invitations',
    noStore,
    requireAdmin(accounts, sessionGuard),
    json,
    async (req: Request, res: Response) => {
      const body = parse(accountInvitationRequestSchema, req.body);
      const { token, expiresAt } = await accounts.invite(body, sessionOf(res).account.accountId);
      res.status(201).json({ enrolPath: enrolPath(token), expiresAt });
    },
  );

  const enrolmentPerIp = limitPerIp(limiter('enrolmentPerIp'), clientAddress);

  router.post('/enrolment/start', ...common, enrolmentPerIp, json, async (req: Request, res: Response) => {
    const body = parse(enrolmentStartRequestSchema, req.body);
    res.json(await accounts.startEnrolment(body.token));
  });

  router.post('/enrolment/complete', ...common, enrolmentPerIp, json, async (req: Request, res: Response) => {
    const body = parse(enrolmentCompleteRequestSchema, req.body);
    const { recoveryCodes } = await accounts.completeEnrolment(body.token, body.password, body.code);
    res.status(201).json({ recoveryCodes });
  });

  // express needs the 4-argument signature to recognise an error handler.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AccountError) {
      sendRefusal(res, error);
      return;
    }
    if (refuseUnreadableBody(error, res, logger)) {
      return;
    }
    logger.error({ err: error }, 'account request failed');
    refuse(res, 500, { reason: 'internal', message: 'internal error' });
  });

  return router;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new AccountError('invalid-payload', describeIssue(result.error));
  }
  return result.data;
}

/** Answers with secrets (challenges, CSRF tokens, TOTP secrets) must not be cached anywhere. */
function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/**
 * A browser names the page a request comes from; a state-changing request
 * from a page elsewhere is cross-site request forgery (login CSRF included).
 */
function sameOriginOnly(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (!originAllowed(req, allowedOrigins)) {
      sendRefusal(res, new AccountError('csrf', 'request from an origin that is not allowed'));
      return;
    }
    next();
  };
}

/** Per client address (the socket's, or what the operator's trusted proxy says). */
function limitPerIp(limiter: RateLimiterAbstract, clientAddress: ClientAddressOf): RequestHandler {
  return async (req, _res, next) => {
    await consume(limiter, clientAddress(req));
    next();
  };
}

async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      throw AccountError.rateLimited(error.msBeforeNext);
    }
    throw error;
  }
}
