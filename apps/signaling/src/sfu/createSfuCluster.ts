import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { SFU_CONTROL_AUDIENCE, SFU_CONTROL_HOST_CLAIM } from '@confidentiel/protocol';
import type { TokenService } from '@confidentiel/tokens';
import { HostDiscovery } from './HostDiscovery.ts';
import { MemoryMeetingPlacements } from './MeetingPlacements.ts';
import { RedisMeetingPlacements } from './RedisMeetingPlacements.ts';
import { SfuCluster } from './SfuCluster.ts';
import { SfuConnection } from './SfuConnection.ts';

/** Control tokens are made per (re)connection and live one minute. */
export const CONTROL_TOKEN_TTL_S = 60;

export interface CreateSfuClusterOptions {
  /** SFU_URLS (or SFU_URL), as origins. */
  sfuUrls: readonly string[];
  maxMembersPerHost: number;
  lossMs: number;
  /** Signs control tokens (SFU_CONTROL_SECRET). */
  controlTokens: TokenService;
  /** With Redis: placements every node shares, and hosts that register themselves. */
  redis?: RedisClientType | undefined;
  owns?: (roomId: string) => boolean;
  logger: Logger;
}

/** Signaling's media servers, from its settings. */
export function createSfuCluster(options: CreateSfuClusterOptions): SfuCluster {
  const { controlTokens, redis, logger } = options;
  const discovery = redis === undefined ? undefined : new HostDiscovery({ redis, logger });
  const cluster = new SfuCluster({
    staticHosts: options.sfuUrls,
    connect: (hostId) =>
      new SfuConnection({
        hostId,
        logger,
        // Each token names its host: a host that knows its own URL refuses a token made for another.
        token: () =>
          controlTokens.issue({
            audience: SFU_CONTROL_AUDIENCE,
            typ: SFU_CONTROL_AUDIENCE,
            subject: 'signaling',
            ttlSeconds: CONTROL_TOKEN_TTL_S,
            claims: { [SFU_CONTROL_HOST_CLAIM]: hostId },
          }).token,
      }),
    placements: redis === undefined ? new MemoryMeetingPlacements() : new RedisMeetingPlacements({ redis }),
    discovery,
    maxMembersPerHost: options.maxMembersPerHost,
    lossMs: options.lossMs,
    ...(options.owns ? { owns: options.owns } : {}),
    logger,
  });
  void discovery?.poll();
  return cluster;
}
