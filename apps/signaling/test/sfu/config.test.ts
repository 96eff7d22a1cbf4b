/** Issue 12: the settings of several SFU hosts, on the signaling side. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSignalingConfig } from '../../src/config.ts';

const valid = { SFU_CONTROL_SECRET: randomBytes(32).toString('hex') };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadSignalingConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('SFU hosts in the signaling configuration', () => {
  it('keeps one host at SFU_URL by default, and SFU_URL as a one-host list', () => {
    const defaults = loadSignalingConfig(valid);
    expect(defaults.sfuUrls).toEqual(['http://127.0.0.1:4001']);
    expect(defaults.SFU_MAX_MEMBERS_PER_HOST).toBeGreaterThanOrEqual(1_000);
    expect(defaults.SFU_HOST_LOSS_MS).toBe(3_000);
    expect(loadSignalingConfig({ ...valid, SFU_URL: 'http://10.0.0.2:4001/' }).sfuUrls).toEqual([
      'http://10.0.0.2:4001',
    ]);
  });

  it('takes several hosts from SFU_URLS, which replaces SFU_URL', () => {
    const config = loadSignalingConfig({
      ...valid,
      SFU_URL: 'http://127.0.0.1:4001',
      SFU_URLS: ' http://10.0.0.2:4001, https://sfu-3.internal:4001 ,',
      SFU_MAX_MEMBERS_PER_HOST: '2',
      SFU_HOST_LOSS_MS: '1500',
    });
    expect(config.sfuUrls).toEqual(['http://10.0.0.2:4001', 'https://sfu-3.internal:4001']);
    expect(config.SFU_MAX_MEMBERS_PER_HOST).toBe(2);
    expect(config.SFU_HOST_LOSS_MS).toBe(1_500);
  });

  it('allows no static host only when hosts can register in Redis', () => {
    expect(
      loadSignalingConfig({ ...valid, SFU_URLS: '', REDIS_URL: 'redis://127.0.0.1:6379' }).sfuUrls,
    ).toEqual([]);
    expect(refusal({ ...valid, SFU_URLS: '' }).message).toContain('SFU_URLS');
  });

  it.each([
    ['SFU_URLS', { SFU_URLS: 'http://10.0.0.2:4001,not-a-url' }],
    ['SFU_URLS', { SFU_URLS: 'ftp://10.0.0.2:4001' }],
    ['SFU_URLS', { SFU_URLS: 'http://10.0.0.2:4001/control' }],
    ['SFU_URLS', { SFU_URLS: 'http://user:pw@10.0.0.2:4001' }],
    ['SFU_URLS', { SFU_URLS: 'http://10.0.0.2:4001,http://10.0.0.2:4001/' }],
    ['SFU_URL', { SFU_URL: 'http://10.0.0.2:4001/control' }],
    ['SFU_MAX_MEMBERS_PER_HOST', { SFU_MAX_MEMBERS_PER_HOST: '0' }],
    ['SFU_HOST_LOSS_MS', { SFU_HOST_LOSS_MS: '100' }],
    ['SFU_HOST_LOSS_MS', { SFU_HOST_LOSS_MS: 'soon' }],
  ])('refuses a bad %s (%j)', (setting, bad) => {
    expect(refusal({ ...valid, ...bad }).message).toContain(setting);
  });
});
