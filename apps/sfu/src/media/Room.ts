import type { types } from 'mediasoup';
import { TypedEmitter } from '@confidentiel/events';
import type {
  ConsumerOptions,
  PipedProducer,
  DtlsParameters,
  IceParameters,
  MediaKind,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  TransportDirection,
  TransportOptions,
} from '@confidentiel/protocol';
import type { Logger } from 'pino';
import {
  MemberMedia,
  type ConsumerAppData,
  type ProducerAppData,
  type TransportAppData,
} from './MemberMedia.ts';
import { RoomPipes, type PipeListen } from './RoomPipes.ts';
import { sfuErrors } from './SfuError.ts';
import { capturePackets, openFeed } from './testAccess.ts';
import type { WorkerSlot } from './WorkerPool.ts';

/** What every room of a host shares. */
export interface RoomOptions {
  /** Where pipes to other hosts listen. */
  pipes: PipeListen;
  /** Test only: the address test feeds listen on (the RTC listen address). */
  testFeedIp: string;
}

export type RoomEvents = {
  producerClosed: [memberId: string, producerId: string];
  consumerClosed: [memberId: string, consumerId: string, producerId: string];
  activeSpeaker: [memberId: string | null];
  closed: [reason: 'worker-died' | 'closed'];
};

/** Bitrate a browser may send on one transport (camera simulcast + screen + audio). */
const MAX_INCOMING_BITRATE = 5_000_000;
const INITIAL_OUTGOING_BITRATE = 1_000_000;
/** Silence after which the active speaker observer may change speaker. */
const ACTIVE_SPEAKER_INTERVAL_MS = 300;

/** Which media kind each source carries. */
const kindOfSource: Record<MediaSource, MediaKind> = {
  camera: 'video',
  microphone: 'audio',
  screen: 'video',
  'screen-audio': 'audio',
};

/**
 * One meeting on one mediasoup router. Owns its members' media; closing the
 * room closes the router, which closes everything under it.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly id: string;
  readonly #slot: WorkerSlot;
  readonly #router: types.Router;
  readonly #speaker: types.ActiveSpeakerObserver;
  readonly #members = new Map<string, MemberMedia>();
  readonly #pipes: RoomPipes;
  readonly #options: RoomOptions;
  readonly #logger: Logger;
  #closed = false;

  private constructor(
    id: string,
    slot: WorkerSlot,
    router: types.Router,
    speaker: types.ActiveSpeakerObserver,
    options: RoomOptions,
    logger: Logger,
  ) {
    super((error, event) => logger.error({ err: error, event }, 'room listener threw'));
    this.id = id;
    this.#slot = slot;
    this.#router = router;
    this.#speaker = speaker;
    this.#options = options;
    this.#logger = logger;
    // Microphones of other hosts are heard here too: each host's speaker observer hears the whole room.
    this.#pipes = new RoomPipes(router, options.pipes, (producer) => {
      if (producer.appData.source === 'microphone') {
        void this.#hear(producer);
      }
    });
    speaker.on('dominantspeaker', ({ producer }) => {
      const memberId = (producer.appData as ProducerAppData).memberId;
      this.emit('activeSpeaker', memberId ?? null);
    });
    router.observer.on('close', () => this.#onRouterClosed());
  }

  static async create(
    id: string,
    slot: WorkerSlot,
    mediaCodecs: types.RouterRtpCodecCapability[],
    options: RoomOptions,
    logger: Logger,
  ): Promise<Room> {
    const router = await slot.worker.createRouter({ mediaCodecs });
    const speaker = await router.createActiveSpeakerObserver({ interval: ACTIVE_SPEAKER_INTERVAL_MS });
    slot.load++;
    return new Room(id, slot, router, speaker, options, logger.child({ room: id.slice(0, 6) }));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get workerIndex(): number {
    return this.#slot.index;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.#router.rtpCapabilities as RtpCapabilities;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** Producers and consumers of this room's members (copies from other hosts not counted). */
  get mediaCounts(): { producers: number; consumers: number } {
    let producers = 0;
    let consumers = 0;
    for (const member of this.#members.values()) {
      producers += member.producers.length;
      consumers += member.consumerCount;
    }
    return { producers, consumers };
  }

  /** The room's pipes to the other hosts of its meeting. */
  get pipes(): RoomPipes {
    this.#assertOpen();
    return this.#pipes;
  }

  #member(memberId: string): MemberMedia {
    this.#assertOpen();
    let member = this.#members.get(memberId);
    if (!member) {
      member = new MemberMedia(memberId);
      this.#members.set(memberId, member);
    }
    return member;
  }

  #existingMember(memberId: string): MemberMedia {
    this.#assertOpen();
    const member = this.#members.get(memberId);
    if (!member) {
      throw sfuErrors.notFound('member');
    }
    return member;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw sfuErrors.roomClosed();
    }
  }

  async createWebRtcTransport(memberId: string, direction: TransportDirection): Promise<TransportOptions> {
    const member = this.#member(memberId);
    const transport = await this.#router.createWebRtcTransport<TransportAppData>({
      webRtcServer: this.#slot.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
      appData: { memberId, direction },
    });
    if (direction === 'send') {
      await transport.setMaxIncomingBitrate(MAX_INCOMING_BITRATE);
    }
    member.addTransport(transport);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates.map((c) => ({
        foundation: c.foundation,
        priority: c.priority,
        address: c.address,
        protocol: c.protocol,
        port: c.port,
        type: c.type,
        ...(c.tcpType ? { tcpType: c.tcpType } : {}),
      })),
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(
    memberId: string,
    transportId: string,
    dtlsParameters: DtlsParameters,
  ): Promise<void> {
    const transport = this.#existingMember(memberId).transport(transportId);
    try {
      await transport.connect({ dtlsParameters: dtlsParameters });
    } catch (error) {
      throw sfuErrors.mediaError('could not connect transport', error);
    }
  }

  /** New ICE credentials for the member's transport (the browser restarts ICE with them). */
  async restartIce(memberId: string, transportId: string): Promise<IceParameters> {
    this.#assertOpen();
    const transport = this.#existingMember(memberId).transport(transportId);
    try {
      return await transport.restartIce();
    } catch (error) {
      throw sfuErrors.mediaError('could not restart ICE', error);
    }
  }

  async produce(
    memberId: string,
    transportId: string,
    kind: MediaKind,
    rtpParameters: RtpParameters,
    source: MediaSource,
  ): Promise<string> {
    const member = this.#existingMember(memberId);
    const transport = member.transport(transportId);
    if (transport.appData.direction !== 'send') {
      throw sfuErrors.forbidden('cannot produce on a receive transport');
    }
    if (kindOfSource[source] !== kind) {
      throw sfuErrors.forbidden(`source ${source} cannot carry ${kind}`);
    }
    // One producer per source: a new camera replaces the old one.
    member.producerBySource(source)?.close();
    let producer: types.Producer<ProducerAppData>;
    try {
      producer = await transport.produce<ProducerAppData>({
        kind,
        rtpParameters: rtpParameters as types.RtpParameters,
        appData: { memberId, source },
      });
    } catch (error) {
      throw sfuErrors.mediaError('could not produce', error);
    }
    await this.#adopt(member, producer);
    return producer.id;
  }

  /** Takes a new producer of the member in: announced when it closes, heard by the speaker observer. */
  async #adopt(member: MemberMedia, producer: types.Producer<ProducerAppData>): Promise<void> {
    member.addProducer(producer);
    const { memberId, source } = producer.appData;
    producer.observer.on('close', () => {
      if (!this.#closed) {
        this.emit('producerClosed', memberId, producer.id);
      }
    });
    if (source === 'microphone') {
      await this.#hear(producer);
    }
  }

  async #hear(producer: types.Producer): Promise<void> {
    await this.#speaker.addProducer({ producerId: producer.id }).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not observe producer for active speaker');
    });
  }

  /** Sends one of this room's members' producers to another host through the room's pipe. */
  async sendThroughPipe(peer: string, producerId: string): Promise<PipedProducer> {
    this.#assertOpen();
    const producer = this.#memberProducer(producerId);
    if (!producer || producer.closed) {
      throw sfuErrors.notFound('producer');
    }
    return this.#pipes.send(peer, producer);
  }

  closeProducer(memberId: string, producerId: string): void {
    this.#existingMember(memberId).producer(producerId).close();
  }

  async setProducerPaused(memberId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.#existingMember(memberId).producer(producerId);
    await (paused ? producer.pause() : producer.resume());
  }

  #memberProducer(producerId: string): types.Producer<ProducerAppData> | undefined {
    for (const member of this.#members.values()) {
      const producer = member.producers.find((p) => p.id === producerId);
      if (producer) {
        return producer;
      }
    }
    return undefined;
  }

  /** A member's producer, or the copy of another host's producer (consumed alike). */
  #findProducer(producerId: string): types.Producer<ProducerAppData> | undefined {
    return this.#memberProducer(producerId) ?? this.#pipes.producer(producerId);
  }

  async consume(
    memberId: string,
    producerId: string,
    rtpCapabilities: RtpCapabilities,
  ): Promise<ConsumerOptions> {
    const member = this.#existingMember(memberId);
    const producer = this.#findProducer(producerId);
    if (!producer || producer.closed) {
      throw sfuErrors.notFound('producer');
    }
    if (producer.appData.memberId === memberId) {
      throw sfuErrors.forbidden('cannot consume own producer');
    }
    const caps = rtpCapabilities as types.RtpCapabilities;
    if (!this.#router.canConsume({ producerId, rtpCapabilities: caps })) {
      throw sfuErrors.mediaError('receiver cannot decode this producer');
    }
    const transport = member.transportFor('recv');
    let consumer: types.Consumer<ConsumerAppData>;
    try {
      // Created paused: the client resumes once its side is ready, so no
      // key frame is lost before the track is attached.
      consumer = await transport.consume<ConsumerAppData>({
        producerId,
        rtpCapabilities: caps,
        paused: true,
        appData: { memberId },
      });
    } catch (error) {
      throw sfuErrors.mediaError('could not consume', error);
    }
    member.addConsumer(consumer);
    consumer.on('producerclose', () => {
      this.emit('consumerClosed', memberId, consumer.id, producerId);
    });
    return {
      id: consumer.id,
      producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as RtpParameters,
      type: consumer.type,
      producerPaused: consumer.producerPaused,
    };
  }

  /** Test only: the first RTP packets the SFU forwards of a producer (see testAccess.ts). */
  async tap(
    producerId: string,
    maxPackets: number,
    timeoutMs: number,
  ): Promise<{ mimeType: string; packets: Buffer[] }> {
    this.#assertOpen();
    if (!this.#findProducer(producerId)) {
      throw sfuErrors.notFound('producer');
    }
    return capturePackets(this.#router, producerId, maxPackets, timeoutMs);
  }

  /** Test only: a producer of the member fed with plain RTP on a loopback UDP port. */
  async openTestFeed(
    memberId: string,
    kind: MediaKind,
    source: MediaSource,
    rtpParameters: RtpParameters,
  ): Promise<{ producerId: string; ip: string; port: number }> {
    const member = this.#member(memberId);
    if (kindOfSource[source] !== kind) {
      throw sfuErrors.forbidden(`source ${source} cannot carry ${kind}`);
    }
    member.producerBySource(source)?.close();
    const { transport, producer } = await openFeed(this.#router, this.#options.testFeedIp, {
      kind,
      rtpParameters: rtpParameters as types.RtpParameters,
      appData: { memberId, source },
    });
    member.addFeed(transport);
    await this.#adopt(member, producer);
    return { producerId: producer.id, ip: transport.tuple.localAddress, port: transport.tuple.localPort };
  }

  async resumeConsumer(memberId: string, consumerId: string): Promise<void> {
    await this.#existingMember(memberId).consumer(consumerId).resume();
  }

  async setConsumerLayers(
    memberId: string,
    consumerId: string,
    spatialLayer: number,
    temporalLayer?: number,
  ): Promise<void> {
    const consumer = this.#existingMember(memberId).consumer(consumerId);
    if (consumer.type !== 'simulcast' && consumer.type !== 'svc') {
      return;
    }
    await consumer.setPreferredLayers({
      spatialLayer,
      ...(temporalLayer === undefined ? {} : { temporalLayer }),
    });
  }

  closeMember(memberId: string): void {
    const member = this.#members.get(memberId);
    if (!member) {
      return;
    }
    this.#members.delete(memberId);
    member.close();
  }

  #onRouterClosed(): void {
    if (this.#closed) {
      return;
    }
    // The router closed under us: the worker died.
    this.#finish('worker-died');
  }

  #finish(reason: 'worker-died' | 'closed'): void {
    this.#closed = true;
    this.#slot.load = Math.max(0, this.#slot.load - 1);
    for (const member of this.#members.values()) {
      member.close();
    }
    this.#members.clear();
    this.emit('closed', reason);
    this.removeAllListeners();
  }

  /** Closes the router and everything in it. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#finish('closed');
    this.#router.close();
  }
}
