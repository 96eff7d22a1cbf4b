/**
 * Issue 12 with REDIS_URL: several signaling nodes agree on where each
 * meeting (and member) is, whoever places it first; SFU hosts register
 * themselves with their load, and signaling finds them there; a host that
 * knows its own URL opens only to tokens made for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClientType } from 'redis';
import {
  PROTOCOL_VERSION,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_HOST_CLAIM,
  SFU_CONTROL_NAMESPACE,
  SFU_HOSTS_KEY,
  sfuHostKey,
  sfuHostRecordSchema,
} from '@confidentiel/protocol';
import { createSfuCluster } from '../../src/sfu/createSfuCluster.ts';
import type { SfuCluster } from '../../src/sfu/SfuCluster.ts';
import { attemptConnect, captureLogger, unknownMeetingId, waitFor } from '../support/harness.ts';
import { startRedisServer, type RedisServer } from '../support/redisServer.ts';
import {
  allLive,
  clusterOver,
  controlSecret,
  controlTokens,
  hostsWithRoom,
  preload,
  startHost,
  type TestHost,
} from './support.ts';

let redis: RedisServer;
let secret: string;
const clients: RedisClientType[] = [];
const clusters: SfuCluster[] = [];
const hosts: TestHost[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  secret = controlSecret();
}, 30_000);

afterAll(async () => {
  for (const cluster of clusters) {
    cluster.close();
  }
  for (const host of hosts) {
    await host.close();
  }
  for (const client of clients) {
    await client.close().catch(() => undefined);
  }
  await redis?.stop();
});

async function redisClient(): Promise<RedisClientType> {
  const client = createClient({ url: redis.url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

async function host(options: Parameters<typeof startHost>[1] = {}): Promise<TestHost> {
  const started = await startHost(secret, options);
  hosts.push(started);
  return started;
}

/** One signaling node's view of the hosts (its SfuCluster), placements in Redis or not. */
async function node(over: TestHost[], shared: boolean): Promise<SfuCluster> {
  const { cluster } = clusterOver(over, secret, shared ? { redis: await redisClient() } : {});
  clusters.push(cluster);
  await allLive(cluster, over);
  return cluster;
}

describe('two signaling nodes over two SFU hosts, placements in Redis', () => {
  let a: TestHost;
  let b: TestHost;
  let one: SfuCluster;
  let two: SfuCluster;

  beforeAll(async () => {
    a = await host();
    b = await host();
    one = await node([a, b], true);
    two = await node([a, b], true);
  }, 60_000);

  it('place the same new meetings at once on one host each, and their members with them', async () => {
    for (let i = 0; i < 8; i++) {
      const roomId = unknownMeetingId();
      await Promise.all([
        one.request('getRouterRtpCapabilities', { roomId }),
        two.request('getRouterRtpCapabilities', { roomId }),
      ]);
      const [placed, ...more] = hostsWithRoom([a, b], roomId);
      expect(more).toEqual([]);
      await Promise.all([
        one.request('createWebRtcTransport', { roomId, memberId: 'member-ada-01', direction: 'recv' }),
        two.request('createWebRtcTransport', { roomId, memberId: 'member-bob-01', direction: 'recv' }),
      ]);
      expect(hostsWithRoom([a, b], roomId)).toEqual([placed]);
      expect(placed!.sfu!.registry.get(roomId).memberCount).toBe(2);
    }
  }, 30_000);

  it('follow the first placement, not their own view of the load (negative control: a node without Redis does not)', async () => {
    const roomId = unknownMeetingId();
    await one.request('getRouterRtpCapabilities', { roomId });
    const [placed] = hostsWithRoom([a, b], roomId);
    const other = placed === a ? b : a;
    // Its host is now by far the heavier: a fresh decision would go elsewhere.
    const load = await preload(placed!, secret, 6);
    await two.request('createWebRtcTransport', { roomId, memberId: 'member-cy-001', direction: 'recv' });
    expect(hostsWithRoom([a, b], roomId)).toEqual([placed]);

    const alone = await node([a, b], false);
    await alone.request('getRouterRtpCapabilities', { roomId });
    expect(hostsWithRoom([other], roomId)).toEqual([other]);
    await load.release();
  }, 30_000);
});

describe('SFU hosts that register themselves in Redis', () => {
  it('registers with its load; signaling with no static host finds it and places meetings there', async () => {
    const watcher = await redisClient();
    const registered = await host({ redisUrl: redis.url });
    expect(registered.sfu!.hostId).toBe(registered.id);
    const record = await waitFor('the registration', async () => {
      const raw = await watcher.get(sfuHostKey(registered.id));
      return raw === null ? undefined : sfuHostRecordSchema.parse(JSON.parse(raw));
    });
    expect(record).toMatchObject({ id: registered.id, instance: registered.sfu!.instance });
    expect(record.load.workers).toBe(1);
    expect(await watcher.sIsMember(SFU_HOSTS_KEY, registered.id)).toBeTruthy();
    const ttl = await watcher.pTTL(sfuHostKey(registered.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_000);

    const cluster = createSfuCluster({
      sfuUrls: [],
      maxMembersPerHost: 100,
      lossMs: 3_000,
      controlTokens: controlTokens(secret),
      redis: await redisClient(),
      logger: captureLogger('registered').logger,
    });
    clusters.push(cluster);
    await allLive(cluster, [registered]);
    const roomId = unknownMeetingId();
    await cluster.request('createWebRtcTransport', { roomId, memberId: 'member-ada-01', direction: 'recv' });
    expect(hostsWithRoom([registered], roomId)).toEqual([registered]);
    // The load it registers follows.
    await waitFor('the registered load to count the member', async () => {
      const raw = await watcher.get(sfuHostKey(registered.id));
      return raw !== null && sfuHostRecordSchema.parse(JSON.parse(raw)).load.members >= 1;
    });

    // A host that stops takes its registration away at once.
    await registered.close();
    expect(await watcher.get(sfuHostKey(registered.id))).toBeNull();
    expect(await watcher.sIsMember(SFU_HOSTS_KEY, registered.id)).toBeFalsy();
  }, 30_000);

  it('opens only to a control token that names it (negative control: tokens for no host or another host)', async () => {
    const known = await host({ publicUrl: true });
    const tokens = controlTokens(secret);
    const token = (claims: Record<string, unknown>) =>
      tokens.issue({
        audience: SFU_CONTROL_AUDIENCE,
        typ: SFU_CONTROL_AUDIENCE,
        subject: 'signaling',
        ttlSeconds: 60,
        claims,
      }).token;
    const attempt = (claims: Record<string, unknown>) =>
      attemptConnect(known.id, {
        namespace: SFU_CONTROL_NAMESPACE,
        origin: null,
        auth: { token: token(claims), protocolVersion: PROTOCOL_VERSION },
      });
    for (const claims of [{}, { [SFU_CONTROL_HOST_CLAIM]: 'http://127.0.0.1:1' }]) {
      const refused = await attempt(claims);
      expect(refused.kind).toBe('refused');
      expect(refused.kind === 'refused' && refused.message).toBe('unauthorized');
    }
    const opened = await attempt({ [SFU_CONTROL_HOST_CLAIM]: known.id });
    expect(opened.kind).toBe('connected');
    opened.socket.close();
  }, 30_000);
});
