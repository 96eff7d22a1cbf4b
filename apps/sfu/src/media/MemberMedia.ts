import type { types } from 'mediasoup';
import type { MediaSource, TransportDirection } from '@confidentiel/protocol';
import { sfuErrors } from './SfuError.ts';

export interface TransportAppData extends types.AppData {
  memberId: string;
  direction: TransportDirection;
}
export interface ProducerAppData extends types.AppData {
  memberId: string;
  source: MediaSource;
}
export interface ConsumerAppData extends types.AppData {
  memberId: string;
}

/**
 * The media objects one member owns in one room. Every lookup is by id *and*
 * owner, so a member can never act on another member's transport, producer or
 * consumer (no IDOR), even with a valid id.
 */
export class MemberMedia {
  readonly memberId: string;
  readonly #transports = new Map<string, types.WebRtcTransport<TransportAppData>>();
  readonly #producers = new Map<string, types.Producer<ProducerAppData>>();
  readonly #consumers = new Map<string, types.Consumer<ConsumerAppData>>();
  /** Test only: plain RTP inputs (SFU_ENABLE_TEST_TAP). */
  readonly #feeds = new Set<types.PlainTransport>();
  #closed = false;

  constructor(memberId: string) {
    this.memberId = memberId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get producers(): readonly types.Producer<ProducerAppData>[] {
    return [...this.#producers.values()];
  }

  get consumerCount(): number {
    return this.#consumers.size;
  }

  /** Test only: a plain RTP input of this member, closed with the member. */
  addFeed(transport: types.PlainTransport): void {
    this.#feeds.add(transport);
    transport.observer.on('close', () => this.#feeds.delete(transport));
  }

  addTransport(transport: types.WebRtcTransport<TransportAppData>): void {
    // One transport per direction: a new one replaces (and closes) the old one.
    for (const existing of this.#transports.values()) {
      if (existing.appData.direction === transport.appData.direction) {
        existing.close();
        this.#transports.delete(existing.id);
      }
    }
    this.#transports.set(transport.id, transport);
    transport.observer.on('close', () => this.#transports.delete(transport.id));
  }

  transport(id: string): types.WebRtcTransport<TransportAppData> {
    const transport = this.#transports.get(id);
    if (!transport) {
      throw sfuErrors.notFound('transport');
    }
    return transport;
  }

  transportFor(direction: TransportDirection): types.WebRtcTransport<TransportAppData> {
    for (const transport of this.#transports.values()) {
      if (transport.appData.direction === direction) {
        return transport;
      }
    }
    throw sfuErrors.notFound(`${direction} transport`);
  }

  addProducer(producer: types.Producer<ProducerAppData>): void {
    this.#producers.set(producer.id, producer);
    producer.observer.on('close', () => this.#producers.delete(producer.id));
  }

  producer(id: string): types.Producer<ProducerAppData> {
    const producer = this.#producers.get(id);
    if (!producer) {
      throw sfuErrors.notFound('producer');
    }
    return producer;
  }

  producerBySource(source: MediaSource): types.Producer<ProducerAppData> | undefined {
    return this.producers.find((p) => p.appData.source === source);
  }

  addConsumer(consumer: types.Consumer<ConsumerAppData>): void {
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => this.#consumers.delete(consumer.id));
  }

  consumer(id: string): types.Consumer<ConsumerAppData> {
    const consumer = this.#consumers.get(id);
    if (!consumer) {
      throw sfuErrors.notFound('consumer');
    }
    return consumer;
  }

  /** Closes every transport, which closes its producers and consumers. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const transport of this.#transports.values()) {
      transport.close();
    }
    for (const feed of [...this.#feeds]) {
      feed.close();
    }
    this.#transports.clear();
    this.#feeds.clear();
    this.#producers.clear();
    this.#consumers.clear();
  }
}
