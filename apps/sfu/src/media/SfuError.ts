import { ProtocolError } from '@confidentiel/protocol';

/** Refusals the SFU sends back on the control channel. */
export const sfuErrors = {
  notFound: (what: string) => new ProtocolError('not-found', `${what} not found`),
  forbidden: (what: string) => new ProtocolError('forbidden', what),
  mediaError: (message: string, cause?: unknown) => new ProtocolError('media-error', message, { cause }),
  roomClosed: () => new ProtocolError('room-not-found', 'room is closed'),
};
