import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { Logger } from 'pino';
import {
  LIMITS,
  PROTOCOL_VERSION,
  ProtocolError,
  controlHandshakeSchema,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_HOST_CLAIM,
  SFU_CONTROL_NAMESPACE,
  serveRequests,
  sfuRequests,
  type SfuEventName,
  type sfuEvents,
} from '@confidentiel/protocol';
import { TokenError, type TokenService } from '@confidentiel/tokens';
import type { z } from 'zod';
import type { RoomRegistry } from '../media/RoomRegistry.ts';
import { createControlHandlers } from './handlers.ts';

export interface ControlServerOptions {
  host: string;
  port: number;
  tokens: TokenService;
  registry: RoomRegistry;
  logger: Logger;
  /** Serve the test-only `tapProducer` and `openTestFeed` requests (never in production). */
  testTap?: boolean;
  /** This process's random name, answered to `getLoad`. */
  instance: string;
  /**
   * This host's id (the origin of SFU_PUBLIC_CONTROL_URL), if it knows it: a
   * token must then name it, so that a token sent to another host (one that
   * registered itself in Redis, say) cannot open this one.
   */
  hostId?: string | undefined;
}

/**
 * The SFU's control channel: a Socket.IO namespace that only holders of an
 * `sfu-control` token (signaling) can connect to. Browsers never get such a
 * token, and the port listens on loopback or a private network only.
 */
export class ControlServer {
  readonly #http: HttpServer;
  readonly #io: Server;
  readonly #options: ControlServerOptions;
  #closed = false;

  private constructor(options: ControlServerOptions) {
    this.#options = options;
    this.#http = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.#io = new Server(this.#http, {
      maxHttpBufferSize: LIMITS.maxMessageBytes,
      transports: ['websocket'],
      serveClient: false,
      // No browser may talk to this: refuse any request that carries an Origin.
      allowRequest: (req, callback) => callback(null, req.headers.origin === undefined),
    });
    this.#io.of('/').use((_socket, next) => next(new Error('forbidden')));
    const nsp = this.#io.of(SFU_CONTROL_NAMESPACE);
    nsp.use((socket, next) => {
      try {
        this.#authenticate(socket);
        next();
      } catch (error) {
        const reason = error instanceof ProtocolError ? error.reason : 'unauthorized';
        options.logger.warn({ reason }, 'control connection refused');
        const refusal = new Error(reason) as Error & { data?: unknown };
        refusal.data = { reason, message: error instanceof Error ? error.message : reason };
        next(refusal);
      }
    });
    nsp.on('connection', (socket) => this.#onConnection(socket));
  }

  static async start(options: ControlServerOptions): Promise<ControlServer> {
    const server = new ControlServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#http.once('error', reject);
      server.#http.listen(options.port, options.host, () => resolve());
    });
    return server;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  #authenticate(socket: Socket): void {
    const auth = controlHandshakeSchema.safeParse(socket.handshake.auth);
    if (!auth.success) {
      throw new ProtocolError('unauthorized', 'missing or malformed handshake');
    }
    if (auth.data.protocolVersion !== PROTOCOL_VERSION) {
      throw new ProtocolError('protocol-mismatch', `expected protocol ${PROTOCOL_VERSION}`);
    }
    let claims: Record<string, unknown>;
    try {
      ({ claims } = this.#options.tokens.verify(auth.data.token, {
        audience: SFU_CONTROL_AUDIENCE,
        typ: SFU_CONTROL_AUDIENCE,
      }));
    } catch (error) {
      if (error instanceof TokenError && error.reason === 'expired') {
        throw new ProtocolError('token-expired', 'token expired');
      }
      throw new ProtocolError('unauthorized', 'token refused');
    }
    const { hostId } = this.#options;
    if (hostId !== undefined && claims[SFU_CONTROL_HOST_CLAIM] !== hostId) {
      throw new ProtocolError('unauthorized', 'token for another host');
    }
  }

  #onConnection(socket: Socket): void {
    const { logger, registry } = this.#options;
    logger.info('signaling connected to control channel');
    serveRequests(
      socket,
      sfuRequests,
      createControlHandlers(registry, {
        testTap: this.#options.testTap === true,
        instance: this.#options.instance,
      }),
      {
        onError: (event, error) => {
          if (error instanceof ProtocolError) {
            logger.debug({ event, reason: error.reason, msg2: error.message }, 'control request refused');
          } else {
            logger.error({ event, err: error }, 'control request failed');
          }
        },
      },
    );
    socket.on('disconnect', (reason) => logger.info({ reason }, 'signaling left control channel'));
  }

  /** Sends an event to every connected signaling node. */
  broadcast<K extends SfuEventName>(event: K, payload: z.infer<(typeof sfuEvents)[K]>): void {
    this.#io.of(SFU_CONTROL_NAMESPACE).emit(event, payload);
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#io.close();
  }
}
