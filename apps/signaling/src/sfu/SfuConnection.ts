import { io, type Socket } from 'socket.io-client';
import type { Logger } from 'pino';
import { TypedEmitter } from '@confidentiel/events';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  SFU_CONTROL_NAMESPACE,
  parseAck,
  parseEvent,
  sfuEvents,
  sfuRequests,
  type RequestOf,
  type ResponseOf,
  type SfuEventName,
  type SfuRequestName,
} from '@confidentiel/protocol';
import type { z } from 'zod';
import { hostLabel } from './hostLabel.ts';

/** What one SFU host says on its control channel, validated, and the state of the channel. */
export type SfuConnectionEvents = {
  [K in SfuEventName]: [z.infer<(typeof sfuEvents)[K]>];
} & {
  connected: [];
  disconnected: [reason: string];
};

/** How long one control request may take. */
export const SFU_REQUEST_TIMEOUT_MS = 10_000;

export interface SfuConnectionOptions {
  /** The host's id: the origin of its control URL. */
  hostId: string;
  /** Makes a fresh, short-lived control token for this host (called on every (re)connect). */
  token: () => string;
  logger: Logger;
}

/** Signaling's side of the control channel of one SFU host: typed requests, validated events. */
export class SfuConnection extends TypedEmitter<SfuConnectionEvents> {
  readonly hostId: string;
  readonly #socket: Socket;
  readonly #logger: Logger;
  #closed = false;

  constructor(options: SfuConnectionOptions) {
    super((error, event) => options.logger.error({ err: error, event }, 'SFU event listener threw'));
    this.hostId = options.hostId;
    this.#logger = options.logger.child({ sfu: hostLabel(options.hostId) });
    this.#socket = io(`${options.hostId}${SFU_CONTROL_NAMESPACE}`, {
      transports: ['websocket'],
      auth: (cb) => cb({ token: options.token(), protocolVersion: PROTOCOL_VERSION }),
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    this.#socket.on('connect', () => {
      this.#logger.info('connected to SFU');
      this.emit('connected');
    });
    this.#socket.on('disconnect', (reason) => {
      this.#logger.warn({ reason }, 'disconnected from SFU');
      this.emit('disconnected', reason);
    });
    this.#socket.on('connect_error', (error) => {
      this.#logger.warn({ reason: error.message }, 'SFU connection failed');
    });
    for (const name of Object.keys(sfuEvents) as SfuEventName[]) {
      this.#socket.on(name, (payload: unknown) => this.#relay(name, payload));
    }
  }

  #relay<K extends SfuEventName>(name: K, payload: unknown): void {
    let event: SfuConnectionEvents[K];
    try {
      event = [parseEvent(sfuEvents, name, payload)] as SfuConnectionEvents[K];
    } catch (error) {
      this.#logger.error({ event: name, err: error }, 'invalid event from SFU');
      return;
    }
    this.emit(name, ...event);
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  async request<K extends SfuRequestName>(
    name: K,
    payload: RequestOf<typeof sfuRequests, K>,
    timeoutMs = SFU_REQUEST_TIMEOUT_MS,
  ): Promise<ResponseOf<typeof sfuRequests, K>> {
    if (this.#closed) {
      throw new ProtocolError('sfu-unavailable', 'SFU client closed');
    }
    if (!this.#socket.connected) {
      throw new ProtocolError('sfu-unavailable', 'media server unavailable');
    }
    let ack: unknown;
    try {
      ack = await this.#socket.timeout(timeoutMs).emitWithAck(name, payload);
    } catch (error) {
      throw new ProtocolError('sfu-unavailable', 'media server did not answer', { cause: error });
    }
    return parseAck(sfuRequests, name, ack);
  }

  /** Resolves once connected (or rejects after the timeout). */
  async ready(timeoutMs = 10_000): Promise<void> {
    if (this.#socket.connected) {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error('SFU not reachable'));
      }, timeoutMs);
      const off = this.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#socket.close();
    this.removeAllListeners();
  }
}
