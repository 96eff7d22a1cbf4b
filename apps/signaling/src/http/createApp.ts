import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import {
  createMeetingRequestSchema,
  invalidPayloadBody,
  joinTokenRequestSchema,
  meetingIdSchema,
  type ErrorBody,
  type MemberRole,
} from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import type { HashGate } from '../crypto/HashGate.ts';
import type { ScryptCost } from '../crypto/secretHash.ts';
import type { ClientAddressOf } from './clientAddress.ts';
import type { InviteStore } from '../invites/InviteStore.ts';
import type { MeetingStore } from '../meetings/MeetingStore.ts';
import { organiserRoutes } from '../organiser/organiserRoutes.ts';
import { recordingRoutes } from '../recordings/recordingRoutes.ts';
import type { RecordingStore } from '../recordings/RecordingStore.ts';
import type { Revocations } from '../rooms/Revocations.ts';
import type { SfuClient } from '../sfu/SfuClient.ts';
import { issueRoomToken } from '../socket/roomTokens.ts';
import type { RateLimiterFactory } from '../state/RateLimiterFactory.ts';
import { refuseUnreadableBody } from './bodyRefusal.ts';
import type { Metrics } from './metrics.ts';
import { securityHeaders } from './securityHeaders.ts';
import { hasWebApp, webPages } from './webPages.ts';
import { refuse } from './refuse.ts';

export interface AppDeps {
  meetings: MeetingStore;
  invites: InviteStore;
  /** Organiser accounts: sign-in, enrolment, and the session guard for organiser routes. */
  accounts: { router: express.Router; requireAccount: express.RequestHandler };
  /** Anyone may create an open meeting without an account. */
  allowOpenMeetings: boolean;
  /** scrypt cost of invite passcodes (8 random digits behind a guess limit). */
  passcodeCost?: ScryptCost;
  /** The gate of passcode hashes (HashGates.passcodes); one of the organiser routes' own when absent. */
  passcodeGate?: HashGate;
  clientAddress?: ClientAddressOf;
  /** Where the passcode limiters are made (shared by every node with Redis); in memory when absent. */
  rateLimiters?: RateLimiterFactory;
  /** Committee recordings: sealed chunks and chapters (ciphertext only). */
  recordings: RecordingStore;
  /** Removed members' tokens, shared with the room gateway. */
  revocations?: Revocations;
  /** Roles a moderator changed since a token was issued (the room gateway's). */
  roleOverride?: (memberId: string) => Promise<MemberRole | undefined>;
  /** Whether a member was let into the meeting (the room gateway's admissions). */
  isAdmitted: (roomId: string, memberId: string) => Promise<boolean>;
  tokens: TokenService;
  sfu: SfuClient;
  /** Whether Redis answers (several nodes); absent on one node. */
  redisReady?: () => boolean;
  metrics: Metrics;
  logger: Logger;
  joinTokenTtl: number;
  webDist?: string | undefined;
  /**
   * Committee routes (agenda, session journals, journal public key), mounted
   * at `/api` before the API's own body parser (agendas exceed its 16 KB).
   */
  committeeRoutes?: express.Router;
}

/** One answer for "no such meeting" and "not allowed": the two must look the same from outside. */
const notFound: ErrorBody = { reason: 'room-not-found', message: 'room not found' };

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // `/API/...` or `/HEALTHZ` are not ours: paths match exactly as written, as
  // they do in the proxy in front (infra/nginx), so the two agree on every path.
  app.set('case sensitive routing', true);
  app.use(securityHeaders);

  const api = express.Router({ caseSensitive: true });
  api.use(express.json({ limit: '16kb', strict: true }));

  api.get('/config', (_req, res) => {
    res.json({ openMeetings: deps.allowOpenMeetings });
  });

  api.post('/meetings', async (req, res) => {
    if (!deps.allowOpenMeetings) {
      refuse(res, 403, {
        reason: 'forbidden',
        message: 'meetings are created by organisers (open meetings are off)',
      });
      return;
    }
    const body = createMeetingRequestSchema.safeParse(req.body ?? {});
    if (!body.success) {
      refuse(res, 400, invalidPayloadBody(body.error));
      return;
    }
    const meeting = await deps.meetings.create(body.data.title);
    deps.metrics.meetingsCreated.inc();
    res.status(201).json({ meetingId: meeting.id, joinPath: `/m/${meeting.id}` });
  });

  // The join page of an open meeting asks first, so that a link to no meeting shows a dead end
  // rather than a form that can only fail. Says no more than a join token would.
  api.get('/meetings/:meetingId', async (req, res) => {
    const id = meetingIdSchema.safeParse(req.params.meetingId);
    const meeting = id.success ? await deps.meetings.get(id.data) : undefined;
    if (!meeting || meeting.ownerId !== null) {
      refuse(res, 404, notFound);
      return;
    }
    res.json({ meetingId: meeting.id });
  });

  api.post('/meetings/:meetingId/join-tokens', async (req, res) => {
    const id = meetingIdSchema.safeParse(req.params.meetingId);
    const meeting = id.success ? await deps.meetings.get(id.data) : undefined;
    // Only open meetings hand out tokens to anyone with the id; an organiser's needs an invite.
    if (!meeting || meeting.ownerId !== null) {
      refuse(res, 404, notFound);
      return;
    }
    const body = joinTokenRequestSchema.safeParse(req.body);
    if (!body.success) {
      refuse(res, 400, invalidPayloadBody(body.error));
      return;
    }
    // An open meeting: everyone a participant, no lobby.
    const { token, expiresAt } = issueRoomToken(
      deps.tokens,
      { room: meeting.id, name: body.data.displayName, role: 'participant', lobby: false },
      deps.joinTokenTtl,
    );
    res.status(201).json({ token, expiresAt });
  });

  api.use(deps.accounts.router);
  api.use(
    organiserRoutes({
      meetings: deps.meetings,
      invites: deps.invites,
      tokens: deps.tokens,
      requireAccount: deps.accounts.requireAccount,
      joinTokenTtl: deps.joinTokenTtl,
      logger: deps.logger,
      ...(deps.passcodeCost ? { passcodeCost: deps.passcodeCost } : {}),
      ...(deps.passcodeGate ? { passcodeGate: deps.passcodeGate } : {}),
      ...(deps.clientAddress ? { clientAddress: deps.clientAddress } : {}),
      ...(deps.rateLimiters ? { rateLimiters: deps.rateLimiters } : {}),
    }),
  );
  api.use(
    recordingRoutes({
      store: deps.recordings,
      tokens: deps.tokens,
      meetings: deps.meetings,
      logger: deps.logger,
      ...(deps.revocations ? { revocations: deps.revocations } : {}),
      ...(deps.roleOverride ? { roleOverride: deps.roleOverride } : {}),
      isAdmitted: deps.isAdmitted,
    }),
  );
  api.use((_req, res) => refuse(res, 404, { reason: 'not-found', message: 'no such endpoint' }));
  if (deps.committeeRoutes) {
    app.use('/api', deps.committeeRoutes);
  }
  app.use('/api', api);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const sfu = deps.sfu.connected;
    const redis = deps.redisReady?.();
    const ready = sfu && redis !== false;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'degraded',
      sfu: sfu ? 'up' : 'down',
      ...(redis === undefined ? {} : { redis: redis ? 'up' : 'down' }),
    });
  });
  // No /metrics here: metrics have a listener of their own (METRICS_PORT), off the public port.

  if (hasWebApp(deps.webDist)) {
    app.use(webPages(deps.webDist));
  }

  app.use((_req, res) => refuse(res, 404, { reason: 'not-found', message: 'not found' }));
  // express needs the 4-argument signature to recognise an error handler.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (refuseUnreadableBody(error, res, deps.logger)) {
      return;
    }
    deps.logger.error({ err: error }, 'HTTP request failed');
    refuse(res, 500, { reason: 'internal', message: 'internal error' });
  });
  return app;
}
