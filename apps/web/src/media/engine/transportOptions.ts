import { Device } from 'mediasoup-client';
import type { types as ms } from 'mediasoup-client';
import type { IceServer, IceTransportPolicy, TransportOptions } from '@confidentiel/protocol';
import { MeetingError } from '../MeetingError.ts';

/** What signaling said at join about ICE: its TURN servers (if any) and the policy. */
export interface TransportIce {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

export const NO_ICE_SERVERS: TransportIce = { iceServers: [], iceTransportPolicy: 'all' };

/**
 * ICE servers come only from what the server returns: no public STUN is ever
 * added here.
 */
export function toMediasoupTransportOptions(
  remote: TransportOptions,
  settings: Partial<RTCConfiguration> | undefined,
  ice: TransportIce = NO_ICE_SERVERS,
): ms.TransportOptions {
  return {
    id: remote.id,
    iceParameters: remote.iceParameters,
    iceCandidates: remote.iceCandidates.map((candidate) => ({
      ...candidate,
      ip: candidate.ip ?? candidate.address,
    })),
    dtlsParameters: remote.dtlsParameters,
    // Only the servers signaling named (none by default): never a built-in STUN server.
    iceServers: ice.iceServers.map((server) => ({ ...server, urls: [...server.urls] })),
    iceTransportPolicy: ice.iceTransportPolicy,
    ...(settings ? { additionalSettings: settings } : {}),
  };
}

/** A fresh mediasoup device loaded with the router's capabilities. */
export async function loadDevice(
  createDevice: (() => Promise<Device>) | undefined,
  routerRtpCapabilities: ms.RtpCapabilities,
): Promise<Device> {
  try {
    const device = await (createDevice ?? (() => Device.factory()))();
    await device.load({ routerRtpCapabilities });
    return device;
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'UnsupportedError') {
      throw new MeetingError('unsupported-browser', 'this browser cannot do WebRTC with the SFU', {
        cause: error,
      });
    }
    throw MeetingError.from(error);
  }
}
