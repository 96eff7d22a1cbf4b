import type { Logger } from 'pino';
import type { RedisClientType } from 'redis';
import { RedisLeases, type MeetingLeases } from './MeetingLeases.ts';
import { RedisNodeBus, type NodeBus } from './NodeBus.ts';
import { RedisNodeRegistry, type NodeRegistry } from './NodeRegistry.ts';
import { RedisSessionRecords, type SessionRecords } from './SessionRecords.ts';

/** The pieces that make this node one of several (REDIS_URL set). */
export interface ClusterParts {
  leases: MeetingLeases;
  bus: NodeBus;
  registry: NodeRegistry;
  records: SessionRecords;
  close(): Promise<void>;
}

export async function createCluster(options: {
  redis: RedisClientType;
  nodeId: string;
  logger: Logger;
}): Promise<ClusterParts> {
  const logger = options.logger.child({ node: options.nodeId });
  const leases = new RedisLeases({ redis: options.redis, nodeId: options.nodeId, logger });
  const bus = await RedisNodeBus.create({ redis: options.redis, nodeId: options.nodeId, logger });
  const registry = new RedisNodeRegistry({ redis: options.redis, nodeId: options.nodeId, logger });
  const records = new RedisSessionRecords(options.redis);
  return {
    leases,
    bus,
    registry,
    records,
    close: async () => {
      await leases.close();
      await bus.close();
      await registry.close();
    },
  };
}
