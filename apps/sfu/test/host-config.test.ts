/** Issue 12: the settings of an SFU host among several (pipes, registration). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSfuConfig, pipeListenOf } from '../src/config.ts';

const valid = { SFU_CONTROL_SECRET: randomBytes(32).toString('hex') };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadSfuConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('SFU host settings for several hosts', () => {
  it('pipes listen where RTC listens by default, announced as the RTC address when it is an IP', () => {
    const config = loadSfuConfig(valid);
    expect(config.hostId).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(pipeListenOf(config)).toEqual({ ip: '127.0.0.1', announcedAddress: undefined });
    expect(
      pipeListenOf(
        loadSfuConfig({ ...valid, SFU_RTC_LISTEN_IP: '0.0.0.0', SFU_ANNOUNCED_ADDRESS: '203.0.113.10' }),
      ),
    ).toEqual({ ip: '0.0.0.0', announcedAddress: '203.0.113.10' });
    // A DNS name is fine for browsers, not for a pipe (mediasoup connects pipes to an IP address).
    expect(
      pipeListenOf(
        loadSfuConfig({ ...valid, SFU_RTC_LISTEN_IP: '10.0.0.2', SFU_ANNOUNCED_ADDRESS: 'sfu.example.fr' }),
      ),
    ).toEqual({ ip: '10.0.0.2', announcedAddress: undefined });
    expect(
      pipeListenOf(
        loadSfuConfig({
          ...valid,
          SFU_ANNOUNCED_ADDRESS: '203.0.113.10',
          SFU_PIPE_LISTEN_IP: '10.0.0.2',
          SFU_PIPE_ANNOUNCED_ADDRESS: '10.0.0.2',
        }),
      ),
    ).toEqual({ ip: '10.0.0.2', announcedAddress: '10.0.0.2' });
  });

  it('registers under its public control URL; REDIS_URL alone (an environment shared with signaling) is no error', () => {
    const config = loadSfuConfig({
      ...valid,
      SFU_PUBLIC_CONTROL_URL: 'http://10.0.0.2:4001/',
      REDIS_URL: 'redis://:secret@10.0.0.9:6379',
    });
    expect(config.hostId).toBe('http://10.0.0.2:4001');
    const shared = loadSfuConfig({ ...valid, REDIS_URL: 'redis://10.0.0.9:6379' });
    expect(shared.hostId).toBeUndefined();
  });

  it.each([
    ['SFU_PUBLIC_CONTROL_URL', { SFU_PUBLIC_CONTROL_URL: 'http://10.0.0.2:4001/control' }],
    ['SFU_PUBLIC_CONTROL_URL', { SFU_PUBLIC_CONTROL_URL: '10.0.0.2:4001' }],
    ['REDIS_URL', { REDIS_URL: 'http://10.0.0.9:6379', SFU_PUBLIC_CONTROL_URL: 'http://10.0.0.2:4001' }],
    ['SFU_PIPE_LISTEN_IP', { SFU_PIPE_LISTEN_IP: 'localhost' }],
    ['SFU_PIPE_ANNOUNCED_ADDRESS', { SFU_PIPE_ANNOUNCED_ADDRESS: 'sfu.example.fr' }],
    ['SFU_PIPE_PORT_MIN', { SFU_PIPE_PORT_MIN: '42000', SFU_PIPE_PORT_MAX: '41000' }],
    ['SFU_PIPE_PORT_MAX', { SFU_PIPE_PORT_MAX: '70000' }],
  ])('refuses a bad %s (%j)', (setting, bad) => {
    expect(refusal({ ...valid, ...bad }).message).toContain(setting);
  });

  it('never puts the Redis password in a refusal', () => {
    const refused = refusal({ ...valid, REDIS_URL: 'http://:hunter2hunter2@10.0.0.9' });
    expect(refused.message).toContain('REDIS_URL');
    expect(refused.message).not.toContain('hunter2');
  });
});
