import { isIP } from 'node:net';
import { cpus } from 'node:os';
import { z } from 'zod';
import { secretFromConfig } from '@confidentiel/tokens';

const port = z.coerce.number().int().min(1).max(65535);

/** Every setting of the SFU, read from the environment and validated at start. */
const schema = z.object({
  SFU_CONTROL_HOST: z.string().min(1).default('127.0.0.1'),
  SFU_CONTROL_PORT: port.default(4001),
  /** Shared secret (>= 32 bytes, hex or base64) that signaling signs control tokens with. */
  SFU_CONTROL_SECRET: z.string().min(43, 'must be at least 32 bytes, base64 or hex'),
  SFU_WORKERS: z.coerce.number().int().min(1).max(64).default(Math.max(1, cpus().length)),
  /** Address the WebRtcServers listen on. */
  SFU_RTC_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
  /** Address announced to browsers in ICE candidates (public IP or DNS name). */
  SFU_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
  /** First UDP/TCP port; worker i listens on SFU_RTC_PORT + i. */
  SFU_RTC_PORT: port.default(40000),
  /**
   * Receive and send buffer of each worker's media socket, in bytes (0: the
   * kernel's default, ~208 KB). Every participant of a worker shares its one
   * UDP socket: at the default, bursts of a few thousand packets per second
   * overflow it (bench/src/sections/media: 5-10 % loss in rooms of 4 with 16
   * publishers, none at 4 MiB). The kernel caps it at net.core.rmem_max /
   * wmem_max: raise those too (infra/sysctl).
   */
  SFU_UDP_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /**
   * Pipes to the other SFU hosts of a meeting (a meeting that spans hosts):
   * the address their UDP sockets listen on. Default: SFU_RTC_LISTEN_IP.
   */
  SFU_PIPE_LISTEN_IP: z.ipv4().or(z.ipv6()).optional(),
  /**
   * The address the other hosts send pipe media to (an IP address, on the
   * network between hosts). Default: SFU_ANNOUNCED_ADDRESS when it is an IP
   * address, else the pipe listen address.
   */
  SFU_PIPE_ANNOUNCED_ADDRESS: z.ipv4().or(z.ipv6()).optional(),
  /** UDP ports of the pipes (one per meeting and pair of hosts), to open between SFU hosts only. */
  SFU_PIPE_PORT_MIN: port.default(41000),
  SFU_PIPE_PORT_MAX: port.default(41999),
  /**
   * The URL signaling reaches this host's control channel at (an http(s)
   * origin, e.g. `http://10.0.0.2:4001`). When set, a control token must name
   * it, and with REDIS_URL the host registers itself under it.
   */
  SFU_PUBLIC_CONTROL_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || originOf(v) !== undefined, {
      error: 'an http(s) URL naming a host, without path or credentials',
    }),
  /**
   * Redis where this host registers itself with its load every second (read
   * by signaling, which then adds it to its hosts): `redis://…` or
   * `rediss://…`. Only with SFU_PUBLIC_CONTROL_URL (the URL it registers
   * under): alone (an environment file shared with signaling) it is unused.
   */
  REDIS_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || isRedisUrl(v), {
      // Never the value itself: it holds a password.
      error: 'must be a redis:// or rediss:// URL naming a host',
    }),
  /** Test only: lets the control channel capture forwarded RTP (to prove it is ciphertext). */
  SFU_ENABLE_TEST_TAP: z.enum(['true', 'false']).default('false'),
  SFU_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SfuConfig = z.infer<typeof schema> & {
  /** SFU_PUBLIC_CONTROL_URL as a host id (its origin), if set. */
  hostId: string | undefined;
};

/** The origin of an http(s) URL without path, query or credentials; undefined otherwise. */
export function originOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const plain =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    (url.pathname === '/' || url.pathname === '') &&
    url.search === '' &&
    url.hash === '';
  return plain ? url.origin : undefined;
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadSfuConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid SFU configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = result.data;
  if (config.SFU_RTC_PORT + config.SFU_WORKERS - 1 > 65535) {
    throw new ConfigError('invalid SFU configuration:\n  SFU_RTC_PORT: port range exceeds 65535');
  }
  if (config.SFU_PIPE_PORT_MIN > config.SFU_PIPE_PORT_MAX) {
    throw new ConfigError('invalid SFU configuration:\n  SFU_PIPE_PORT_MIN: above SFU_PIPE_PORT_MAX');
  }
  secretBytes(config.SFU_CONTROL_SECRET);
  return {
    ...config,
    hostId: config.SFU_PUBLIC_CONTROL_URL === undefined ? undefined : originOf(config.SFU_PUBLIC_CONTROL_URL),
  };
}

/** Where pipes listen, and the address the other hosts send to. */
export function pipeListenOf(config: SfuConfig): { ip: string; announcedAddress: string | undefined } {
  const ip = config.SFU_PIPE_LISTEN_IP ?? config.SFU_RTC_LISTEN_IP;
  const announced =
    config.SFU_PIPE_ANNOUNCED_ADDRESS ??
    (config.SFU_ANNOUNCED_ADDRESS !== undefined && isIP(config.SFU_ANNOUNCED_ADDRESS) !== 0
      ? config.SFU_ANNOUNCED_ADDRESS
      : undefined);
  return { ip, announcedAddress: announced };
}

export function secretBytes(secret: string): Buffer {
  try {
    return secretFromConfig('SFU_CONTROL_SECRET', secret);
  } catch (error) {
    throw new ConfigError(`invalid SFU configuration:
  ${(error as Error).message}`);
  }
}
