import { KeyRing, TokenService } from '@confidentiel/tokens';
import type { Logger } from 'pino';
import { SFU_CONTROL_ISSUER } from '@confidentiel/protocol';
import { ControlServer } from './control/ControlServer.ts';
import { secretBytes, type SfuConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { mediaCodecs } from './media/codecs.ts';
import { RoomRegistry } from './media/RoomRegistry.ts';
import { WorkerPool } from './media/WorkerPool.ts';

export interface RunningSfu {
  controlPort: number;
  registry: RoomRegistry;
  pool: WorkerPool;
  close(): Promise<void>;
}

/** Wires the SFU together: workers, rooms and the control channel. */
export async function startSfu(
  config: SfuConfig,
  logger: Logger = createLogger('sfu', config.SFU_LOG_LEVEL),
): Promise<RunningSfu> {
  const tokens = new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: secretBytes(config.SFU_CONTROL_SECRET) }]),
    issuer: SFU_CONTROL_ISSUER,
  });
  const rooms: { registry?: RoomRegistry } = {};
  const pool = await WorkerPool.create({
    count: config.SFU_WORKERS,
    listenIp: config.SFU_RTC_LISTEN_IP,
    announcedAddress: config.SFU_ANNOUNCED_ADDRESS,
    basePort: config.SFU_RTC_PORT,
    logger,
    // Routers on a dead worker close by themselves; their rooms emit `closed`.
    onWorkerDied: (slot) =>
      logger.warn({ worker: slot, rooms: rooms.registry?.size }, 'rooms on dead worker closed'),
  });
  const registry = new RoomRegistry(pool, mediaCodecs, logger);
  rooms.registry = registry;
  const control = await ControlServer.start({
    host: config.SFU_CONTROL_HOST,
    port: config.SFU_CONTROL_PORT,
    tokens,
    registry,
    logger,
    testTap: config.SFU_ENABLE_TEST_TAP === 'true',
  });
  if (config.SFU_ENABLE_TEST_TAP === 'true') {
    logger.warn('SFU_ENABLE_TEST_TAP is on: the control channel can capture forwarded media (tests only)');
  }
  registry.on('producerClosed', (roomId, memberId, producerId) =>
    control.broadcast('producerClosed', { roomId, memberId, producerId }),
  );
  registry.on('consumerClosed', (roomId, memberId, consumerId, producerId) =>
    control.broadcast('consumerClosed', { roomId, memberId, consumerId, producerId }),
  );
  registry.on('activeSpeaker', (roomId, memberId) =>
    control.broadcast('activeSpeaker', { roomId, memberId }),
  );
  registry.on('closed', (roomId, reason) => control.broadcast('roomClosed', { roomId, reason }));
  logger.info({ controlPort: control.port, workers: config.SFU_WORKERS }, 'SFU ready');

  let closed = false;
  return {
    controlPort: control.port,
    registry,
    pool,
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      registry.close();
      await control.close();
      pool.close();
    },
  };
}
