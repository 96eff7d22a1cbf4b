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
export async function startSfu(config: SfuConfig, logger: Logger = createLogger('sfu', config.SFU_LOG_LEVEL)): Promise<RunningSfu> {
  const tokens = new TokenService({
    keys: new KeyRing([{ kid: 'control', secret: secretBytes(config.SFU_CONTROL_SECRET) }]),
    issuer: SFU_CONTROL_ISSUER,
  });
  let registry: RoomRegistry | undefined;
  const pool = await WorkerPool.create({
    count: config.SFU_WORKERS,
    listenIp: config.SFU_RTC_LISTEN_IP,
    announcedAddress: config.SFU_ANNOUNCED_ADDRESS,
    basePort: config.SFU_RTC_PORT,
    logger,
    // Routers on a dead worker close by themselves; their rooms emit `closed`.
    onWorkerDied: (slot) => logger.warn({ worker: slot, rooms: registry?.size }, 'rooms on dead worker closed'),
  });
  registry = new RoomRegistry(pool, mediaCodecs, logger);
  const control = await ControlServer.start({
    host: config.SFU_CONTROL_HOST,
    port: config.SFU_CONTROL_PORT,
    tokens,
    registry,
    logger,
  });
  const reg = registry;
  reg.on('producerClosed', (roomId, memberId, producerId) =>
    control.broadcast('producerClosed', { roomId, memberId, producerId }),
  );
  reg.on('consumerClosed', (roomId, memberId, consumerId, producerId) =>
    control.broadcast('consumerClosed', { roomId, memberId, consumerId, producerId }),
  );
  reg.on('activeSpeaker', (roomId, memberId) => control.broadcast('activeSpeaker', { roomId, memberId }));
  reg.on('closed', (roomId, reason) => control.broadcast('roomClosed', { roomId, reason }));
  logger.info({ controlPort: control.port, workers: config.SFU_WORKERS }, 'SFU ready');

  let closed = false;
  return {
    controlPort: control.port,
    registry: reg,
    pool,
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      reg.close();
      await control.close();
      pool.close();
    },
  };
}
