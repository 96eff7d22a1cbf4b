import { createHash } from 'node:crypto';

/**
 * How the logs name an SFU host: a short digest of its id, never its address
 * (signaling's logs hold no IP address). An operator finds a host's label
 * with `printf %s http://10.0.0.11:4001 | sha256sum | cut -c1-8`.
 */
export function hostLabel(hostId: string | undefined): string | undefined {
  return hostId === undefined
    ? undefined
    : `sfu-${createHash('sha256').update(hostId).digest('hex').slice(0, 8)}`;
}
