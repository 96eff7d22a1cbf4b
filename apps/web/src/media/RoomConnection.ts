import { io } from 'socket.io-client';
import {
  errorBodySchema,
  parseAck,
  parseEvent,
  parseRequest,
  PROTOCOL_VERSION,
  roomEvents,
  roomRequests,
  type RequestOf,
  type ResponseOf,
  type RoomEventName,
  type RoomRequestName,
} from '@confidentiel/protocol';
import { TypedEmitter } from '@confidentiel/events';
import type { Logger } from '../logger.ts';
import { isRefusalReason, MeetingError } from './MeetingError.ts';

/** How long a request may wait for its acknowledgement. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** How long the Socket.IO handshake may take. */
export const CONNECT_TIMEOUT_MS = 15_000;
/**
 * After a network drop, how long to wait for Socket.IO to reconnect and
 * recover the session (the server keeps the place 15 s).
 */
export const RECOVERY_WAIT_MS = 12_000;
/** Disconnect reasons a reconnection may recover from. */
const TRANSIENT = new Set(['transport close', 'transport error', 'ping timeout']);

/**
 * The part of a Socket.IO client socket the meeting uses. Injected, so that
 * tests can drive a fake server.
 */
export interface RoomSocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener: (...args: unknown[]) => void): void;
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown>;
  disconnect(): void;
  /** The socket reconnects by itself after a drop (then `recovered()` says if the session survived). */
  readonly reconnects?: boolean;
  recovered?(): boolean;
  /** The token the next (re)connection presents. */
  setToken?(token: string): void;
}

export interface RoomHandshake {
  token: string;
  protocolVersion: number;
}

export type RoomSocketFactory = (auth: RoomHandshake) => RoomSocket;

/** The real factory: Socket.IO on the page's own origin, namespace `/room`, websocket only. */
export function createSocketIoFactory(namespace = '/room'): RoomSocketFactory {
  return (auth) => {
    // Reconnection after a drop, for the server's connection-state recovery (re-authenticated
    // with the latest token); a connection that is not recovered ends the session.
    const handshake: { token: string; protocolVersion: number } = { ...auth };
    const socket = io(namespace, {
      auth: handshake,
      transports: ['websocket'],
      reconnection: true,
      reconnectionAttempts: 6,
      reconnectionDelay: 500,
      reconnectionDelayMax: 2_000,
    });
    return {
      reconnects: true,
      recovered: () => socket.recovered,
      setToken: (token) => {
        handshake.token = token;
      },
      on: (event, listener) => {
        socket.on(event, listener);
      },
      off: (event, listener) => {
        socket.off(event, listener);
      },
      emitWithAck: (event, payload, timeoutMs) => socket.timeout(timeoutMs).emitWithAck(event, payload),
      disconnect: () => {
        socket.disconnect();
      },
    };
  };
}

/** The validated payload of a server event. */
export type RoomEventPayload<K extends RoomEventName> = ReturnType<typeof parseEvent<typeof roomEvents, K>>;
type RoomEventArgs = { [K in RoomEventName]: [RoomEventPayload<K>] };
export type RoomConnectionEvents = RoomEventArgs & {
  /** The server or the network closed the connection for good (never emitted after `close()`). */
  disconnected: [reason: string];
  /** A dropped connection came back and the server recovered the session. */
  recovered: [];
};

export interface RoomConnectionOptions {
  token: string;
  socketFactory: RoomSocketFactory;
  logger: Logger;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/**
 * One Socket.IO connection to a room: validated requests (payload out, ack in)
 * and validated server events. A malformed server event is logged and dropped.
 */
export class RoomConnection extends TypedEmitter<RoomConnectionEvents> {
  readonly #socket: RoomSocket;
  readonly #logger: Logger;
  readonly #requestTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #detach: Array<() => void> = [];
  /** Rejecters of whatever waits on the socket, so that `close()` never leaves a caller hanging. */
  readonly #waiting = new Set<(error: MeetingError) => void>();
  #closed = false;

  constructor(options: RoomConnectionOptions) {
    super((error, event) => options.logger.error(`listener of ${String(event)} threw`, error));
    this.#logger = options.logger;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.#socket = options.socketFactory({ token: options.token, protocolVersion: PROTOCOL_VERSION });
    for (const name of Object.keys(roomEvents) as RoomEventName[]) {
      this.#listen(name, (payload: unknown) => this.#onEvent(name, payload));
    }
    this.#listen('disconnect', (reason: unknown) => {
      if (this.#closed) {
        return;
      }
      const why = typeof reason === 'string' ? reason : 'unknown';
      if (this.#socket.reconnects === true && TRANSIENT.has(why)) {
        this.#awaitRecovery(why);
        return;
      }
      this.emit('disconnected', why);
    });
    this.#listen('connect', () => {
      if (this.#recoveryTimer === undefined) {
        return;
      }
      clearTimeout(this.#recoveryTimer);
      this.#recoveryTimer = undefined;
      if (this.#socket.recovered?.() === true) {
        this.#logger.info('connection recovered');
        this.emit('recovered');
      } else {
        // The server no longer knows this session: the meeting must be joined again.
        this.emit('disconnected', 'not recovered');
      }
    });
  }

  #recoveryTimer: ReturnType<typeof setTimeout> | undefined;

  #awaitRecovery(reason: string): void {
    this.#logger.warn(`connection dropped (${reason}); waiting for recovery`);
    clearTimeout(this.#recoveryTimer);
    this.#recoveryTimer = setTimeout(() => {
      this.#recoveryTimer = undefined;
      if (!this.#closed) {
        this.emit('disconnected', reason);
      }
    }, RECOVERY_WAIT_MS);
  }

  /** The token a reconnection presents (after a refresh). */
  setToken(token: string): void {
    this.#socket.setToken?.(token);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once connected; rejects with the server's refusal reason when refused. */
  connect(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(MeetingError.closed());
    }
    return new Promise((resolve, reject) => {
      const cleanup: Array<() => void> = [];
      const settle = (error: MeetingError | null): void => {
        for (const undo of cleanup) {
          undo();
        }
        if (error) {
          reject(error);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(() => settle(MeetingError.timeout('connection')), this.#connectTimeoutMs);
      cleanup.push(() => clearTimeout(timer));
      this.#waiting.add(settle);
      cleanup.push(() => this.#waiting.delete(settle));
      cleanup.push(this.#listen('connect', () => settle(null)));
      cleanup.push(
        this.#listen('connect_error', (error: unknown) => settle(connectErrorToMeetingError(error))),
      );
    });
  }

  /** Sends a request and returns its validated result, or throws a MeetingError. */
  async request<K extends RoomRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
    timeoutMs = this.#requestTimeoutMs,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    if (this.#closed) {
      throw MeetingError.closed();
    }
    // Checked here too, so a mismatch with the schema is caught before it leaves.
    const body = parseRequest(roomRequests, name, payload);
    let ack: unknown;
    let abort: (error: MeetingError) => void = () => {};
    const aborted = new Promise<never>((_resolve, reject) => {
      abort = reject;
    });
    this.#waiting.add(abort);
    try {
      ack = await Promise.race([this.#socket.emitWithAck(name, body, timeoutMs), aborted]);
    } catch (error) {
      throw this.#closed
        ? MeetingError.closed()
        : new MeetingError('timeout', `${name} timed out`, { cause: error });
    } finally {
      this.#waiting.delete(abort);
    }
    try {
      return parseAck(roomRequests, name, ack);
    } catch (error) {
      throw MeetingError.from(error);
    }
  }

  /** Idempotent: stops listening and disconnects. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#recoveryTimer);
    for (const undo of this.#detach.splice(0)) {
      undo();
    }
    this.#socket.disconnect();
    this.removeAllListeners();
    const closed = MeetingError.closed();
    for (const reject of [...this.#waiting]) {
      reject(closed);
    }
    this.#waiting.clear();
  }

  #onEvent(name: RoomEventName, payload: unknown): void {
    let parsed: RoomEventArgs[RoomEventName][0];
    try {
      parsed = parseEvent(roomEvents, name, payload);
    } catch (error) {
      this.#logger.warn(`ignored a malformed ${name} event`, error);
      return;
    }
    // The cast ties the parsed payload back to its event name.
    (this.emit as (event: RoomEventName, arg: unknown) => void)(name, parsed);
  }

  #listen<A>(event: string, listener: (arg: A) => void): () => void {
    const wrapped = (...args: unknown[]): void => listener(args[0] as A);
    this.#socket.on(event, wrapped);
    const undo = (): void => this.#socket.off(event, wrapped);
    this.#detach.push(undo);
    return undo;
  }
}

/** Socket.IO puts the refusal reason in `err.message` and `{reason, message}` in `err.data`. */
export function connectErrorToMeetingError(error: unknown): MeetingError {
  const data = (error as { data?: unknown } | null)?.data;
  const body = errorBodySchema.safeParse(data);
  if (body.success) {
    return new MeetingError(body.data.reason, body.data.message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isRefusalReason(message)) {
    return new MeetingError(message, message, { cause: error });
  }
  return new MeetingError('connection-failed', message, { cause: error });
}
