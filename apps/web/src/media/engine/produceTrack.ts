import type { types as ms } from 'mediasoup-client';
import type { MediaSource } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import { sendCodecFor } from '../codecs.ts';
import { CAMERA_ENCODINGS, SCREEN_ENCODINGS } from '../encodings.ts';
import type { MediaTransformHooks } from '../meetingClientTypes.ts';
import { MeetingError } from '../MeetingError.ts';
import type { TransportSet } from './MediaTransports.ts';
import type { RoomRequest } from './roomRequest.ts';

/** What the person sends for one source, whether or not a producer carries it right now. */
export interface LocalSend {
  readonly source: MediaSource;
  /** Owned by the publisher: stopped when the source stops. Null for a camera turned off (released). */
  track: MediaStreamTrack | null;
  /** Muted, camera off, or paused by a moderator. */
  paused: boolean;
  /** Its producer on the current transports; null while the media server's loss is repaired. */
  producer: ms.Producer | null;
  /** An operation is about to produce it, or does: the republish after a repair leaves it to that. */
  producing: boolean;
}

/** Where producers are made. */
export interface SendPath {
  /** The transports to produce on; waits while a repair makes new ones; rejects `not-joined` or `closed`. */
  ready(): Promise<TransportSet>;
  isCurrent(set: TransportSet): boolean;
}

export interface ProduceSendDeps {
  sendPath: SendPath;
  hooks: MediaTransformHooks | undefined;
  request: RoomRequest;
  logger: Logger;
  /** Whether the publisher still holds `send` (not stopped, not closed meanwhile). */
  owns: (send: LocalSend) => boolean;
  onTrackEnded: (source: MediaSource) => void;
}

/**
 * Makes the producer of `send` on the current transports; if those are lost
 * while producing (a media reset), waits for the next ones and tries there.
 * A paused send is paused on the server too. Rejects `closed` if the send
 * was stopped meanwhile.
 */
export async function produceSend(send: LocalSend, deps: ProduceSendDeps): Promise<void> {
  const { sendPath, request, owns } = deps;
  send.producing = true;
  try {
    for (;;) {
      if (send.producer && !send.producer.closed) {
        return;
      }
      const set = await sendPath.ready();
      const track = send.track;
      if (!owns(send) || !track) {
        throw MeetingError.closed();
      }
      let producer: ms.Producer;
      try {
        producer = await produceTrack(set, send.source, track, deps);
      } catch (error) {
        if (owns(send) && !sendPath.isCurrent(set)) {
          continue;
        }
        throw error;
      }
      if (!sendPath.isCurrent(set)) {
        producer.close();
        continue;
      }
      if (!owns(send)) {
        producer.close();
        throw MeetingError.closed();
      }
      send.producer = producer;
      producer.on('trackended', () => deps.onTrackEnded(send.source));
      if (send.paused) {
        // Nothing leaves while paused here; the server's view only drives the others' mute icons.
        producer.pause();
        await request('setProducerPaused', { producerId: producer.id, paused: true }).catch(
          (error: unknown) => {
            deps.logger.warn(`the server was not told that ${send.source} is paused`, error);
          },
        );
      }
      return;
    }
  } finally {
    send.producing = false;
  }
}

type ProduceExtras = Pick<ms.ProducerOptions, 'encodings' | 'codecOptions'>;

/** How each source is sent (the codec itself is chosen per device: VP8 or Opus, never H.264). */
const PRODUCE_EXTRAS: Readonly<Record<MediaSource, ProduceExtras>> = {
  microphone: { codecOptions: { opusDtx: true, opusFec: true } },
  camera: { encodings: CAMERA_ENCODINGS, codecOptions: { videoGoogleStartBitrate: 1000 } },
  screen: { encodings: SCREEN_ENCODINGS },
  'screen-audio': {},
};

/**
 * One producer for `track` on `set`'s send transport, with the E2EE send
 * transform attached before any frame (the same hook on first join and after
 * a repair). Fails closed: a producer whose hook did not run is closed, here
 * and on the server. The track is never stopped here (its owner does).
 */
export async function produceTrack(
  set: TransportSet,
  source: MediaSource,
  track: MediaStreamTrack,
  deps: { hooks: MediaTransformHooks | undefined; request: RoomRequest; logger: Logger },
): Promise<ms.Producer> {
  // Always an explicit codec, one the E2EE layer protects (VP8, Opus): never H.264.
  const codec = sendCodecFor(source, set.device.sendRtpCapabilities.codecs);
  if (!codec) {
    throw new MeetingError(
      'unsupported-browser',
      `this browser cannot send ${source} in a protectable codec`,
    );
  }
  const hook = deps.hooks?.onRtpSender;
  let hooked = false;
  let producer: ms.Producer;
  try {
    producer = await set.send.produce({
      track,
      // Tracks belong to their owner: they outlive a producer the media server lost.
      stopTracks: false,
      appData: { source },
      ...PRODUCE_EXTRAS[source],
      codec,
      ...(hook
        ? {
            onRtpSender: (sender: RTCRtpSender) => {
              hook(sender, source);
              hooked = true;
            },
          }
        : {}),
    });
  } catch (error) {
    throw MeetingError.from(error);
  }
  if (hook && !hooked) {
    // Fail closed: a sender without its transform would send in clear.
    producer.close();
    deps.request('closeProducer', { producerId: producer.id }).catch((error: unknown) => {
      deps.logger.warn(`closeProducer(${source}) failed`, error);
    });
    throw new MeetingError('e2ee-unavailable', 'the send transform was not attached');
  }
  return producer;
}
