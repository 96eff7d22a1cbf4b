import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ProtocolError } from '@confidentiel/protocol';

export interface WorkerPoolOptions {
  count: number;
  listenIp: string;
  announcedAddress?: string | undefined;
  /** Worker i gets WebRtcServer port basePort + i (UDP and TCP). */
  basePort: number;
  /** SO_RCVBUF / SO_SNDBUF of each worker's UDP socket (0 or absent: the kernel's default). */
  udpBufferBytes?: number | undefined;
  logger: Logger;
  /** Called when a worker died and was replaced; rooms on it are gone. */
  onWorkerDied: (slot: number) => void;
  workerBin?: string | undefined;
}

export interface WorkerSlot {
  index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  /** Number of rooms placed on this worker. */
  load: number;
}

/** Delay before replacing a dead worker, so a crash loop does not spin a core. */
const RESPAWN_DELAY_MS = 500;
/** How long a new room waits for a worker when all are being replaced. */
const WAIT_FOR_WORKER_MS = 5_000;

/**
 * One mediasoup worker per core, each with a WebRtcServer on one UDP and one
 * TCP port, so the media ports are bounded and known. A worker that dies is
 * replaced on the same port.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #slots: (WorkerSlot | undefined)[] = [];
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    for (let i = 0; i < options.count; i++) {
      pool.#slots[i] = await pool.#spawn(i);
    }
    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get slots(): readonly WorkerSlot[] {
    return this.#slots.filter((s): s is WorkerSlot => s !== undefined);
  }

  /**
   * The live worker with the fewest rooms. When every worker is down (one died
   * and is being replaced), waits for a replacement up to WAIT_FOR_WORKER_MS.
   */
  async leastLoaded(): Promise<WorkerSlot> {
    const deadline = Date.now() + WAIT_FOR_WORKER_MS;
    for (;;) {
      const live = this.slots.filter((s) => !s.worker.closed);
      if (live.length > 0) {
        return live.reduce((a, b) => (b.load < a.load ? b : a));
      }
      if (this.#closed || Date.now() >= deadline) {
        throw new ProtocolError('sfu-unavailable', 'no live mediasoup worker');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async #spawn(index: number): Promise<WorkerSlot> {
    const { logger } = this.#options;
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      ...(this.#options.workerBin ? { workerBin: this.#options.workerBin } : {}),
    });
    const port = this.#options.basePort + index;
    const listen = {
      ip: this.#options.listenIp,
      port,
      ...(this.#options.announcedAddress ? { announcedAddress: this.#options.announcedAddress } : {}),
    };
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: [
        {
          ...listen,
          protocol: 'udp',
          ...(this.#options.udpBufferBytes
            ? { recvBufferSize: this.#options.udpBufferBytes, sendBufferSize: this.#options.udpBufferBytes }
            : {}),
        },
        { ...listen, protocol: 'tcp' },
      ],
    });
    const slot: WorkerSlot = { index, worker, webRtcServer, load: 0 };
    worker.on('died', (error) => {
      logger.error({ worker: index, pid: worker.pid, err: error }, 'mediasoup worker died');
      this.#slots[index] = undefined;
      this.#safe(() => this.#options.onWorkerDied(index));
      if (!this.#closed) {
        setTimeout(() => void this.#respawn(index), RESPAWN_DELAY_MS).unref();
      }
    });
    logger.info({ worker: index, pid: worker.pid, port }, 'mediasoup worker ready');
    return slot;
  }

  async #respawn(index: number): Promise<void> {
    if (this.#closed) {
      return;
    }
    try {
      this.#slots[index] = await this.#spawn(index);
    } catch (error) {
      this.#options.logger.error({ worker: index, err: error }, 'could not replace worker; retrying');
      setTimeout(() => void this.#respawn(index), RESPAWN_DELAY_MS * 4).unref();
    }
  }

  #safe(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'worker-died listener threw');
    }
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const slot of this.slots) {
      slot.worker.close();
    }
    this.#slots.length = 0;
  }
}
