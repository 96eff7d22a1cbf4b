import { ProtocolError, refusalReasons, type RefusalReason } from '@confidentiel/protocol';

/** Reasons that only exist on the client side, on top of the server's refusal reasons. */
export const clientErrorReasons = [
  'timeout',
  'connection-failed',
  'connection-lost',
  'unsupported-browser',
  'device-error',
  /** End-to-end encryption cannot run here (no encoded transform API, worker failed): never send in clear. */
  'e2ee-unavailable',
  'closed',
] as const;
export type ClientErrorReason = (typeof clientErrorReasons)[number];
export type MeetingErrorReason = RefusalReason | ClientErrorReason;

export function isRefusalReason(value: unknown): value is RefusalReason {
  return typeof value === 'string' && (refusalReasons as readonly string[]).includes(value);
}

/** Every failure the meeting client reports, with a reason the UI can translate. */
export class MeetingError extends Error {
  readonly reason: MeetingErrorReason;

  constructor(reason: MeetingErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeetingError';
    this.reason = reason;
  }

  /** The client was used after `close()`. */
  static closed(): MeetingError {
    return new MeetingError('closed', 'the meeting client is closed');
  }

  static timeout(what: string): MeetingError {
    return new MeetingError('timeout', `${what} timed out`);
  }

  static device(message: string, cause: unknown): MeetingError {
    return new MeetingError('device-error', message, { cause });
  }

  /** Wraps anything thrown into a MeetingError, keeping a refusal reason when there is one. */
  static from(error: unknown): MeetingError {
    if (error instanceof MeetingError) {
      return error;
    }
    if (error instanceof ProtocolError) {
      return new MeetingError(error.reason, error.message, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new MeetingError('internal', message, { cause: error });
  }
}

/** Refusals that mean "you cannot enter this meeting": shown on the join page, same text for all. */
export function isAccessRefusal(reason: MeetingErrorReason): boolean {
  return (
    reason === 'room-not-found' ||
    reason === 'forbidden' ||
    reason === 'unauthorized' ||
    reason === 'removed' ||
    reason === 'invite-invalid'
  );
}
