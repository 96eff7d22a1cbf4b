import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** The one path the listener answers; compared byte for byte (no case folding, no trailing slash). */
export const METRICS_PATH = '/metrics';
/** A scrape is one small GET: a client slower than this is dropped. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface MetricsListenerOptions {
  registry: Registry;
  /** One address (loopback unless the scraper runs elsewhere on a private network). */
  host: string;
  /** 0: any free port (tests). */
  port: number;
  logger: Logger;
}

/**
 * Prometheus metrics (room, member and connection counts) on a listener of
 * their own, apart from the public app: no proxy route, path spelling or
 * trailing slash of the public port can reach them. Answers `GET /metrics`
 * (query ignored) and 404 to anything else.
 */
export class MetricsListener {
  readonly #server: Server;
  readonly #options: MetricsListenerOptions;
  #closed = false;

  private constructor(options: MetricsListenerOptions) {
    this.#options = options;
    this.#server = createServer(
      { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS },
      (req, res) => {
        void this.#answer(req, res);
      },
    );
  }

  static async start(options: MetricsListenerOptions): Promise<MetricsListener> {
    const listener = new MetricsListener(options);
    await new Promise<void>((resolve, reject) => {
      listener.#server.once('error', reject);
      listener.#server.listen(options.port, options.host, () => {
        listener.#server.off('error', reject);
        resolve();
      });
    });
    return listener;
  }

  /** The port it listens on (the one picked when started with 0). */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Where Prometheus scrapes. */
  get url(): string {
    const host = this.#options.host.includes(':') ? `[${this.#options.host}]` : this.#options.host;
    return `http://${host}:${this.port}${METRICS_PATH}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?', 1)[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const { registry, logger } = this.#options;
    try {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (error) {
      logger.error({ err: error }, 'metrics collection failed');
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n');
    }
  }
}
