import type { types as ms } from 'mediasoup-client';
import type { MediaSource, MemberInfo, RtpCapabilities } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import { mediaCodecOf, protectableCapabilities } from '../codecs.ts';
import { chooseSpatialLayer, type SpatialLayer } from '../layers.ts';
import type { ConsumerStats, MediaTransformHooks } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';
import type { MeetingAction, MeetingState } from '../meetingState.ts';
import { summarizeInboundStats, type InboundFigures } from '../stats.ts';
import type { TransportSet } from './MediaTransports.ts';
import type { RoomRequest } from './roomRequest.ts';

interface ConsumerEntry {
  consumer: ms.Consumer;
  memberId: string;
  source: MediaSource;
  simulcast: boolean;
  /** The spatial layer last asked for, null until asked. */
  layer: SpatialLayer | null;
}

/** Where consumers are made: one receive transport, and the producers being consumed on it. */
interface ReceivePath {
  readonly set: TransportSet;
  /** Producer ids being consumed right now, so that none is consumed twice. */
  readonly consuming: Set<string>;
}

export interface RemoteSubscriberOptions {
  request: RoomRequest;
  state: () => MeetingState;
  dispatch: (action: MeetingAction) => void;
  hooks: MediaTransformHooks | undefined;
  logger: Logger;
}

/**
 * The other members' media: one consumer per remote producer, made on the
 * current receive transport, resumed after its simulcast layer is chosen.
 * `detach()` forgets every consumer at once (the media server lost them);
 * `attach()` gives a new receive transport, and `consumeMissing()` fills it.
 */
export class RemoteSubscriber {
  readonly #options: RemoteSubscriberOptions;
  readonly #consumers = new Map<string, ConsumerEntry>();
  /**
   * Producer ids whose consumer failed on our side. Not retried: the server
   * may hold a consumer for each attempt, and the same failure would repeat.
   */
  readonly #unconsumable = new Set<string>();
  #path: ReceivePath | null = null;
  #closed = false;

  constructor(options: RemoteSubscriberOptions) {
    this.#options = options;
  }

  /** Consumers are made on this set's receive transport from now on. */
  attach(set: TransportSet): void {
    if (this.#closed) {
      return;
    }
    this.detach();
    this.#path = { set, consuming: new Set() };
  }

  /** Closes every consumer here (no request: the server already forgot them); consumes in flight are dropped. */
  detach(): void {
    for (const entry of this.#consumers.values()) {
      entry.consumer.close();
    }
    this.#consumers.clear();
    this.#unconsumable.clear();
    this.#path = null;
  }

  /** Idempotent. */
  close(): void {
    this.detach();
    this.#closed = true;
  }

  /** Consumes every known remote producer that has no consumer yet (nothing while detached). */
  consumeMissing(): void {
    const path = this.#path;
    if (!path || this.#closed) {
      return;
    }
    const state = this.#options.state();
    for (const media of state.media) {
      const member = state.members.find((m) => m.memberId === media.memberId);
      if (
        member &&
        media.consumerId === null &&
        !path.consuming.has(media.producerId) &&
        !this.#unconsumable.has(media.producerId)
      ) {
        void this.#consume(path, media.producerId, member, media.source);
      }
    }
  }

  /** A producer closed: its consumer goes. */
  closeConsumerOf(producerId: string): void {
    for (const [id, entry] of this.#consumers) {
      if (entry.consumer.producerId === producerId) {
        entry.consumer.close();
        this.#consumers.delete(id);
      }
    }
  }

  /** A member left: their consumers go. */
  closeConsumersOfMember(memberId: string): void {
    for (const [id, entry] of this.#consumers) {
      if (entry.memberId === memberId) {
        entry.consumer.close();
        this.#consumers.delete(id);
      }
    }
  }

  /** The server closed one consumer. */
  closeConsumer(consumerId: string): void {
    this.#consumers.get(consumerId)?.consumer.close();
    this.#consumers.delete(consumerId);
  }

  /** Asks for the simulcast layer each video consumer's tile deserves, when it changed. */
  updateLayers(): void {
    const state = this.#options.state();
    if (this.#closed || state.phase.name !== 'joined') {
      return;
    }
    const videoTileCount =
      1 +
      state.members.length +
      state.media.filter((m) => m.source === 'screen').length +
      (state.local.screen.active ? 1 : 0);
    for (const entry of this.#consumers.values()) {
      if (!entry.simulcast || entry.consumer.kind !== 'video' || entry.consumer.closed) {
        continue;
      }
      const layer = chooseSpatialLayer({
        source: entry.source,
        isActiveSpeaker: entry.memberId === state.activeSpeakerId,
        videoTileCount,
      });
      if (layer === entry.layer) {
        continue;
      }
      entry.layer = layer;
      this.#options
        .request('setConsumerLayers', { consumerId: entry.consumer.id, spatialLayer: layer })
        .catch((error: unknown) => {
          this.#options.logger.warn('setConsumerLayers failed', error);
          if (entry.layer === layer) {
            entry.layer = null;
          }
        });
    }
  }

  /** Inbound RTP figures of every live consumer. */
  async getStats(): Promise<ConsumerStats[]> {
    const entries = [...this.#consumers.values()].filter((entry) => !entry.consumer.closed);
    return Promise.all(
      entries.map(async (entry): Promise<ConsumerStats> => {
        let figures: InboundFigures = {};
        try {
          figures = summarizeInboundStats((await entry.consumer.getStats()).values());
        } catch (error) {
          this.#options.logger.debug('consumer stats unavailable', error);
        }
        const media = this.#options.state().media.find((m) => m.producerId === entry.consumer.producerId);
        return {
          memberId: entry.memberId,
          source: entry.source,
          kind: entry.consumer.kind,
          producerId: entry.consumer.producerId,
          consumerId: entry.consumer.id,
          producerPaused: media?.paused ?? false,
          ...figures,
        };
      }),
    );
  }

  /** Whether a consume started on `path` may still go on. */
  #live(path: ReceivePath, producerId: string): boolean {
    return (
      !this.#closed &&
      this.#path === path &&
      this.#options.state().media.some((m) => m.producerId === producerId)
    );
  }

  async #consume(
    path: ReceivePath,
    producerId: string,
    member: MemberInfo,
    source: MediaSource,
  ): Promise<void> {
    const { request, hooks, dispatch, logger } = this.#options;
    const { device, recv: transport } = path.set;
    const memberId = member.memberId;
    path.consuming.add(producerId);
    try {
      const options = await request('consume', {
        producerId,
        // Codecs the E2EE layer cannot handle are not even offered.
        rtpCapabilities: protectableCapabilities(device.recvRtpCapabilities) as RtpCapabilities,
      });
      if (!this.#live(path, producerId)) {
        return;
      }
      const rtpParameters = options.rtpParameters as ms.RtpParameters;
      const hook = hooks?.onRtpReceiver;
      let hooked = false;
      const consumer = await transport.consume({
        id: options.id,
        producerId,
        kind: options.kind,
        rtpParameters,
        // One stream per member and kind of capture, so the browser keeps lips and voice in sync.
        streamId: `${memberId}-${source === 'screen' || source === 'screen-audio' ? 'screen' : 'camera'}`,
        ...(hook
          ? {
              onRtpReceiver: (receiver: RTCRtpReceiver) => {
                hook(receiver, {
                  memberId,
                  source,
                  senderIndex: member.senderIndex,
                  mimeType: mediaCodecOf(rtpParameters).mimeType,
                });
                hooked = true;
              },
            }
          : {}),
        appData: { memberId, source },
      });
      if (hook && !hooked) {
        // Never play what did not go through the receive transform.
        consumer.close();
        throw new MeetingError('e2ee-unavailable', 'the receive transform was not attached');
      }
      if (!this.#live(path, producerId)) {
        consumer.close();
        return;
      }
      this.#consumers.set(consumer.id, {
        consumer,
        memberId,
        source,
        simulcast: options.type === 'simulcast',
        layer: null,
      });
      // Dispatching also picks the consumer's layer, before it is resumed.
      dispatch({ type: 'consumed', producerId, consumerId: consumer.id, track: consumer.track });
      await request('resumeConsumer', { consumerId: consumer.id });
    } catch (error) {
      const failure = MeetingError.from(error);
      if (failure.reason === 'closed' || this.#path !== path) {
        // Closed, or the media server lost this transport meanwhile: the rebuild consumes it again.
        return;
      }
      if (failure.reason === 'not-found') {
        // The producer went away between its announcement and our request.
        dispatch({ type: 'producerClosed', producerId });
        return;
      }
      this.#unconsumable.add(producerId);
      logger.warn(`could not consume ${source} of ${memberId}`, failure);
    } finally {
      path.consuming.delete(producerId);
    }
  }
}
