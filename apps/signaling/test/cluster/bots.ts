/**
 * Bots for the cluster tests: socket.io-client sockets that connect to a
 * node the test chooses, and, like a browser behind the proxy, reconnect
 * after a drop (websocket, connection-state recovery) to the node the test
 * routes them to; room tokens crafted with the cluster's secret. For the
 * process-based harness (tests/support/cluster.ts, faults.test.ts): meetings
 * written straight into its PostgreSQL and the room state read from its
 * Redis. The in-process cluster (support.ts, properties.test.ts) uses the
 * bots alone.
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { createClient, type RedisClientType } from 'redis';
import {
  PROTOCOL_VERSION,
  type MemberRole,
  type RequestOf,
  type ResponseOf,
  type roomRequests,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { ROOM_TOKEN_ISSUER } from '../../src/startSignaling.ts';
import { roomKeyId } from '../../src/socket/roomTokens.ts';
import { issueToken, type IssuedToken } from '../security/support.ts';
import {
  recordEvents,
  refusalOf,
  request,
  sleep,
  TEST_IDENTITY,
  type RoomRequestName,
} from '../support/harness.ts';
import type { Cluster } from '../../../../tests/support/cluster.ts';

/** How long a bot waits for one connection attempt. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Fixed delay between a bot's reconnection attempts (a browser's is randomised; tests want it steady). */
const RECONNECT_DELAY_MS = 250;
/** A bot gives up reconnecting after this many attempts (≈ 30 × 0.25 s plus connect timeouts). */
const RECONNECT_ATTEMPTS = 30;

type JoinAnswer = ResponseOf<typeof roomRequests, 'join'>;
type Ack<T> = { ok: true; data: T } | { ok: false; error: { reason: string; message: string } };

/** The room tokens the cluster's nodes accept (TOKEN_SECRET is shared). */
export function clusterTokens(cluster: Cluster): TokenService {
  const secret = Buffer.from(cluster.secrets.tokenSecret, 'hex');
  return new TokenService({
    keys: new KeyRing([{ kid: roomKeyId(secret), secret }]),
    issuer: ROOM_TOKEN_ISSUER,
  });
}

/** An organiser's meeting, written into the cluster's database (the nodes made its tables). */
export async function createMeeting(
  cluster: Cluster,
  options: { allowEarlyEntry?: boolean } = {},
): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  const now = Date.now();
  // Every value is ours (base64url, digits, booleans): safe in the literal.
  await cluster.postgres.query(
    `INSERT INTO meetings (id, title, created_at, owner_id, kind, starts_at, status, allow_early_entry)
     VALUES ('${id}', 'Conseil', ${now}, 'account-owner-0001', 'meeting', ${now}, 'scheduled', ${options.allowEarlyEntry ? 'TRUE' : 'FALSE'})`,
    'confidentiel',
  );
  return id;
}

/** A Redis client of the test's own, to read what the nodes replicated. */
export async function inspectRedis(cluster: Cluster): Promise<RedisClientType> {
  const client = createClient({
    url: cluster.redis.url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: () => 200 },
  }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** What Redis holds of one meeting. */
export interface MeetingView {
  owner: string | null;
  members: Record<string, string>;
  waiting: string[];
  locked: boolean;
  sessions: Record<string, { entryNode: string; phase: string; socketId: string }>;
}

export async function meetingView(redis: RedisClientType, room: string): Promise<MeetingView> {
  const [owner, roles, waiting, locked, sessions] = await Promise.all([
    redis.get(`meeting:${room}:owner`),
    redis.hGetAll(`room:${room}:roles`),
    redis.hKeys(`room:${room}:waiting`),
    redis.hGet(`room:${room}:meta`, 'locked'),
    redis.hGetAll(`meeting:${room}:sessions`),
  ]);
  const members = await redis.hKeys(`room:${room}:members`);
  return {
    owner,
    // Member id → current role.
    members: Object.fromEntries(members.map((id) => [id, roles[id] ?? '?'])),
    waiting: waiting.sort(),
    locked: locked === '1',
    sessions: Object.fromEntries(
      Object.entries(sessions).map(([id, json]) => {
        const record = JSON.parse(json) as { entryNode: string; phase: string; socketId: string };
        return [id, { entryNode: record.entryNode, phase: record.phase, socketId: record.socketId }];
      }),
    ),
  };
}

/** One connection of a bot: where, with which socket id, recovered or not. */
export interface BotConnect {
  node: string;
  socketId: string;
  recovered: boolean;
  at: number;
}

/** A node a bot can connect to. */
export interface Endpoint {
  readonly id: string;
  /** The node itself (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** False while it is down (a process-based node); always up when absent. */
  readonly running?: boolean;
}

/** The nodes bots may reach, and the Origin they present (one the nodes allow). */
export interface BotWorld {
  endpoints: () => readonly Endpoint[];
  origin: string;
  tokens: TokenService;
}

/** The bots' world on the process-based harness: its nodes, the proxy's origin, its token secret. */
export function clusterWorld(cluster: Cluster): BotWorld {
  return { endpoints: () => cluster.nodes, origin: cluster.url, tokens: clusterTokens(cluster) };
}

export interface BotOptions {
  role?: MemberRole;
  lobby?: boolean;
  /** Where reconnections go (the proxy's choice): the running node after the current one unless told. */
  route?: (bot: Bot) => Endpoint;
}

/**
 * A member's browser: a socket on a chosen node, every event recorded, and
 * reconnection on (the client side of connection-state recovery keeps its
 * pid and last offset), each attempt sent where `route` says.
 */
export class Bot {
  readonly name: string;
  readonly token: IssuedToken;
  readonly socket: ClientSocket;
  readonly events: Map<string, unknown[]>;
  readonly connects: BotConnect[] = [];
  readonly disconnects: string[] = [];
  route: (bot: Bot) => Endpoint;
  /** The node of the current (or last) connection attempt. */
  node: Endpoint;
  readonly #world: BotWorld;

  constructor(world: BotWorld, node: Endpoint, name: string, token: IssuedToken, options: BotOptions) {
    this.#world = world;
    this.name = name;
    this.token = token;
    this.node = node;
    this.route = options.route ?? ((bot) => bot.#nextRunning());
    this.socket = io(`${node.url}/room`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionAttempts: RECONNECT_ATTEMPTS,
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MS,
      randomizationFactor: 0,
      timeout: CONNECT_TIMEOUT_MS,
      // Any origin the nodes allow: the proxy's, as a browser would send.
      extraHeaders: { origin: world.origin },
      auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
    });
    this.events = recordEvents(this.socket);
    this.socket.on('connect', () => {
      this.connects.push({
        node: this.node.id,
        socketId: this.socket.id ?? '',
        recovered: this.socket.recovered,
        at: Date.now(),
      });
    });
    this.socket.on('disconnect', (reason) => this.disconnects.push(reason));
    // Emitted before each attempt opens its transport: the Manager reads `uri` then.
    this.socket.io.on('reconnect_attempt', () => {
      this.node = this.route(this);
      (this.socket.io as unknown as { uri: string }).uri = `${this.node.url}/room`;
    });
  }

  get memberId(): string {
    return this.token.memberId;
  }

  /** Events of one name received so far. */
  seen<T = unknown>(event: string): T[] {
    return (this.events.get(event) ?? []) as T[];
  }

  /** Resolves once connected (now or later), or throws after `timeoutMs`. */
  async connected(timeoutMs = 10_000): Promise<BotConnect> {
    const deadline = Date.now() + timeoutMs;
    while (!this.socket.connected || this.connects.length === 0) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} not connected within ${timeoutMs} ms (disconnects: ${this.disconnects.join(', ')})`,
        );
      }
      await sleep(20);
    }
    return this.connects[this.connects.length - 1]!;
  }

  /** Waits for a connection after the `count`-th one (a reconnection), within `timeoutMs`. */
  async reconnected(count: number, timeoutMs: number): Promise<BotConnect> {
    const deadline = Date.now() + timeoutMs;
    while (!this.socket.connected || this.connects.length <= count) {
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} not reconnected within ${timeoutMs} ms (connects: ${this.connects.length}, disconnects: ${this.disconnects.join(', ')})`,
        );
      }
      await sleep(20);
    }
    return this.connects[this.connects.length - 1]!;
  }

  request<K extends RoomRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
    timeoutMs = 5_000,
  ): Promise<Ack<ResponseOf<typeof roomRequests, K>>> {
    return request(this.socket, name, payload, timeoutMs);
  }

  /** Sends `join`; the answer, or throws with the refusal. */
  async join(): Promise<JoinAnswer> {
    const ack = await this.request('join', { identity: TEST_IDENTITY });
    if (!ack.ok) {
      throw new Error(`${this.name} could not join: ${ack.error.reason} (${ack.error.message})`);
    }
    return ack.data;
  }

  close(): void {
    this.socket.close();
  }

  #nextRunning(): Endpoint {
    const running = this.#world.endpoints().filter((n) => n.running !== false);
    if (running.length === 0) {
      return this.node;
    }
    const at = running.findIndex((n) => n.id === this.node.id);
    return running[(at + 1) % running.length]!;
  }
}

/** Mints tokens for one meeting and connects bots, remembering them all for `closeAll`. */
export class BotFactory {
  readonly #world: BotWorld;
  readonly #bots: Bot[] = [];

  constructor(world: BotWorld) {
    this.#world = world;
  }

  token(room: string, name: string, options: { role?: MemberRole; lobby?: boolean } = {}): IssuedToken {
    return issueToken(
      this.#world.tokens,
      { room, name, role: options.role ?? 'participant', lobby: options.lobby ?? false },
      // Longer than any test: no expiry in the middle of a failover.
      { ttlSeconds: 600 },
    );
  }

  /** Connects a bot to `node` (not joined yet). */
  connect(node: Endpoint, room: string, name: string, options: BotOptions = {}): Promise<Bot> {
    return this.connectWith(node, name, this.token(room, name, options), options);
  }

  /** Connects a bot to `node` with a token made beforehand (its member id known before it arrives). */
  async connectWith(
    node: Endpoint,
    name: string,
    token: IssuedToken,
    options: BotOptions = {},
  ): Promise<Bot> {
    const bot = new Bot(this.#world, node, name, token, options);
    this.#bots.push(bot);
    await bot.connected(CONNECT_TIMEOUT_MS + 2_000);
    return bot;
  }

  /** Connects a bot to `node` and joins: `joined` or `waiting` as the answer says. */
  async arrive(
    node: Endpoint,
    room: string,
    name: string,
    options: BotOptions = {},
  ): Promise<{ bot: Bot; answer: JoinAnswer }> {
    const bot = await this.connect(node, room, name, options);
    return { bot, answer: await bot.join() };
  }

  /**
   * Connects once to `node` with `token` (no reconnection) and asks to join:
   * 'joined', 'waiting', the refusal's reason, or how the connection failed.
   */
  async tryJoin(node: Endpoint, token: IssuedToken): Promise<string> {
    const socket = io(`${node.url}/room`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      extraHeaders: { origin: this.#world.origin },
      auth: { token: token.token, protocolVersion: PROTOCOL_VERSION },
    });
    try {
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no-connection'), CONNECT_TIMEOUT_MS + 1_000);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve('connected');
        });
        socket.once('connect_error', (error) => {
          clearTimeout(timer);
          resolve(`refused:${error.message}`);
        });
      });
      if (outcome !== 'connected') {
        return outcome;
      }
      const ack = await request(socket, 'join', { identity: TEST_IDENTITY }).catch(() => undefined);
      if (ack === undefined) {
        return socket.connected ? 'no-answer' : 'disconnected';
      }
      return ack.ok ? ack.data.status : (refusalOf(ack) ?? 'refused');
    } finally {
      socket.close();
    }
  }

  closeAll(): void {
    for (const bot of this.#bots) {
      bot.close();
    }
  }
}
