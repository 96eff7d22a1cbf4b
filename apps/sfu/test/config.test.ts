import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSfuConfig, secretBytes } from '../src/config.ts';

const secret = randomBytes(32).toString('hex');
const valid = { SFU_CONTROL_SECRET: secret };

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('SFU configuration', () => {
  it('accepts a minimal valid environment with loopback defaults', () => {
    const config = loadSfuConfig(valid);
    expect(config.SFU_CONTROL_HOST).toBe('127.0.0.1');
    expect(config.SFU_RTC_LISTEN_IP).toBe('127.0.0.1');
    expect(config.SFU_ANNOUNCED_ADDRESS).toBeUndefined();
  });

  it.each([
    ['SFU_CONTROL_SECRET', { SFU_CONTROL_SECRET: 'too-short' }],
    ['SFU_CONTROL_PORT', { SFU_CONTROL_PORT: 'abc' }],
    ['SFU_CONTROL_PORT', { SFU_CONTROL_PORT: '0' }],
    ['SFU_RTC_PORT', { SFU_RTC_PORT: '65536' }],
    ['SFU_RTC_PORT', { SFU_RTC_PORT: '65535', SFU_WORKERS: '2' }],
    ['SFU_WORKERS', { SFU_WORKERS: '0' }],
    ['SFU_WORKERS', { SFU_WORKERS: 'many' }],
    ['SFU_RTC_LISTEN_IP', { SFU_RTC_LISTEN_IP: 'localhost' }],
    ['SFU_LOG_LEVEL', { SFU_LOG_LEVEL: 'loud' }],
  ])('refuses a bad %s with a ConfigError naming it (%j)', (setting, bad) => {
    expect(refusal(() => loadSfuConfig({ ...valid, ...bad })).message).toContain(setting);
  });

  it('refuses a secret that is long enough as text but decodes to fewer than 32 bytes', () => {
    // 44 hex characters pass the length check of the schema but are only 22 bytes:
    // refused when the configuration is loaded, naming the setting.
    const short = 'ab'.repeat(22);
    expect(refusal(() => loadSfuConfig({ SFU_CONTROL_SECRET: short })).message).toContain(
      'SFU_CONTROL_SECRET',
    );
    expect(refusal(() => secretBytes(short)).message).toContain('SFU_CONTROL_SECRET');
  });

  it('exits with code 2 and names the setting on stderr when started with a bad secret', async () => {
    const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', SFU_CONTROL_SECRET: 'short', SFU_WORKERS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`sfu main did not exit in time; stderr: ${stderr}`));
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stderr).toContain('SFU_CONTROL_SECRET');
    expect(code).toBe(2);
  }, 20_000);
});
