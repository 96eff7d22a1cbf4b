import type { types } from 'mediasoup';
import { sfuErrors } from './SfuError.ts';

/**
 * What the test tap (SFU_ENABLE_TEST_TAP, never in production) does on a
 * router: capture what the SFU forwards, and feed it plain RTP.
 */

/**
 * Consumes a producer on a DirectTransport inside the SFU and returns the
 * first RTP packets it forwards (what the operator could see).
 */
export async function capturePackets(
  router: types.Router,
  producerId: string,
  maxPackets: number,
  timeoutMs: number,
): Promise<{ mimeType: string; packets: Buffer[] }> {
  const transport = await router.createDirectTransport();
  try {
    const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
    const packets: Buffer[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      consumer.on('rtp', (packet) => {
        if (packets.length < maxPackets) {
          packets.push(Buffer.from(packet));
        }
        if (packets.length >= maxPackets) {
          clearTimeout(timer);
          resolve();
        }
      });
      void consumer.requestKeyFrame().catch(() => undefined);
    });
    return { mimeType: consumer.rtpParameters.codecs[0]?.mimeType ?? '', packets };
  } finally {
    transport.close();
  }
}

/**
 * A producer fed with plain RTP on a UDP port of `ip` (the first packet's
 * source becomes the sender: comedia). The transport is closed if the
 * producer cannot be made.
 */
export async function openFeed<A extends types.AppData>(
  router: types.Router,
  ip: string,
  options: { kind: types.MediaKind; rtpParameters: types.RtpParameters; appData: A },
): Promise<{ transport: types.PlainTransport; producer: types.Producer<A> }> {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip },
    comedia: true,
    rtcpMux: true,
  });
  try {
    return { transport, producer: await transport.produce<A>(options) };
  } catch (error) {
    transport.close();
    throw sfuErrors.mediaError('could not produce', error);
  }
}
