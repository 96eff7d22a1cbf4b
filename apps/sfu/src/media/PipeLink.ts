import type { types } from 'mediasoup';
import type { PipeEndpoint, PipedProducer, RtpParameters } from '@confidentiel/protocol';
import type { ProducerAppData } from './MemberMedia.ts';
import { sfuErrors } from './SfuError.ts';

/** A copy of another host's producer: named after the same member and source, and the host it came from. */
export interface PipedProducerAppData extends ProducerAppData {
  peer: string;
}

export type PipeState = PipeEndpoint & { remote: { ip: string; port: number } | null };

/**
 * The pipe transport of one room to one other SFU host: RTP both ways, over
 * SRTP with retransmissions. It owns the pipe consumers that send this host's
 * producers there, and the copies of that host's producers received from
 * there (same ids). Closing it closes them all; the consumers of a copy on
 * this host then close with it.
 */
export class PipeLink {
  readonly peer: string;
  readonly #transport: types.PipeTransport;
  readonly #sent = new Map<string, types.Consumer>();
  readonly #received = new Map<string, types.Producer<PipedProducerAppData>>();
  #remote: { ip: string; port: number } | undefined;

  constructor(peer: string, transport: types.PipeTransport) {
    this.peer = peer;
    this.#transport = transport;
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  /** Where this side receives, its SRTP keys, and where it sends (once connected). */
  get state(): PipeState {
    const { tuple, srtpParameters } = this.#transport;
    if (srtpParameters === undefined) {
      throw sfuErrors.mediaError('pipe without SRTP');
    }
    return {
      ip: tuple.localAddress,
      port: tuple.localPort,
      srtpParameters,
      remote: this.#remote ?? null,
    };
  }

  /** Points the pipe at the other side. Once: the same endpoint again is a no-op, another one a refusal. */
  async connect(remote: PipeEndpoint): Promise<void> {
    this.#assertOpen();
    if (this.#remote !== undefined) {
      if (this.#remote.ip === remote.ip && this.#remote.port === remote.port) {
        return;
      }
      throw sfuErrors.forbidden('pipe already connected to another endpoint');
    }
    this.#remote = { ip: remote.ip, port: remote.port };
    try {
      await this.#transport.connect({
        ip: remote.ip,
        port: remote.port,
        srtpParameters: remote.srtpParameters,
      });
    } catch (error) {
      this.#remote = undefined;
      throw sfuErrors.mediaError('could not connect pipe', error);
    }
  }

  /** Sends a producer of this host through the pipe (once per producer); what the other side needs to copy it. */
  async send(producer: types.Producer<ProducerAppData>): Promise<PipedProducer> {
    this.#assertOpen();
    let consumer = this.#sent.get(producer.id);
    if (consumer === undefined || consumer.closed) {
      let made: types.Consumer;
      try {
        made = await this.#transport.consume({ producerId: producer.id });
      } catch (error) {
        throw sfuErrors.mediaError('could not send producer through pipe', error);
      }
      const raced = this.#sent.get(producer.id);
      if (raced !== undefined && !raced.closed) {
        made.close();
        consumer = raced;
      } else {
        this.#sent.set(producer.id, made);
        made.observer.on('close', () => {
          if (this.#sent.get(producer.id) === made) {
            this.#sent.delete(producer.id);
          }
        });
        consumer = made;
      }
    }
    return {
      producerId: producer.id,
      memberId: producer.appData.memberId,
      source: producer.appData.source,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as RtpParameters,
      paused: consumer.producerPaused,
    };
  }

  /** Makes the copy of the other side's producer; undefined when it existed already (its pause is updated). */
  async receive(piped: PipedProducer): Promise<types.Producer<PipedProducerAppData> | undefined> {
    this.#assertOpen();
    const existing = this.#received.get(piped.producerId);
    if (existing !== undefined && !existing.closed) {
      await (piped.paused ? existing.pause() : existing.resume());
      return undefined;
    }
    let producer: types.Producer<PipedProducerAppData>;
    try {
      producer = await this.#transport.produce<PipedProducerAppData>({
        id: piped.producerId,
        kind: piped.kind,
        rtpParameters: piped.rtpParameters as types.RtpParameters,
        paused: piped.paused,
        appData: { memberId: piped.memberId, source: piped.source, peer: this.peer },
      });
    } catch (error) {
      // Two receptions of the same producer at once: the other one made it.
      if (this.#received.has(piped.producerId)) {
        return undefined;
      }
      throw sfuErrors.mediaError('could not receive producer through pipe', error);
    }
    this.#received.set(producer.id, producer);
    producer.observer.on('close', () => {
      if (this.#received.get(producer.id) === producer) {
        this.#received.delete(producer.id);
      }
    });
    return producer;
  }

  /** The copy of another host's producer, if it came through this pipe. */
  received(producerId: string): types.Producer<PipedProducerAppData> | undefined {
    const producer = this.#received.get(producerId);
    return producer !== undefined && !producer.closed ? producer : undefined;
  }

  /** Closes the transport and everything that crossed it. Idempotent. */
  close(): void {
    this.#transport.close();
    this.#sent.clear();
    this.#received.clear();
  }

  #assertOpen(): void {
    if (this.#transport.closed) {
      throw sfuErrors.notFound('pipe');
    }
  }
}
