import type { TransportDirection } from '@confidentiel/protocol';
import type { Logger } from '../../logger.ts';
import { MeetingError } from '../MeetingError.ts';
import { backoffDelay, ICE_RESTART_BACKOFF } from './backoff.ts';

/** What one transport's ICE repair needs; owned and stopped by MeetingLifecycle. */
export interface IceRestartJob {
  direction: TransportDirection;
  /** Still wanted: the transport is still down and nothing superseded this job (reset, leave, end). */
  wanted(): boolean;
  /** New credentials from the media server and an ICE restart here; false when there was nothing to restart. */
  restart(): Promise<boolean>;
  /** ICE is checking candidates after a restart (`connecting`): restarting again would start it over. */
  checking(): boolean;
  onRestarted(): void;
  /** Resolves after `ms`, or earlier when the job is stopped. */
  sleep(ms: number): Promise<void>;
  logger: Logger;
}

/**
 * Restarts ICE at once, then again after 0.5 s, 1 s, 2 s... (capped) for as
 * long as the transport stays down, skipping a turn while the previous
 * restart is still checking candidates. A failed request is only logged:
 * the next attempt may succeed; the lifecycle's give-up bound ends it all.
 */
export async function restartIceUntilConnected(job: IceRestartJob): Promise<void> {
  for (let attempt = 0; job.wanted(); attempt += 1) {
    try {
      if ((attempt === 0 || !job.checking()) && (await job.restart())) {
        job.onRestarted();
      }
    } catch (error) {
      const failure = MeetingError.from(error);
      if (failure.reason === 'closed') {
        return;
      }
      job.logger.warn(
        `ICE restart of the ${job.direction} transport failed (attempt ${attempt + 1})`,
        failure,
      );
    }
    if (!job.wanted()) {
      return;
    }
    await job.sleep(backoffDelay(ICE_RESTART_BACKOFF, attempt));
  }
}
