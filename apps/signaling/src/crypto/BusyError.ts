import { ProtocolError } from '@confidentiel/protocol';

/** Why a hash did not run: no room to wait, or waited too long. */
export type BusyCause = 'queue-full' | 'wait-timeout';

/**
 * The server refused work it has no capacity for right now (HTTP 503 with
 * Retry-After, `{reason: 'busy'}`). Nothing was done: the same request may
 * succeed a moment later. Says nothing about the request itself (not whether
 * an email exists, nor whether a passcode is right).
 */
export class BusyError extends ProtocolError {
  declare readonly reason: 'busy';
  readonly busyCause: BusyCause;
  /** When trying again makes sense. */
  readonly retryAfterMs: number;

  constructor(busyCause: BusyCause, retryAfterMs: number) {
    super('busy', 'the server is busy, try again in a moment');
    this.name = 'BusyError';
    this.busyCause = busyCause;
    this.retryAfterMs = retryAfterMs;
  }

  static queueFull(retryAfterMs: number): BusyError {
    return new BusyError('queue-full', retryAfterMs);
  }

  static waitTimeout(retryAfterMs: number): BusyError {
    return new BusyError('wait-timeout', retryAfterMs);
  }

  /** Whole seconds for a Retry-After header (at least 1). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}
