import { isIP } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { TURN_URL_PATTERN } from '@confidentiel/protocol';
import { secretFromConfig } from '@confidentiel/tokens';
import {
  DEFAULT_PASSCODE_HASH_CONCURRENCY,
  DEFAULT_PASSWORD_HASH_CONCURRENCY,
  DEFAULT_THREADPOOL_SIZE,
  hashConcurrencyProblem,
} from './crypto/hashGates.ts';
import { isPostgresUrl } from './storage/postgresUrl.ts';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** Hashes at once, per kind (see crypto/hashGates.ts). */
const hashConcurrency = z.coerce.number().int().min(1).max(64);
/** A port or `off`, digits only (an empty value is not port 0). */
const portOrOff = z
  .string()
  .regex(/^(off|[0-9]{1,5})$/, 'a port (0-65535) or "off"')
  .transform((v) => (v === 'off' ? ('off' as const) : Number(v)))
  .refine((v) => v === 'off' || v <= 65535, 'a port (0-65535) or "off"');

/** `0.0.0.0`, `::` and their spellings: every interface. */
function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || (isIP(address) === 6 && new URL(`http://[${address}]`).hostname === '[::]');
}

/** Every setting of signaling, read from the environment and validated at start. */
const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  /**
   * Origins a browser may connect from (comma-separated). Defaults to the
   * service's own address; never `*`.
   */
  ALLOWED_ORIGINS: z.string().optional(),
  /** The control URL of the one SFU host (SFU_URLS, when set, replaces it). */
  SFU_URL: z.url().default('http://127.0.0.1:4001'),
  /**
   * Several SFU hosts: their control URLs, comma-separated (`http://10.0.0.2:4001,http://10.0.0.3:4001`).
   * Each new meeting goes to the least-loaded live one. Empty: only the hosts
   * that register themselves in Redis (REDIS_URL). Unset: SFU_URL alone.
   */
  SFU_URLS: z.string().optional(),
  /**
   * Members (all meetings) an SFU host takes before a meeting on it spills
   * new members over to another host (their media joined by pipes). A soft
   * bound: nobody is refused when every host is full.
   */
  SFU_MAX_MEMBERS_PER_HOST: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** How long an SFU host may stay unreachable (ms) before its meetings move to another host. */
  SFU_HOST_LOSS_MS: z.coerce.number().int().min(500).max(60_000).default(3_000),
  SFU_CONTROL_SECRET: z.string().min(43, 'must be at least 32 bytes, base64 or hex'),
  /** Secret room tokens are signed with (>= 32 bytes); random per start if unset. */
  TOKEN_SECRET: z.string().min(43, 'must be at least 32 bytes, base64 or hex').optional(),
  /**
   * Earlier room-token secrets, comma-separated, still accepted (not used to
   * sign) during a rotation; drop them once the longest token has expired.
   */
  TOKEN_SECRETS_PREVIOUS: z.string().default(''),
  /** Lifetime of a join token, in seconds: at most 10 minutes, refreshed over the live socket. */
  JOIN_TOKEN_TTL: z.coerce.number().int().min(30).max(600).default(300),
  /** Where durable state lives (the SQLite file, unless DATABASE_PATH or DATABASE_URL say otherwise). */
  DATA_DIR: z.string().min(1).default('data'),
  /** The SQLite file; `:memory:` keeps nothing (tests). */
  DATABASE_PATH: z.string().min(1).optional(),
  /**
   * PostgreSQL instead of the SQLite file, for several signaling nodes on one
   * database: `postgres://user:password@host:5432/database` (libpq-style
   * options such as `sslmode` in the query). Unset or empty: the SQLite file.
   */
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || isPostgresUrl(v), {
      // Never the value itself: it holds a password.
      error: 'must be a postgres:// (or postgresql://) URL naming a host and a database',
    }),
  /** Ed25519 key (PKCS#8 PEM) committee session journals are signed with; made on first start if missing. */
  JOURNAL_KEY_PATH: z.string().min(1).optional(),
  /** RFC 3161 time-stamping authority anchoring the journals (http or https); none if unset. */
  TSA_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** A journal is time-stamped every this many entries, and when its session ends. */
  TSA_EVERY: z.coerce.number().int().min(1).max(10_000).default(20),
  /**
   * Days a committee recording is kept after it was finished, then deleted by the service
   * (retention/RetentionSweep.ts); 0 keeps every recording (the default: how long a record must
   * be kept is the operator's legal decision, never the software's).
   */
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Days a session journal is kept after its session closed; 0 keeps every journal (the default). */
  JOURNAL_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Anyone may create a meeting without an account (off: organisers only). */
  ALLOW_OPEN_MEETINGS: bool.default(false),
  /**
   * Signaling sits behind the operator's reverse proxy on this machine: take
   * the client address from `X-Forwarded-For` on connections from loopback.
   */
  TRUST_PROXY: bool.default(false),
  /** Session cookies get `Secure` (set it when the service is behind HTTPS). */
  SECURE_COOKIES: bool.default(false),
  /** Built web app to serve; none if unset. */
  WEB_DIST: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Port of the Prometheus listener (`GET /metrics`: room, member and
   * connection counts), apart from the public HTTP port so that no proxy
   * route reaches it. `off` (the default) opens none; 0 takes any free port.
   */
  METRICS_PORT: portOrOff.default('off'),
  /**
   * Address of the Prometheus listener: one address, never a wildcard.
   * Loopback by default; a private address only if the scraper is elsewhere.
   */
  METRICS_HOST: z
    .string()
    .refine((h) => isIP(h) !== 0, 'an IP address (127.0.0.1, ::1, or a private address)')
    .refine((h) => !isWildcard(h), 'one address, not a wildcard (metrics would answer on every interface)')
    .default('127.0.0.1'),
  /** Log client IP addresses (off by default: data minimisation). */
  LOG_IP_ADDRESSES: bool.default(false),
  /**
   * Password hashes (sign-in, enrolment; scrypt, 128 MiB each) running at
   * once; a few more wait, the rest are refused at once with 503 `busy`.
   * With PASSCODE_HASH_CONCURRENCY at most UV_THREADPOOL_SIZE - 2: hashing
   * must never take the threads file I/O (journal fsyncs) runs on.
   */
  PASSWORD_HASH_CONCURRENCY: hashConcurrency.default(DEFAULT_PASSWORD_HASH_CONCURRENCY),
  /** Invite passcode checks running at once, apart from password hashes (same bound). */
  PASSCODE_HASH_CONCURRENCY: hashConcurrency.default(DEFAULT_PASSCODE_HASH_CONCURRENCY),
  /**
   * Failed sign-ins per minute, all addresses and emails together; once
   * spent, every sign-in is refused (429) until the minute is over.
   */
  SIGN_IN_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  /** libuv's thread pool (Node reads it itself, at start); only checked here. */
  UV_THREADPOOL_SIZE: z.coerce.number().int().min(1).max(1024).default(DEFAULT_THREADPOOL_SIZE),
  /**
   * TURN servers handed to browsers (comma-separated `turn:`/`turns:` URLs).
   * Empty: browsers get no ICE server at all (never a public STUN server).
   */
  TURN_URLS: z.string().default(''),
  /** Shared secret of signaling and the TURN server (coturn `static-auth-secret`). */
  TURN_SECRET: z.string().optional(),
  /** Lifetime of a TURN credential, seconds. */
  TURN_CREDENTIAL_TTL: z.coerce.number().int().min(60).max(86_400).default(600),
  /** `relay`: browsers use only TURN-relayed candidates. */
  ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  /**
   * Redis holding the room state shared by several signaling nodes (members,
   * lobby, revocations, rate limits): `redis://:password@host:6379` or
   * `rediss://…` (TLS). Unset or empty: all of it in this process's memory
   * (one node).
   */
  REDIS_URL: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || isRedisUrl(v), {
      // Never the value itself: it holds a password.
      error: 'must be a redis:// or rediss:// URL naming a host',
    }),
  /**
   * This node's name in a cluster (REDIS_URL set): letters, digits, `-` and
   * `_`, unique per node. Unset: a random one at each start.
   */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only (at most 64)')
    .optional(),
});

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export type SignalingConfig = z.infer<typeof schema> & {
  allowedOrigins: string[];
  /** The SFU hosts' ids (their control URLs' origins): SFU_URLS, or SFU_URL. */
  sfuUrls: string[];
  /** TURN_URLS, split and checked. */
  turnUrls: string[];
  /** TOKEN_SECRETS_PREVIOUS, split and checked. */
  previousTokenSecrets: string[];
  databasePath: string;
  /** JOURNAL_KEY_PATH, or DATA_DIR/journal-ed25519.pem. */
  journalKeyPath: string;
  /** DATA_DIR/journals: one folder per meeting, one file per session. */
  journalDir: string;
};

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

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
  const previousTokenSecrets = splitList(config.TOKEN_SECRETS_PREVIOUS);
  previousTokenSecrets.forEach((secret) => secretBytes('TOKEN_SECRETS_PREVIOUS', secret));
  if (previousTokenSecrets.length > 0 && config.TOKEN_SECRET === undefined) {
    throw new ConfigError(
      'invalid signaling configuration:\n  TOKEN_SECRETS_PREVIOUS: needs TOKEN_SECRET (the new signing secret)',
    );
  }
  if (config.DATABASE_URL !== undefined && config.DATABASE_PATH !== undefined) {
    throw new ConfigError(
      'invalid signaling configuration:\n  DATABASE_PATH: names the SQLite file, unused with DATABASE_URL (PostgreSQL): unset one of them',
    );
  }
  const databasePath = config.DATABASE_PATH ?? join(config.DATA_DIR, 'confidentiel.sqlite');
  const journalKeyPath = config.JOURNAL_KEY_PATH ?? join(config.DATA_DIR, 'journal-ed25519.pem');
  const journalDir = join(config.DATA_DIR, 'journals');
  const turnUrls = turnSettings(config);
  const sfuUrls = sfuHosts(config);
  const hashing = hashConcurrencyProblem(
    { passwords: config.PASSWORD_HASH_CONCURRENCY, passcodes: config.PASSCODE_HASH_CONCURRENCY },
    config.UV_THREADPOOL_SIZE,
  );
  if (hashing !== undefined) {
    throw new ConfigError(`invalid signaling configuration:\n  ${hashing}`);
  }
  if (config.METRICS_PORT !== 'off' && config.METRICS_PORT !== 0 && config.METRICS_PORT === config.PORT) {
    throw new ConfigError(
      'invalid signaling configuration:\n  METRICS_PORT: must differ from PORT (metrics stay off the public port)',
    );
  }
  return {
    ...config,
    allowedOrigins,
    sfuUrls,
    turnUrls,
    previousTokenSecrets,
    databasePath,
    journalKeyPath,
    journalDir,
  };
}

/** The SFU hosts: SFU_URLS if set, else SFU_URL; each an http(s) origin, once. */
function sfuHosts(config: z.infer<typeof schema>): string[] {
  const refuse = (line: string): never => {
    throw new ConfigError(`invalid signaling configuration:\n  ${line}`);
  };
  const setting = config.SFU_URLS === undefined ? 'SFU_URL' : 'SFU_URLS';
  const urls = config.SFU_URLS === undefined ? [config.SFU_URL] : splitList(config.SFU_URLS);
  const hosts = urls.map((url) => {
    const origin = controlOrigin(url);
    return (
      origin ?? refuse(`${setting}: "${url}" is not an http(s) URL naming a host (no path, no credentials)`)
    );
  });
  if (new Set(hosts).size !== hosts.length) {
    refuse(`${setting}: a host is named twice`);
  }
  if (hosts.length > 64) {
    refuse(`${setting}: at most 64 hosts`);
  }
  if (hosts.length === 0 && config.REDIS_URL === undefined) {
    refuse('SFU_URLS: empty, and no REDIS_URL for hosts to register in');
  }
  return hosts;
}

/** The origin of a control URL (http or https, a host, nothing after it); undefined otherwise. */
function controlOrigin(value: string): string | undefined {
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
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '';
  return plain ? url.origin : undefined;
}

/** Checks TURN_URLS, TURN_SECRET and ICE_TRANSPORT_POLICY together; returns the URLs. */
function turnSettings(config: z.infer<typeof schema>): string[] {
  const refuse = (line: string): never => {
    throw new ConfigError(`invalid signaling configuration:\n  ${line}`);
  };
  const urls = config.TURN_URLS.split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
  for (const url of urls) {
    if (!TURN_URL_PATTERN.test(url)) {
      refuse(`TURN_URLS: "${url}" is not a turn: or turns: URL (turn:host[:port][?transport=udp|tcp])`);
    }
    if (url.startsWith('turns:') && url.endsWith('?transport=udp')) {
      refuse(`TURN_URLS: "${url}": turns: runs over TCP (TLS), not UDP`);
    }
  }
  if (urls.length > 8) {
    refuse('TURN_URLS: at most 8 URLs');
  }
  if (urls.length > 0 && (config.TURN_SECRET === undefined || config.TURN_SECRET === '')) {
    refuse("TURN_SECRET: required when TURN_URLS is set (the TURN server's static-auth-secret)");
  }
  if (config.TURN_SECRET !== undefined) {
    // coturn uses the secret's characters as the HMAC key and reads it from a
    // "key=value" line: only plain characters (as infra/coturn/render.sh requires).
    if (!/^[A-Za-z0-9_-]*$/.test(config.TURN_SECRET)) {
      refuse('TURN_SECRET: only letters, digits, "-" and "_" (hex or base64url: openssl rand -hex 32)');
    }
    secretBytes('TURN_SECRET', config.TURN_SECRET);
  }
  if (urls.length === 0 && config.ICE_TRANSPORT_POLICY === 'relay') {
    refuse('ICE_TRANSPORT_POLICY: "relay" needs TURN servers in TURN_URLS');
  }
  return urls;
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
