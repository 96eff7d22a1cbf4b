import type { Device, types as ms } from 'mediasoup-client';
import type { Logger } from '../../logger.ts';
import { MeetingError } from '../MeetingError.ts';
import type { MeetingAction } from '../meetingState.ts';
import { backoffDelay, RECONNECT_MEDIA_BACKOFF } from './backoff.ts';
import type { LocalPublisher } from './LocalPublisher.ts';
import type { MediaTransports } from './MediaTransports.ts';
import type { RemoteSubscriber } from './RemoteSubscriber.ts';
import type { RoomRequest } from './roomRequest.ts';
import { loadDevice } from './transportOptions.ts';

/** What rebuilding the media after a `mediaReset` needs; owned and stopped by MeetingLifecycle. */
export interface MediaRebuildJob {
  /** Still wanted: no newer reset, no leave, no end. */
  wanted(): boolean;
  request: RoomRequest;
  createDevice: (() => Promise<Device>) | undefined;
  transports: MediaTransports;
  subscriber: RemoteSubscriber;
  publisher: LocalPublisher;
  dispatch: (action: MeetingAction) => void;
  /** Resolves after `ms`, or earlier when the job is stopped. */
  sleep(ms: number): Promise<void>;
  /** Each failed attempt, kept to explain a give-up. */
  onFailure(error: MeetingError): void;
  logger: Logger;
}

/** Failures no retry mends. */
const FINAL: ReadonlySet<string> = new Set([
  'unsupported-browser',
  'e2ee-unavailable',
  'forbidden',
  'removed',
]);

/**
 * The media server lost every transport, producer and consumer of the room
 * (the old ones are already dropped here): ask for the room's media as it is
 * now (`sfu-unavailable` while a worker is replaced: retried with backoff),
 * load a fresh device, make both transports, consume every producer known,
 * and send our tracks again. Resolves true once done and still wanted; rejects
 * on a failure no retry mends. The lifecycle bounds the whole in time.
 */
export async function rebuildMedia(job: MediaRebuildJob): Promise<boolean> {
  for (let attempt = 0; job.wanted(); attempt += 1) {
    try {
      const answer = await job.request('reconnectMedia', {});
      if (!job.wanted()) {
        return false;
      }
      // Announced again with their new ids; `producerAdded` events may have told some already.
      job.dispatch({ type: 'remoteProducers', producers: answer.producers });
      const device = await loadDevice(job.createDevice, answer.routerRtpCapabilities as ms.RtpCapabilities);
      if (!job.wanted()) {
        return false;
      }
      const set = await job.transports.build(device);
      if (!job.wanted()) {
        return false;
      }
      job.subscriber.attach(set);
      job.subscriber.consumeMissing();
      await job.publisher.republish();
      return job.wanted();
    } catch (error) {
      const failure = MeetingError.from(error);
      if (!job.wanted() || failure.reason === 'closed') {
        return false;
      }
      if (FINAL.has(failure.reason)) {
        throw failure;
      }
      job.onFailure(failure);
      job.logger.warn(`media not rebuilt yet (attempt ${attempt + 1})`, failure);
      await job.sleep(backoffDelay(RECONNECT_MEDIA_BACKOFF, attempt));
    }
  }
  return false;
}
