/**
 * Issue 11: a committee session survives the SIGKILL of the node that owns its
 * meeting. Real processes (tests/support/cluster.ts): Redis, PostgreSQL, the
 * SFU and two signaling nodes sharing DATA_DIR. The chair and two members are
 * on different nodes; the owner is killed in the middle of a vote; the other
 * node takes the meeting over from Redis and the shared journal directory:
 * the vote goes on with its ballots, and the journal stays one chain in one
 * file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PROTOCOL_VERSION,
  type Ack,
  type CommitteeState,
  type MemberRole,
  type RequestOf,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import { JournalLock, publicKeyFromPem, publicKeyMap, verifyJournal } from '@confidentiel/journal';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { openPostgresStores } from '../../src/storage/createStores.ts';
import { PostgresDatabase } from '../../src/storage/PostgresDatabase.ts';
import { ROOM_TOKEN_ISSUER } from '../../src/startSignaling.ts';
import { issueToken, type IssuedToken } from '../security/support.ts';
import {
  okData,
  recordEvents,
  refusalOf,
  request,
  roomKeyId,
  sleep,
  TEST_IDENTITY,
} from '../support/harness.ts';
import type { RoomRequestName } from '../support/harness.ts';
import type { Entry } from '../committee/support.ts';
import { startCluster, type Cluster, type ClusterNode } from '../../../../tests/support/cluster.ts';

/** The bound of the issue: a surviving member's request succeeds this soon after the SIGKILL. */
const FAILOVER_BOUND_MS = 5_000;
/** How long a moved member may take to be back on the surviving node. */
const RECONNECT_BOUND_MS = 10_000;
const REQUEST_TIMEOUT_MS = 3_000;
/** A bot's reconnection attempts: steady, unlike a browser's randomised backoff. */
const RECONNECT_DELAY_MS = 200;

/** An acknowledgement, as far as these tests read it. */
type Answer<T> = { ok: true; data: T } | { ok: false; error: { reason: string } };

/**
 * A member's browser: a socket.io-client socket on a node the test chooses,
 * reconnecting (with Socket.IO connection-state recovery) to the node `route`
 * names, as the proxy would send it to a surviving node.
 */
class Bot {
  readonly name: string;
  readonly token: IssuedToken;
  readonly socket: ClientSocket;
  readonly events: Map<string, unknown[]>;
  /** Every connection: where, and whether Socket.IO recovered the previous one. */
  readonly connects: { node: string; recovered: boolean; at: number }[] = [];
  node: ClusterNode;

  constructor(
    cluster: Cluster,
    node: ClusterNode,
    name: string,
    token: IssuedToken,
    route: () => ClusterNode,
  ) {
    this.name = name;
    this.token = token;
    this.node = node;
    this.socket = io(`${node.url}/room`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionAttempts: Math.ceil(RECONNECT_BOUND_MS / RECONNECT_DELAY_MS),
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MS,
      randomizationFactor: 0,
      timeout: REQUEST_TIMEOUT_MS,
      extraHeaders: { origin: cluster.url },
      auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
    });
    this.events = recordEvents(this.socket);
    this.socket.on('connect', () => {
      this.connects.push({ node: this.node.id, recovered: this.socket.recovered, at: Date.now() });
    });
    // Read by the Manager when each attempt opens its transport.
    this.socket.io.on('reconnect_attempt', () => {
      this.node = route();
      (this.socket.io as unknown as { uri: string }).uri = `${this.node.url}/room`;
    });
  }

  get memberId(): string {
    return this.token.memberId;
  }

  request<K extends RoomRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<Ack<ResponseOf<typeof roomRequests, K>>> {
    return request(this.socket, name, payload, REQUEST_TIMEOUT_MS);
  }

  /** Waits for the `count`-th connection (1: the first), bounded. */
  async connection(
    count: number,
    timeoutMs: number,
  ): Promise<{ node: string; recovered: boolean; at: number }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.socket.connected || this.connects.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`${this.name}: no connection #${count} within ${timeoutMs} ms`);
      }
      await sleep(20);
    }
    return this.connects[count - 1]!;
  }

  close(): void {
    this.socket.close();
  }
}

let cluster: Cluster;
let redis: RedisClientType;
const bots: Bot[] = [];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2, web: false, name: 'committee-failover' });
  redis = createClient({ url: cluster.redis.url });
  redis.on('error', () => undefined);
  await redis.connect();
}, 120_000);

afterAll(async () => {
  for (const bot of bots) {
    bot.close();
  }
  await redis?.quit().catch(() => undefined);
  await cluster?.stop();
}, 60_000);

/** A committee meeting with a three-item agenda, written into the cluster's PostgreSQL. */
async function committeeMeeting(): Promise<{ meetingId: string; itemIds: string[] }> {
  const database = new PostgresDatabase({ url: cluster.postgres.url });
  try {
    const stores = await openPostgresStores(database);
    const meeting = await stores.meetings.createForOrganiser('account-owner-0001', {
      title: 'Conseil de l’ordre',
      kind: 'committee',
      startsAt: Date.now(),
      allowEarlyEntry: true,
    });
    const items = await stores.agenda.replace(meeting.id, [
      { title: 'Budget 2027', presenter: null, plannedMinutes: 20, notes: '' },
      { title: 'Nominations', presenter: null, plannedMinutes: 10, notes: '' },
      { title: 'Questions diverses', presenter: null, plannedMinutes: 0, notes: '' },
    ]);
    return { meetingId: meeting.id, itemIds: items.map((item) => item.itemId) };
  } finally {
    await database.close();
  }
}

/** Retries `attempt` until it answers ok (a `busy` while the meeting moves), within `timeoutMs`. */
async function untilOk<T>(
  what: string,
  attempt: () => Promise<Answer<T>>,
  timeoutMs: number,
): Promise<{ data: T; at: number; refusals: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const refusals: string[] = [];
  for (;;) {
    const ack = await attempt().catch((): Answer<T> => ({ ok: false, error: { reason: 'no-answer' } }));
    if (ack.ok) {
      return { data: ack.data, at: Date.now(), refusals };
    }
    refusals.push(ack.error.reason);
    if (Date.now() > deadline) {
      throw new Error(`${what}: still refused after ${timeoutMs} ms (${refusals.join(', ')})`);
    }
    await sleep(100);
  }
}

/** The tokens every node accepts (TOKEN_SECRET is shared). */
function roomTokens(): TokenService {
  const secret = Buffer.from(cluster.secrets.tokenSecret, 'hex');
  return new TokenService({
    keys: new KeyRing([{ kid: roomKeyId(secret), secret }]),
    issuer: ROOM_TOKEN_ISSUER,
  });
}

/** After a node goes, every reconnection goes to a node still running (the proxy's choice). */
function survivor(): ClusterNode {
  const running = cluster.nodes.find((n) => n.running);
  if (!running) {
    throw new Error('no node is running');
  }
  return running;
}

async function arrive(meetingId: string, node: ClusterNode, name: string, role: MemberRole): Promise<Bot> {
  const token = issueToken(roomTokens(), { room: meetingId, name, role }, { ttlSeconds: 600 });
  const bot = new Bot(cluster, node, name, token, survivor);
  bots.push(bot);
  await bot.connection(1, 5_000);
  expect(okData(await bot.request('join', { identity: TEST_IDENTITY })).status).toBe('joined');
  return bot;
}

interface Session {
  meetingId: string;
  itemIds: string[];
  chair: Bot;
  alice: Bot;
  bob: Bot;
  voteId: string;
  /** The meeting's fence before the owner goes. */
  fence: number;
}

/**
 * A committee meeting owned by `owner` (Bob arrives there first), the chair on `other`, Alice on
 * `owner`: item 2 open, a public vote open, Alice's and Bob's ballots cast.
 */
async function sessionUpToTwoBallots(owner: ClusterNode, other: ClusterNode): Promise<Session> {
  const { meetingId, itemIds } = await committeeMeeting();
  const bob = await arrive(meetingId, owner, 'Bob Leroy', 'participant');
  expect(await redis.get(`meeting:${meetingId}:owner`)).toBe(owner.id);
  const chair = await arrive(meetingId, other, 'Maître Martin', 'host');
  const alice = await arrive(meetingId, owner, 'Alice Petit', 'participant');
  okData(await chair.request('agendaOpen', { itemId: itemIds[1]! }));
  const { voteId } = okData(
    await chair.request('openVote', { motion: 'Nommer Mme Roux trésorière', secret: false }),
  );
  okData(await alice.request('castVote', { voteId, choice: 'pour' }));
  okData(await bob.request('castVote', { voteId, choice: 'contre' }));
  const fence = Number(await redis.get(`meeting:${meetingId}:fence`));
  return { meetingId, itemIds, chair, alice, bob, voteId, fence };
}

/** The chair's first committee request served after the owner went, and how long it took. */
async function chairServedAgain(session: Session, since: number, what: string): Promise<CommitteeState> {
  const first = await untilOk(
    'the chair’s committeeState',
    () => session.chair.request('committeeState', {}),
    FAILOVER_BOUND_MS + 2_000,
  );
  const tookMs = first.at - since;
  const counts = new Map<string, number>();
  for (const reason of first.refusals) {
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const refused = [...counts].map(([reason, n]) => `${n} × ${reason}`).join(', ');
  process.stdout.write(
    `  first committee request served ${tookMs} ms after ${what} (refused meanwhile: ${refused || 'none'})\n`,
  );
  expect(tookMs).toBeLessThanOrEqual(FAILOVER_BOUND_MS);
  return first.data;
}

/**
 * Alice and Bob come back on `survivor` (reconnection number 2); Alice's second ballot is refused,
 * the chair casts the third and closes the vote: three ballots, each counted once.
 */
async function finishVote(session: Session, node: ClusterNode, since: number): Promise<void> {
  const { alice, bob, chair, voteId } = session;
  for (const bot of [alice, bob]) {
    const back = await bot.connection(2, RECONNECT_BOUND_MS);
    expect(back.node).toBe(node.id);
    process.stdout.write(
      `  ${bot.name} back on ${back.node} ${back.at - since} ms later (recovered: ${back.recovered})\n`,
    );
    if (!back.recovered) {
      okData(await bot.request('join', { identity: TEST_IDENTITY }));
    }
  }
  const again = await untilOk<string>(
    'Alice’s second ballot to be answered',
    async (): Promise<Answer<string>> => {
      const ack = await alice.request('castVote', { voteId, choice: 'contre' });
      // Until her session is back and the meeting reachable; then the room's answer.
      const reason = refusalOf(ack);
      return reason === 'busy' || reason === 'not-joined'
        ? { ok: false, error: { reason } }
        : { ok: true, data: reason ?? 'accepted' };
    },
    RECONNECT_BOUND_MS,
  );
  expect(again.data).toBe('conflict');
  okData(await chair.request('castVote', { voteId, choice: 'pour' }));
  const result = okData(await chair.request('closeVote', { voteId }));
  expect(result).toMatchObject({ cast: 3, tally: { pour: 2, contre: 1, abstention: 0 }, outcome: 'adopted' });
}

/**
 * The meeting's journal: one file in the shared directory, one verified chain, seq without a gap,
 * each ballot once, held by the new owner under its fence (the old owner's marker is gone).
 */
async function checkJournal(session: Session): Promise<void> {
  const { meetingId, alice, bob, chair, voteId } = session;
  const folder = join(cluster.dataDir, 'journals', meetingId);
  const files = (await readdir(folder)).filter((name) => name.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  const path = join(folder, files[0]!);
  const text = await readFile(path, 'utf8');
  const report = await verifyJournal(text, {
    publicKeys: publicKeyMap([publicKeyFromPem(cluster.journalPublicKeyPem)]),
  });
  expect(report.failure).toBeUndefined();
  expect(report.ok).toBe(true);
  const entries = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Entry);
  expect(entries.map((e) => e.seq)).toEqual([...entries.keys()]);
  expect(entries.filter((e) => e.type === 'session-started')).toHaveLength(1);
  expect(entries.filter((e) => e.type === 'session-ended')).toHaveLength(0);
  expect(entries.filter((e) => e.type === 'vote-cast').map((e) => [e.data.memberId, e.data.choice])).toEqual([
    [alice.memberId, 'pour'],
    [bob.memberId, 'contre'],
    [chair.memberId, 'pour'],
  ]);
  expect(entries.filter((e) => e.type === 'refused').map((e) => e.data.memberId)).toEqual([alice.memberId]);
  expect(entries.find((e) => e.type === 'vote-closed')?.data).toMatchObject({ voteId, cast: 3 });
  const fence = Number(await redis.get(`meeting:${meetingId}:fence`));
  expect(fence).toBeGreaterThan(session.fence);
  expect(await JournalLock.fences(path)).toEqual([fence]);
}

describe('a committee session whose meeting’s owner node goes', () => {
  it('goes on on the other node after a SIGKILL: the open vote keeps its ballots, one journal chain', async () => {
    expect(cluster.passed).toEqual({ REDIS_URL: true, DATABASE_URL: true, NODE_ID: true });
    const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
    const session = await sessionUpToTwoBallots(n1, n2);

    // SIGKILL of the owner: Alice's and Bob's sockets drop with it.
    const killedAt = Date.now();
    await n1.kill('SIGKILL');

    // The chair, on the surviving node, is served again within the bound, with the state as it was.
    const state = await chairServedAgain(session, killedAt, `SIGKILL of ${n1.id}`);
    expect(state.currentItemId).toBe(session.itemIds[1]);
    expect(state.agenda.map((item) => item.status)).toEqual(['pending', 'open', 'pending']);
    expect(state.vote).toMatchObject({
      voteId: session.voteId,
      voted: [session.alice.memberId, session.bob.memberId],
    });
    expect(await redis.get(`meeting:${session.meetingId}:owner`)).toBe(n2.id);

    await finishVote(session, n2, killedAt);
    await checkJournal(session);
  }, 90_000);

  it('is handed over on SIGTERM: the next owner continues from the last entry, nothing lost', async () => {
    const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
    if (!n1.running) {
      await n1.start('ready');
    }
    const session = await sessionUpToTwoBallots(n2, n1);
    const logBefore = (await n1.log()).length;

    const stoppedAt = Date.now();
    await n2.kill('SIGTERM');
    const stopMs = Date.now() - stoppedAt;
    const state = await chairServedAgain(
      session,
      stoppedAt,
      `SIGTERM of ${n2.id} (it stopped in ${stopMs} ms)`,
    );
    expect(state.vote).toMatchObject({
      voteId: session.voteId,
      voted: [session.alice.memberId, session.bob.memberId],
    });
    await finishVote(session, n1, stoppedAt);
    await checkJournal(session);
    // The departing owner's last snapshot named the journal's last entry: the new owner found
    // nothing after it (it would warn of entries whose effect is lost).
    const log = (await n1.log()).slice(logBefore);
    expect(log).toContain('committee room taken over');
    expect(log).not.toContain('entries written after the last committee snapshot');
  }, 90_000);
});
