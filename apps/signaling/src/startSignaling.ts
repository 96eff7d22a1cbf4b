import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { SFU_CONTROL_ISSUER } from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { ConfigError, secretBytes, type SignalingConfig } from './config.ts';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createCluster } from './cluster/createCluster.ts';
import { connectAdapterRedis, RedisHealth } from './redis/RedisHealth.ts';
import { createApp } from './http/createApp.ts';
import { createMetrics } from './http/metrics.ts';
import { MetricsListener } from './http/MetricsListener.ts';
import type { MeetingStore } from './meetings/MeetingStore.ts';
import { MeetingStatusHooks } from './meetings/MeetingStatusHooks.ts';
import { createAccounts } from './accounts/createAccounts.ts';
import { CommitteeService } from './committee/CommitteeService.ts';
import { committeeRoutes } from './committee/committeeRoutes.ts';
import { MemoryCommitteeSnapshotStore } from './committee/MemoryCommitteeSnapshotStore.ts';
import { RedisCommitteeSnapshotStore } from './committee/RedisCommitteeSnapshotStore.ts';
import { JournalService } from './committee/JournalService.ts';
import type { ScryptCost } from './crypto/secretHash.ts';
import { createHashGates, type HashGates } from './crypto/hashGates.ts';
import { createStores } from './storage/createStores.ts';
import { RecordingStore } from './recordings/RecordingStore.ts';
import { RetentionSweep } from './retention/RetentionSweep.ts';
import { closeRedis, connectRedis } from './redis/connectRedis.ts';
import { clientAddressResolver } from './http/clientAddress.ts';
import { createSharedState } from './state/createSharedState.ts';
import { createSfuCluster } from './sfu/createSfuCluster.ts';
import type { SfuCluster } from './sfu/SfuCluster.ts';
import { RoomGateway } from './socket/RoomGateway.ts';
import { issueRoomToken, roomKeyId } from './socket/roomTokens.ts';
import { iceConfigIssuer } from './turn/iceServers.ts';

/** Issuer of room tokens. */
export const ROOM_TOKEN_ISSUER = 'confidentiel';

export interface RunningSignaling {
  port: number;
  url: string;
  /** Where Prometheus scrapes (a listener of its own); undefined when METRICS_PORT is off. */
  metricsUrl: string | undefined;
  /** This node's name ('local' on one node). */
  nodeId: string;
  /**
   * A graceful stop: the meetings this node owns go to the other nodes (the
   * browsers reconnect there and recover). Then `close()`.
   */
  handOver(): Promise<void>;
  meetings: MeetingStore;
  tokens: TokenService;
  /** Its media servers (placement, hosts). */
  sfu: SfuCluster;
  close(): Promise<void>;
}

export interface SignalingDeps {
  logger?: Logger;
  meetings?: MeetingStore;
  /** scrypt cost of passwords and passcodes (tests make it cheap). */
  passwordCost?: ScryptCost;
  /** Gates of password and passcode hashes; made from the config's concurrencies when absent. */
  hashGates?: HashGates;
}

/** Passcodes are 8 random digits behind a guess limit: a lighter scrypt than passwords (32 MiB). */
const PASSCODE_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };

/** Wires signaling together: HTTP API, Socket.IO gateway and the SFU control client. */
export async function startSignaling(
  config: SignalingConfig,
  deps: SignalingDeps = {},
): Promise<RunningSignaling> {
  const logger =
    deps.logger ?? pino({ name: 'signaling', level: config.LOG_LEVEL, base: { service: 'signaling' } });
  // Previous secrets verify during a rotation; the current one (last) signs.
  const roomSecrets = [
    ...config.previousTokenSecrets.map((secret) => secretBytes('TOKEN_SECRETS_PREVIOUS', secret)),
    config.TOKEN_SECRET ? secretBytes('TOKEN_SECRET', config.TOKEN_SECRET) : randomBytes(32),
  ];
  const tokens = new TokenService({
    keys: new KeyRing(roomSecrets.map((secret) => ({ kid: roomKeyId(secret), secret }))),
    issuer: ROOM_TOKEN_ISSUER,
  });
  const controlTokens = new TokenService({
    keys: new KeyRing([
      { kid: 'control', secret: secretBytes('SFU_CONTROL_SECRET', config.SFU_CONTROL_SECRET) },
    ]),
    issuer: SFU_CONTROL_ISSUER,
  });
  const clientAddress = clientAddressResolver(config.TRUST_PROXY);
  // First: a journal key that cannot be read or made stops the start before anything opens.
  const journals = await JournalService.create({
    directory: config.journalDir,
    keyPath: config.journalKeyPath,
    tsaUrl: config.TSA_URL,
    tsaEvery: config.TSA_EVERY,
    logger,
  }).catch((error: unknown) => {
    throw new ConfigError(
      `invalid signaling configuration:\n  JOURNAL_KEY_PATH: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  // The SQLite file, or PostgreSQL when DATABASE_URL is set.
  const stores = await createStores(config, { logger }).catch(async (error: unknown) => {
    await journals.close();
    throw error;
  });
  const meetings = deps.meetings ?? stores.meetings;
  const invites = stores.invites;
  const recordings = new RecordingStore({
    index: stores.recordings,
    directory: join(config.DATA_DIR, 'recordings'),
  });
  // Room state, revocations, admissions, rate limits: in Redis, shared by every node, when
  // REDIS_URL is set; else in this process. Shared by the room gateway and the HTTP routes
  // too: a removed member's token opens neither, recordings answer only members a host let in.
  const redis =
    config.REDIS_URL === undefined
      ? undefined
      : await connectRedis({ url: config.REDIS_URL, logger }).catch(async (error: unknown) => {
          await stores.close();
          await journals.close();
          throw error;
        });
  // Several nodes: one owner per meeting (leases with fences), a bus between nodes, heartbeats,
  // sessions replicated for a takeover, and Socket.IO fan-out through Redis streams.
  const nodeId = config.NODE_ID ?? `node-${randomBytes(4).toString('hex')}`;
  const cluster = redis === undefined ? undefined : await createCluster({ redis, nodeId, logger });
  // The Socket.IO adapter reads its Redis stream in a loop that retries at once on an error: with
  // our client (which fails commands at once while Redis is away) it would spin and starve the
  // event loop. It gets a client of its own that queues commands until Redis is back.
  const adapterRedis =
    redis === undefined
      ? undefined
      : await connectAdapterRedis(redis, logger).catch(async (error: unknown) => {
          await stores.close();
          await journals.close();
          throw error;
        });
  // Ready only while Redis answers: a frozen Redis keeps its connection open (isReady stays true).
  const redisHealth = redis === undefined ? undefined : new RedisHealth(redis, logger);
  const shared = createSharedState({
    redis,
    logger,
    ...(cluster ? { fence: (roomId: string) => cluster.leases.fenceOf(roomId) } : {}),
  });
  const {
    roomState: state,
    revocations,
    admissions,
    roleOverrides,
    endedMeetings,
    rateLimiters,
    heldOut,
    mls,
  } = shared;
  // One pair for the process: every hash shares libuv's one thread pool.
  const hashGates =
    deps.hashGates ??
    createHashGates({
      passwords: config.PASSWORD_HASH_CONCURRENCY,
      passcodes: config.PASSCODE_HASH_CONCURRENCY,
    });
  const accounts = createAccounts({
    store: stores.accounts,
    logger,
    secureCookies: config.SECURE_COOKIES,
    allowedOrigins: config.allowedOrigins,
    clientAddress,
    ...(deps.passwordCost ? { passwordCost: deps.passwordCost } : {}),
    hashGate: hashGates.passwords,
    limits: { failedSignIns: { points: config.SIGN_IN_FAILURES_PER_MINUTE, durationS: 60 } },
    rateLimiters,
  });
  const metrics = createMetrics(state);
  const { agenda, minutes } = stores;
  const committees = new CommitteeService({
    meetings,
    agenda,
    minutes,
    journals,
    state,
    logger,
    // Each committee room's state, for the node that takes its meeting over (fenced by its lease).
    snapshots:
      redis === undefined ? new MemoryCommitteeSnapshotStore() : new RedisCommitteeSnapshotStore({ redis }),
    ...(cluster ? { fenceOf: (roomId: string) => cluster.leases.fenceOf(roomId) } : {}),
  });
  // Each meeting's status follows its room (scheduled, live, ended): the rooms report arrivals,
  // departures and ends through the committee hooks, which these wrap.
  const roomHooks = new MeetingStatusHooks({
    inner: committees,
    meetings,
    memberCount: async (roomId) => (await state.members(roomId)).length,
    logger,
  });
  // Redis came back empty: each owner writes its rooms and committee rooms back under its
  // re-established lease (the room gateway writes its members' sessions back).
  cluster?.leases.on('reestablished', (roomId) => {
    void shared.reestablished(roomId);
    committees.reestablished(roomId);
  });
  // The SFU hosts (SFU_URLS or SFU_URL, and with Redis those that register): each meeting placed
  // on one, spilling over to others when full; only the meeting's owner acts on its media events.
  const ownership: { owns?: (roomId: string) => boolean } = {};
  const sfu = createSfuCluster({
    sfuUrls: config.sfuUrls,
    maxMembersPerHost: config.SFU_MAX_MEMBERS_PER_HOST,
    lossMs: config.SFU_HOST_LOSS_MS,
    controlTokens,
    redis,
    owns: (roomId) => ownership.owns?.(roomId) ?? false,
    logger,
  });
  const app = createApp({
    meetings,
    invites,
    accounts,
    allowOpenMeetings: config.ALLOW_OPEN_MEETINGS,
    passcodeCost: deps.passwordCost ?? PASSCODE_COST,
    passcodeGate: hashGates.passcodes,
    clientAddress,
    rateLimiters,
    tokens,
    sfu,
    ...(redisHealth ? { redisReady: () => redisHealth.ready } : {}),
    metrics,
    logger,
    joinTokenTtl: config.JOIN_TOKEN_TTL,
    webDist: config.WEB_DIST,
    recordings,
    revocations,
    roleOverride: (memberId) => roleOverrides.get(memberId),
    isAdmitted: (roomId, memberId) => admissions.isAdmitted(roomId, memberId),
    committeeRoutes: committeeRoutes({
      meetings,
      agenda,
      journals,
      tokens,
      requireAccount: accounts.requireAccount,
      hasSession: (meetingId) => committees.sessionUnderWay(meetingId),
      roleOverride: (memberId) => roleOverrides.get(memberId),
      recordings,
      logger,
    }),
  });
  const http = createServer(app);
  const gateway = new RoomGateway({
    http,
    allowedOrigins: config.allowedOrigins,
    tokens,
    meetings,
    state,
    sfu,
    metrics,
    logger,
    logIpAddresses: config.LOG_IP_ADDRESSES,
    clientAddress,
    revocations,
    admissions,
    roleOverrides,
    endedMeetings,
    heldOut,
    mls,
    rateLimiters,
    issueToken: (identity, role) =>
      issueRoomToken(
        tokens,
        {
          sub: identity.sub,
          room: identity.room,
          name: identity.name,
          role,
          lobby: identity.lobby,
          invite: identity.invite,
        },
        config.JOIN_TOKEN_TTL,
      ),
    inviteRevoked: (inviteId) => invites.isRevoked(inviteId),
    onRemoved: async (identity) => {
      // A personal link is revoked with its holder; a shared link would lock out the others.
      if (identity.invite === undefined) {
        return;
      }
      const invite = await invites.get(identity.invite);
      if (invite && invite.label !== null) {
        await invites.revoke(identity.room, identity.invite);
      }
    },
    // Longer than any token lives (JOIN_TOKEN_TTL is at most 10 minutes, refreshed).
    revocationMs: 24 * 60 * 60 * 1000,
    committee: roomHooks,
    ...(cluster
      ? {
          cluster: {
            ...cluster,
            adapter: createAdapter(adapterRedis),
            takeOver: (roomId: string) => committees.takeOver(roomId),
            lost: (roomId: string) => committees.drop(roomId),
          },
        }
      : {}),
    iceConfig: iceConfigIssuer({
      turnUrls: config.turnUrls,
      secret: config.TURN_SECRET,
      ttlSeconds: config.TURN_CREDENTIAL_TTL,
      policy: config.ICE_TRANSPORT_POLICY,
    }),
  });
  ownership.owns = (roomId) => gateway.owns(roomId);
  gateway.wireSfuEvents();
  // Metrics never on the public port: on their own listener, if the operator asked for one.
  const metricsListener =
    config.METRICS_PORT === 'off'
      ? undefined
      : await MetricsListener.start({
          registry: metrics.registry,
          host: config.METRICS_HOST,
          port: config.METRICS_PORT,
          logger,
        });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.PORT, config.HOST, () => resolve());
  }).catch(async (error: unknown) => {
    await metricsListener?.close();
    throw error;
  });
  const port = (http.address() as AddressInfo).port;
  // The operator's retention of recordings and journals: at start, then every hour (off when 0).
  const retention = new RetentionSweep({
    recordings: {
      days: config.RECORDING_RETENTION_DAYS,
      deleteBefore: (before, limit) => recordings.deleteFinishedBefore(before, limit),
    },
    journals: {
      days: config.JOURNAL_RETENTION_DAYS,
      // A meeting under way keeps its journals: its session may be continued (a takeover).
      deleteBefore: (before, limit) =>
        journals.deleteClosedBefore(
          before,
          limit,
          async (meetingId) => (await meetings.get(meetingId))?.status === 'live',
        ),
    },
    logger,
  });
  retention.start();
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  logger.info(
    {
      port,
      host: config.HOST,
      turnUrls: config.turnUrls,
      iceTransportPolicy: config.ICE_TRANSPORT_POLICY,
      metricsPort: metricsListener?.port ?? 'off',
      database: stores.engine,
      roomState: shared.kind,
      node: gateway.nodeId,
    },
    'signaling ready',
  );

  let closed = false;
  return {
    port,
    url: `http://${host}:${port}`,
    metricsUrl: metricsListener?.url,
    meetings,
    tokens,
    sfu,
    nodeId: gateway.nodeId,
    handOver: async () => {
      await committees.handOver();
      await gateway.handOver();
    },
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      await retention.close();
      sfu.close();
      await gateway.close();
      await cluster?.close();
      redisHealth?.close();
      http.closeAllConnections();
      await metricsListener?.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      // After the sockets: their departures are journaled before the journals close.
      await committees.close();
      // The departures' status steps, before the stores close.
      await roomHooks.close();
      await journals.close();
      accounts.close();
      await stores.close();
      // Last: the departures above wrote to it.
      await shared.close();
      if (adapterRedis) {
        await closeRedis(adapterRedis);
      }
      if (redis) {
        await closeRedis(redis);
      }
    },
  };
}
