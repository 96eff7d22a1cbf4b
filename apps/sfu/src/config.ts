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
  /** Test only: lets the control channel capture forwarded RTP (to prove it is ciphertext). */
  SFU_ENABLE_TEST_TAP: z.enum(['true', 'false']).default('false'),
  SFU_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SfuConfig = z.infer<typeof schema>;

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
  secretBytes(config.SFU_CONTROL_SECRET);
  return config;
}

export function secretBytes(secret: string): Buffer {
  try {
    return secretFromConfig('SFU_CONTROL_SECRET', secret);
  } catch (error) {
    throw new ConfigError(`invalid SFU configuration:
  ${(error as Error).message}`);
  }
}
