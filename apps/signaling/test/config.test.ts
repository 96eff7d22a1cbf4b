import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSignalingConfig } from '../src/config.ts';

const secret = randomBytes(32).toString('hex');
const valid = { SFU_CONTROL_SECRET: secret };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadSignalingConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

/** Runs `node <entry>` with `env` only (plus PATH), bounded, and reports how it ended. */
function runNode(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('signaling configuration', () => {
  it('accepts a minimal valid environment with safe defaults', () => {
    const config = loadSignalingConfig(valid);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.PORT).toBe(8080);
    expect(config.LOG_IP_ADDRESSES).toBe(false);
    expect(config.JOIN_TOKEN_TTL).toBeLessThanOrEqual(3600);
    expect(config.allowedOrigins).not.toContain('*');
    expect(config.allowedOrigins).toContain('http://localhost:8080');
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['SFU_CONTROL_SECRET', { SFU_CONTROL_SECRET: 'short' }],
    ['TOKEN_SECRET', { TOKEN_SECRET: 'too-short' }],
    ['JOIN_TOKEN_TTL', { JOIN_TOKEN_TTL: String(6 * 3600) }],
    ['JOIN_TOKEN_TTL', { JOIN_TOKEN_TTL: '0' }],
    ['SFU_URL', { SFU_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['LOG_IP_ADDRESSES', { LOG_IP_ADDRESSES: 'yes' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '*' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'http://localhost:1234,*' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'localhost:1234' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'http://localhost:1234/path' }],
    ['METRICS_PORT', { METRICS_PORT: 'abc' }],
    ['METRICS_PORT', { METRICS_PORT: '70000' }],
    ['METRICS_PORT', { METRICS_PORT: '-1' }],
    ['METRICS_PORT', { METRICS_PORT: '' }],
    ['METRICS_PORT', { METRICS_PORT: 'OFF' }],
    ['METRICS_PORT', { METRICS_PORT: '8080' }],
    ['METRICS_PORT', { PORT: '9464', METRICS_PORT: '9464' }],
    ['METRICS_HOST', { METRICS_HOST: '0.0.0.0' }],
    ['METRICS_HOST', { METRICS_HOST: '::' }],
    ['METRICS_HOST', { METRICS_HOST: '0:0:0:0:0:0:0:0' }],
    ['METRICS_HOST', { METRICS_HOST: 'metrics.example.org' }],
    ['METRICS_HOST', { METRICS_HOST: '' }],
  ])('refuses a bad %s with a ConfigError naming it (%j)', (setting, bad) => {
    const error = refusal({ ...valid, ...bad });
    expect(error.message).toContain(setting);
  });

  it('opens no metrics listener unless METRICS_PORT asks, and then on loopback', () => {
    const config = loadSignalingConfig(valid);
    expect(config.METRICS_PORT).toBe('off');
    expect(config.METRICS_HOST).toBe('127.0.0.1');
    expect(loadSignalingConfig({ ...valid, METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(loadSignalingConfig({ ...valid, METRICS_PORT: 'off' }).METRICS_PORT).toBe('off');
    // 0: any free port, even next to PORT=0 (tests).
    expect(loadSignalingConfig({ ...valid, PORT: '0', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    const v6 = loadSignalingConfig({ ...valid, METRICS_PORT: '9464', METRICS_HOST: '::1' });
    expect(v6.METRICS_HOST).toBe('::1');
    expect(loadSignalingConfig({ ...valid, METRICS_HOST: '10.0.0.5' }).METRICS_HOST).toBe('10.0.0.5');
  });

  it('keeps hashing to two libuv threads of the default four, and two free for file I/O', () => {
    const config = loadSignalingConfig(valid);
    expect(config.PASSWORD_HASH_CONCURRENCY).toBe(1);
    expect(config.PASSCODE_HASH_CONCURRENCY).toBe(1);
    expect(config.SIGN_IN_FAILURES_PER_MINUTE).toBe(30);
    expect(refusal({ ...valid, PASSWORD_HASH_CONCURRENCY: '2' }).message).toMatch(
      /PASSWORD_HASH_CONCURRENCY \+ PASSCODE_HASH_CONCURRENCY \(3\) must leave 2 of the 4 libuv threads/,
    );
    const larger = loadSignalingConfig({ ...valid, UV_THREADPOOL_SIZE: '8', PASSWORD_HASH_CONCURRENCY: '4' });
    expect(larger.PASSWORD_HASH_CONCURRENCY).toBe(4);
    expect(refusal({ ...valid, SIGN_IN_FAILURES_PER_MINUTE: '0' }).message).toContain(
      'SIGN_IN_FAILURES_PER_MINUTE',
    );
  });

  it('keeps the SQLite file unless DATABASE_URL names a PostgreSQL database, never echoing its password', () => {
    const sqlite = loadSignalingConfig(valid);
    expect(sqlite.DATABASE_URL).toBeUndefined();
    expect(sqlite.databasePath).toBe(join('data', 'confidentiel.sqlite'));
    expect(loadSignalingConfig({ ...valid, DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
    for (const url of [
      'postgres://confidentiel:s3cret@db.example.fr:5432/confidentiel',
      'postgresql://confidentiel@127.0.0.1/confidentiel?sslmode=require',
      'postgres:///confidentiel?host=/var/run/postgresql',
    ]) {
      expect(loadSignalingConfig({ ...valid, DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    for (const url of [
      'mysql://confidentiel:s3cret@db.example.fr/confidentiel',
      'postgres://confidentiel:s3cret@db.example.fr:5432',
      'postgres:///confidentiel',
      'db.example.fr:5432/s3cret',
    ]) {
      const error = refusal({ ...valid, DATABASE_URL: url });
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).not.toContain('s3cret');
    }
    // Both would leave the operator guessing which one holds the accounts.
    expect(
      refusal({
        ...valid,
        DATABASE_URL: 'postgres://confidentiel@127.0.0.1/confidentiel',
        DATABASE_PATH: '/var/lib/confidentiel/confidentiel.sqlite',
      }).message,
    ).toContain('DATABASE_PATH');
  });

  it('keeps room state in memory unless REDIS_URL names a Redis server, never echoing its password', () => {
    expect(loadSignalingConfig(valid).REDIS_URL).toBeUndefined();
    expect(loadSignalingConfig({ ...valid, REDIS_URL: '' }).REDIS_URL).toBeUndefined();
    for (const url of [
      'redis://:s3cret@127.0.0.1:6379',
      'rediss://confidentiel:s3cret@redis.example.fr:6380/0',
      'redis://localhost',
    ]) {
      expect(loadSignalingConfig({ ...valid, REDIS_URL: url }).REDIS_URL).toBe(url);
    }
    for (const url of [
      'http://:s3cret@127.0.0.1:6379',
      'redis://:s3cret@',
      '127.0.0.1:6379/s3cret',
      's3cret',
    ]) {
      const error = refusal({ ...valid, REDIS_URL: url });
      expect(error.message).toContain('REDIS_URL');
      expect(error.message).not.toContain('s3cret');
    }
  });

  it('refuses a missing SFU_CONTROL_SECRET', () => {
    expect(refusal({}).message).toContain('SFU_CONTROL_SECRET');
  });

  it('exits with code 2 and names PORT on stderr when started with a bad PORT', async () => {
    const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const { code, stderr } = await runNode(entry, { ...valid, PORT: 'abc' });
    expect(stderr).toContain('PORT');
    expect(stderr).not.toContain(secret);
    expect(code).toBe(2);
  }, 20_000);
});
