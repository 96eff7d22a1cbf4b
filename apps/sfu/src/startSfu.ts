import { randomBytes } from 'node:crypto';
import { KeyRing, TokenService } from '@confidentiel/tokens';
import type { Logger } from 'pino';
import { SFU_CONTROL_ISSUER } from '@confidentiel/protocol';
import { ControlServer } from './control/ControlServer.ts';
import { pipeListenOf, secretBytes, type SfuConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { mediaCodecs } from './media/codecs.ts';
import { RoomRegistry } from './media/RoomRegistry.ts';
import { WorkerPool } from './media/WorkerPool.ts';
import { HostRegistration } from './registration/HostRegistration.ts';

export interface RunningSfu {
  controlPort: number;
  registry: RoomRegistry;
  pool: WorkerPool;
  /** This process's random name (signaling notices a restart by it). */
  instance: string;
  /** The origin of SFU_PUBLIC_CONTROL_URL, if set. */
  hostId: string | undefined;
  /** Its registration in Redis (REDIS_URL), if any. */
  registration: HostRegistration | undefined;
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
    udpBufferBytes: config.SFU_UDP_BUFFER_BYTES,
    logger,
    // Routers on a dead worker close by themselves; their rooms emit `closed`.
    onWorkerDied: (slot) =>
      logger.warn({ worker: slot, rooms: rooms.registry?.size }, 'rooms on dead worker closed'),
  });
  const pipeListen = pipeListenOf(config);
  const registry = new RoomRegistry(pool, mediaCodecs, logger, {
    pipes: {
      ...pipeListen,
      portRange: { min: config.SFU_PIPE_PORT_MIN, max: config.SFU_PIPE_PORT_MAX },
    },
    testFeedIp: config.SFU_RTC_LISTEN_IP,
  });
  rooms.registry = registry;
  if (isWildcard(pipeListen.ip) && pipeListen.announcedAddress === undefined) {
    logger.warn(
      'pipes listen on every interface with no SFU_PIPE_ANNOUNCED_ADDRESS: other hosts cannot reach them',
    );
  }
  const instance = randomBytes(8).toString('hex');
  const control = await ControlServer.start({
    host: config.SFU_CONTROL_HOST,
    port: config.SFU_CONTROL_PORT,
    tokens,
    registry,
    logger,
    testTap: config.SFU_ENABLE_TEST_TAP === 'true',
    instance,
    hostId: config.hostId,
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
  const registration =
    config.REDIS_URL !== undefined && config.hostId !== undefined
      ? HostRegistration.start({
          redisUrl: config.REDIS_URL,
          hostId: config.hostId,
          instance,
          load: () => registry.load(),
          logger,
        })
      : undefined;
  logger.info(
    {
      controlPort: control.port,
      workers: config.SFU_WORKERS,
      host: config.hostId,
      registered: !!registration,
    },
    'SFU ready',
  );

  let closed = false;
  return {
    controlPort: control.port,
    registry,
    pool,
    instance,
    hostId: config.hostId,
    registration,
    close: async () => {
      if (closed) {
        return;
      }
      closed = true;
      await registration?.close();
      registry.close();
      await control.close();
      pool.close();
    },
  };
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}
