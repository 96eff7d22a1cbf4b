/**
 * Version of the wire protocol between browser, signaling and SFU.
 * Exchanged at connect (Socket.IO handshake `auth.protocolVersion`); a peer
 * speaking another version is refused with `protocol-mismatch`.
 */
export const PROTOCOL_VERSION = 1;
