import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  SFU_CONTROL_AUDIENCE,
  SFU_CONTROL_ISSUER,
  SFU_CONTROL_NAMESPACE,
  parseAck,
  sfuRequests,
} from '@confidentiel/protocol';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import { CONTROL_SECRET, CONTROL_URL } from './servers.ts';

/**
 * What a malicious operator could capture: the RTP packets the SFU forwards
 * for one producer (through the SFU's test-only tap on its control channel).
 */
export async function tapProducer(
  roomId: string,
  producerId: string,
  maxPackets = 400,
  timeoutMs = 6000,
): Promise<{ mimeType: string; packets: Buffer[] }> {
  const tokens = new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: Buffer.from(CONTROL_SECRET, 'hex') }]),
    issuer: SFU_CONTROL_ISSUER,
  });
  const token = tokens.issue({
    audience: SFU_CONTROL_AUDIENCE,
    typ: SFU_CONTROL_AUDIENCE,
    subject: `test-${randomUUID()}`,
    ttlSeconds: 60,
  }).token;
  const socket = io(`${CONTROL_URL}${SFU_CONTROL_NAMESPACE}`, {
    transports: ['websocket'],
    auth: { token, protocolVersion: PROTOCOL_VERSION },
    reconnection: false,
  });
  try {
    const ack: unknown = await socket
      .timeout(timeoutMs + 5000)
      .emitWithAck('tapProducer', { roomId, producerId, maxPackets, timeoutMs });
    const { mimeType, packets } = parseAck(sfuRequests, 'tapProducer', ack);
    return { mimeType, packets: packets.map((p) => Buffer.from(p, 'base64')) };
  } finally {
    socket.close();
  }
}
