/**
 * Bytes of the Delivery Service's messages on the room socket, counted as the keys section's
 * TrafficCounter counts the live packets: Socket.IO 4 encodes a packet as
 * `<type>/room,<ack id>[...]` (2 = event, 3 = acknowledgement) and Engine.IO puts one type
 * character in front ('4', a message); WebSocket, TCP and IP headers are left out.
 */

/** The room socket's namespace. */
const NAMESPACE = '/room';

/**
 * socket.io-client numbers a socket's acknowledgements from 0: two digits stand for a member's
 * requests after its first few (the exact id changes a count by a byte or two).
 */
export const TYPICAL_ACK_ID = 42;

function packetBytes(type: 2 | 3, ackId: number | undefined, data: readonly unknown[]): number {
  return 1 + Buffer.byteLength(`${type}${NAMESPACE},${ackId ?? ''}${JSON.stringify(data)}`, 'utf8');
}

/** A request a member sends (`socket.emitWithAck(name, payload)`). */
export function requestBytes(name: string, payload: unknown, ackId = TYPICAL_ACK_ID): number {
  return packetBytes(2, ackId, [name, payload]);
}

/** The server's acknowledgement of a request, with its result (protocol/src/serve.ts: `{ok, data}`). */
export function responseBytes(data: unknown, ackId = TYPICAL_ACK_ID): number {
  return packetBytes(3, ackId, [{ ok: true, data }]);
}

/** An event the server sends to one socket. */
export function eventBytes(name: string, payload: unknown): number {
  return packetBytes(2, undefined, [name, payload]);
}

/**
 * The JSON the server's size check measures (apps/signaling/src/socket/messageSize.ts:
 * `[event, ...args]`, without framing).
 */
export function checkedBytes(name: string, payload: unknown): number {
  return Buffer.byteLength(JSON.stringify([name, payload]), 'utf8');
}
