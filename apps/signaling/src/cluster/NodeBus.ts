import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import {
  MAX_MLS_MESSAGE_BYTES,
  ProtocolError,
  errorBodySchema,
  type ErrorBody,
} from '@confidentiel/protocol';

/** How long a node waits for another node's answer before answering `busy`. */
export const BUS_TIMEOUT_MS = 5_000;
/** Largest message between nodes: a forwarded request (an MLS commit at most) and its wrapping. */
const MAX_BUS_MESSAGE_CHARS = MAX_MLS_MESSAGE_BYTES + 64 * 1024;

/** The one schema of what nodes send each other (both ends use it). */
const busMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('request'), id: z.string(), from: z.string(), body: z.unknown() }),
  z.strictObject({ kind: z.literal('notify'), from: z.string(), body: z.unknown() }),
  z.strictObject({
    kind: z.literal('reply'),
    id: z.string(),
    outcome: z.discriminatedUnion('ok', [
      z.strictObject({ ok: z.literal(true), result: z.unknown() }),
      z.strictObject({ ok: z.literal(false), error: errorBodySchema }),
    ]),
  }),
]);
type BusMessage = z.infer<typeof busMessageSchema>;

export const nodeChannel = (nodeId: string): string => `confidentiel:node:${nodeId}`;

/** What a node does with another node's message; a request's answer is its result. */
export type BusHandler = (body: unknown, from: string) => Promise<unknown>;

/** Requests and notices between signaling nodes. */
export interface NodeBus {
  readonly nodeId: string;
  /** Sends `body` to `nodeId` and resolves with its answer; ProtocolError on refusal, `busy` on timeout. */
  request(nodeId: string, body: unknown, timeoutMs?: number): Promise<unknown>;
  /** Sends `body` to `nodeId`, no answer expected (lost if the node is gone). */
  notify(nodeId: string, body: unknown): void;
  handle(requests: BusHandler, notices: (body: unknown, from: string) => void): void;
  close(): Promise<void>;
}

export interface RedisNodeBusOptions {
  redis: RedisClientType;
  nodeId: string;
  logger: Logger;
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ProtocolError) {
    return { reason: error.reason, message: error.message.slice(0, 500) };
  }
  return { reason: 'internal', message: 'internal error' };
}

/**
 * Redis pub/sub, one channel per node: a request carries an id and the
 * sender's node id; the answer comes back on the sender's channel. A node
 * that is gone never answers: the request ends `busy` after BUS_TIMEOUT_MS.
 */
export class RedisNodeBus implements NodeBus {
  readonly nodeId: string;
  readonly #redis: RedisClientType;
  readonly #logger: Logger;
  readonly #subscriber: RedisClientType;
  readonly #pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> }
  >();
  #requests: BusHandler = () => Promise.reject(new ProtocolError('busy', 'this node is starting'));
  #notices: (body: unknown, from: string) => void = () => undefined;
  #closed = false;

  private constructor(options: RedisNodeBusOptions, subscriber: RedisClientType) {
    this.nodeId = options.nodeId;
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#subscriber = subscriber;
  }

  static async create(options: RedisNodeBusOptions): Promise<RedisNodeBus> {
    const subscriber = options.redis.duplicate() as RedisClientType;
    subscriber.on('error', (error: unknown) => options.logger.debug({ err: error }, 'bus subscriber error'));
    await subscriber.connect();
    const bus = new RedisNodeBus(options, subscriber);
    await subscriber.subscribe(nodeChannel(options.nodeId), (raw: string) => bus.#receive(raw));
    return bus;
  }

  handle(requests: BusHandler, notices: (body: unknown, from: string) => void): void {
    this.#requests = requests;
    this.#notices = notices;
  }

  request(nodeId: string, body: unknown, timeoutMs = BUS_TIMEOUT_MS): Promise<unknown> {
    const id = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ProtocolError('busy', 'the meeting is moving to another server: try again'));
      }, timeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      this.#publish(nodeId, { kind: 'request', id, from: this.nodeId, body }).then(
        (receivers) => {
          // Nobody listens on that node's channel (its process is gone, so Redis dropped its
          // subscription): the request ran nowhere and no answer can come. Said now, not after the timeout.
          if (receivers === 0 && this.#pending.delete(id)) {
            clearTimeout(timer);
            reject(new ProtocolError('busy', 'the server of this meeting is gone: try again'));
          }
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          reject(new ProtocolError('busy', 'servers cannot reach each other right now', { cause: error }));
        },
      );
    });
  }

  notify(nodeId: string, body: unknown): void {
    this.#publish(nodeId, { kind: 'notify', from: this.nodeId, body }).catch((error: unknown) =>
      this.#logger.debug({ err: error }, 'bus notice not sent'),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new ProtocolError('busy', 'this server is stopping'));
      this.#pending.delete(id);
    }
    await this.#subscriber.quit().catch(() => undefined);
  }

  /** How many subscribers received it (0: that node is not listening). */
  #publish(nodeId: string, message: BusMessage): Promise<number> {
    return this.#redis.publish(nodeChannel(nodeId), JSON.stringify(message));
  }

  #receive(raw: string): void {
    if (this.#closed || raw.length > MAX_BUS_MESSAGE_CHARS) {
      return;
    }
    let parsed: BusMessage;
    try {
      parsed = busMessageSchema.parse(JSON.parse(raw));
    } catch {
      this.#logger.warn('malformed message from another node ignored');
      return;
    }
    switch (parsed.kind) {
      case 'reply': {
        const pending = this.#pending.get(parsed.id);
        if (!pending) {
          return;
        }
        this.#pending.delete(parsed.id);
        clearTimeout(pending.timer);
        if (parsed.outcome.ok) {
          pending.resolve(parsed.outcome.result);
        } else {
          pending.reject(ProtocolError.fromBody(parsed.outcome.error));
        }
        return;
      }
      case 'request': {
        const { id, from } = parsed;
        this.#requests(parsed.body, from)
          .then(
            (result) =>
              this.#publish(from, { kind: 'reply', id, outcome: { ok: true, result: result ?? null } }),
            (error: unknown) => {
              if (!(error instanceof ProtocolError)) {
                this.#logger.error({ err: error }, 'request from another node failed');
              }
              return this.#publish(from, {
                kind: 'reply',
                id,
                outcome: { ok: false, error: toErrorBody(error) },
              });
            },
          )
          .catch((error: unknown) => this.#logger.debug({ err: error }, 'bus reply not sent'));
        return;
      }
      case 'notify':
        try {
          this.#notices(parsed.body, parsed.from);
        } catch (error) {
          this.#logger.error({ err: error }, 'notice from another node failed');
        }
        return;
      default: {
        const never: never = parsed;
        void never;
      }
    }
  }
}
