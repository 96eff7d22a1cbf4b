import { LIMITS, MAX_MLS_MESSAGE_BYTES } from '@confidentiel/protocol';

/**
 * Events that may be larger than LIMITS.maxMessageBytes: an MLS commit and
 * its Welcome grow with the room (the ratchet tree), up to MAX_MLS_MESSAGE_BYTES.
 * Socket.IO's own cap (maxHttpBufferSize) is that larger one, so every other
 * event is held to the smaller cap here, before its payload is validated.
 */
const LARGE_EVENTS: ReadonlySet<string> = new Set(['mlsCommit']);

/** The most bytes an event may carry. */
export function maxMessageBytes(event: string): number {
  return LARGE_EVENTS.has(event) ? MAX_MLS_MESSAGE_BYTES : LIMITS.maxMessageBytes;
}

/**
 * The bytes of an event as the wire carried it (socket.io-parser encodes
 * `[event, ...args]` as JSON; the acknowledgement is an id, not counted).
 * What cannot be measured counts as too large.
 */
export function messageBytes(event: string, args: readonly unknown[]): number {
  const payload = typeof args[args.length - 1] === 'function' ? args.slice(0, -1) : args;
  try {
    return Buffer.byteLength(JSON.stringify([event, ...payload]), 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
