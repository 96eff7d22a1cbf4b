import { z } from 'zod';
import { secretFromConfig } from '@confidentiel/tokens';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting of signaling, read from the environment and validated at start. */
const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  /**
   * Origins a browser may connect from (comma-separated). Defaults to the
   * service's own address; never `*`.
   */
  ALLOWED_ORIGINS: z.string().optional(),
  SFU_URL: z.url().default('http://127.0.0.1:4001'),
  SFU_CONTROL_SECRET: z.string().min(43, 'must be at least 32 bytes, base64 or hex'),
  /** Secret room tokens are signed with (>= 32 bytes); random per start if unset. */
  TOKEN_SECRET: z.string().min(43, 'must be at least 32 bytes, base64 or hex').optional(),
  /** Lifetime of a join token, in seconds: minutes, not hours. */
  JOIN_TOKEN_TTL: z.coerce.number().int().min(30).max(3600).default(300),
  /** Built web app to serve; none if unset. */
  WEB_DIST: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Log client IP addresses (off by default: data minimisation). */
  LOG_IP_ADDRESSES: bool.default(false),
});

export type SignalingConfig = z.infer<typeof schema> & { allowedOrigins: string[] };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadSignalingConfig(env: NodeJS.ProcessEnv = process.env): SignalingConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid signaling configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = result.data;
  const allowedOrigins = (config.ALLOWED_ORIGINS ?? defaultOrigins(config.HOST, config.PORT))
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  for (const origin of allowedOrigins) {
    if (origin === '*' || !/^https?:\/\/[^/]+$/.test(origin)) {
      throw new ConfigError(
        `invalid signaling configuration:\n  ALLOWED_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`,
      );
    }
  }
  secretBytes('SFU_CONTROL_SECRET', config.SFU_CONTROL_SECRET);
  if (config.TOKEN_SECRET !== undefined) {
    secretBytes('TOKEN_SECRET', config.TOKEN_SECRET);
  }
  return { ...config, allowedOrigins };
}

function defaultOrigins(host: string, port: number): string {
  const hosts =
    host === '127.0.0.1' || host === 'localhost' || host === '::1'
      ? ['localhost', '127.0.0.1', '[::1]']
      : [host];
  return hosts.map((h) => `http://${h}:${port}`).join(',');
}

export function secretBytes(name: string, secret: string): Buffer {
  try {
    return secretFromConfig(name, secret);
  } catch (error) {
    throw new ConfigError(`invalid signaling configuration:
  ${(error as Error).message}`);
  }
}
