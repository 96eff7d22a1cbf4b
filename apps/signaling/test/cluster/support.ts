/**
 * Several signaling nodes in this process, sharing a real Redis, a real
 * PostgreSQL and a real SFU: members of one meeting connect to different
 * nodes, as a round-robin proxy would spread them.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { PROTOCOL_VERSION, type MemberRole } from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { loadSignalingConfig } from '../../src/config.ts';
import { ROOM_TOKEN_ISSUER, startSignaling, type RunningSignaling } from '../../src/startSignaling.ts';
import {
  attemptConnect,
  captureLogger,
  okData,
  ORIGIN,
  recordEvents,
  request,
  roomKeyId,
  startTestSfu,
  TEST_IDENTITY,
  type ClientSocket,
  type SfuHarness,
} from '../support/harness.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgresServer.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import { issueToken, type IssuedToken } from '../security/support.ts';

export interface TestNode {
  id: string;
  signaling: RunningSignaling;
}

export interface ClusterPerson {
  memberId: string;
  token: IssuedToken;
  socket: ClientSocket;
  events: Map<string, unknown[]>;
  status: 'joined' | 'waiting';
  node: TestNode;
}

export interface TestCluster {
  sfu: SfuHarness;
  redis: RedisServer;
  postgres: PostgresServer;
  redisClient: RedisClientType;
  nodes: TestNode[];
  roomTokens: TokenService;
  /** The DATA_DIR every node shares (journal key, `journals/<meeting>/<session>.jsonl`). */
  dataDir: string;
  /** The PostgreSQL database every node shares (DATABASE_URL). */
  databaseUrl: string;
  /** An organiser's meeting (no early entry unless asked). */
  meeting(options?: { allowEarlyEntry?: boolean; kind?: 'meeting' | 'committee' }): Promise<string>;
  /** Connects to `node` with a crafted token and joins. */
  arrive(
    node: TestNode,
    room: string,
    claims: { name: string; role?: MemberRole; lobby?: boolean },
  ): Promise<ClusterPerson>;
  /** Connects to `node` again with the same token and asks to join: the refusal reason, or 'joined'/'waiting'. */
  rejoin(node: TestNode, person: ClusterPerson): Promise<string>;
  /** The node id that holds the meeting's lease in Redis. */
  ownerOf(room: string): Promise<string | null>;
  close(): Promise<void>;
}

export async function startTestCluster(count = 3): Promise<TestCluster> {
  const sfu = await startTestSfu();
  const redis = await startRedisServer();
  const postgres = await startPostgresServer();
  const databaseUrl = await postgres.createDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'cluster-'));
  const tokenSecret = randomBytes(32).toString('hex');
  const nodes: TestNode[] = [];
  for (let i = 1; i <= count; i++) {
    const id = `node-${i}`;
    const config = loadSignalingConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      ALLOWED_ORIGINS: ORIGIN,
      SFU_URL: `http://127.0.0.1:${sfu.sfu.controlPort}`,
      SFU_CONTROL_SECRET: sfu.secret,
      TOKEN_SECRET: tokenSecret,
      LOG_LEVEL: 'debug',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      NODE_ID: id,
    });
    nodes.push({ id, signaling: await startSignaling(config, { logger: captureLogger(id).logger }) });
  }
  const redisClient = createClient({ url: redis.url }) as RedisClientType;
  redisClient.on('error', () => undefined);
  await redisClient.connect();
  const secret = Buffer.from(tokenSecret, 'hex');
  const roomTokens = new TokenService({
    keys: new KeyRing([{ kid: roomKeyId(secret), secret }]),
    issuer: ROOM_TOKEN_ISSUER,
  });
  const sockets: ClientSocket[] = [];
  return {
    sfu,
    redis,
    postgres,
    redisClient,
    nodes,
    roomTokens,
    dataDir,
    databaseUrl,
    async meeting(options = {}) {
      const made = await nodes[0]!.signaling.meetings.createForOrganiser('account-owner-0001', {
        title: 'Conseil',
        kind: options.kind ?? 'meeting',
        startsAt: Date.now(),
        allowEarlyEntry: options.allowEarlyEntry ?? false,
      });
      return made.id;
    },
    async arrive(node, room, claims) {
      const token = issueToken(roomTokens, { room, ...claims });
      const outcome = await attemptConnect(node.signaling.url, {
        auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
      });
      sockets.push(outcome.socket);
      if (outcome.kind !== 'connected') {
        throw new Error(`${claims.name} could not connect to ${node.id}: ${outcome.kind}`);
      }
      const events = recordEvents(outcome.socket);
      const answer = okData(await request(outcome.socket, 'join', { identity: TEST_IDENTITY }));
      return {
        memberId: token.memberId,
        token,
        socket: outcome.socket,
        events,
        status: answer.status,
        node,
      };
    },
    async rejoin(node, person) {
      const outcome = await attemptConnect(node.signaling.url, {
        auth: { token: person.token.token, protocolVersion: PROTOCOL_VERSION },
      });
      sockets.push(outcome.socket);
      if (outcome.kind !== 'connected') {
        return outcome.kind;
      }
      const ack = await request(outcome.socket, 'join', { identity: TEST_IDENTITY });
      outcome.socket.close();
      return ack.ok ? ack.data.status : ack.error.reason;
    },
    ownerOf: (room) => redisClient.get(`meeting:${room}:owner`),
    async close() {
      for (const socket of sockets) {
        socket.close();
      }
      for (const node of nodes) {
        await node.signaling.close().catch(() => undefined);
      }
      await redisClient.quit().catch(() => undefined);
      await sfu.close();
      await redis.stop();
      await postgres.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every bot shares 127.0.0.1, which a population of browsers would not: its per-address budgets are reset. */
export async function resetAddressLimits(redis: RedisClientType): Promise<void> {
  for (const prefix of ['address-connections', 'address-requests']) {
    for await (const keys of redis.scanIterator({ MATCH: `*${prefix}*`, COUNT: 100 })) {
      if (keys.length > 0) {
        await redis.del(keys);
      }
    }
  }
}
