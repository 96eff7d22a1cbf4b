import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { iceServerSchema, joinedSchema } from '@confidentiel/protocol';
import { ConfigError, loadSignalingConfig } from '../src/config.ts';
import { iceConfigIssuer, turnCredential } from '../src/turn/iceServers.ts';

const controlSecret = randomBytes(32).toString('hex');
const turnSecret = randomBytes(32).toString('hex');
const valid = { SFU_CONTROL_SECRET: controlSecret };
const withTurn = { ...valid, TURN_URLS: 'turn:turn.example.fr:3478?transport=udp', TURN_SECRET: turnSecret };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadSignalingConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

/** The credential as a TURN server recomputes it (written here, not taken from signaling). */
function expectedCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

describe('TURN configuration', () => {
  it('names no ICE server at all by default (never a public STUN server)', () => {
    const config = loadSignalingConfig(valid);
    expect(config.turnUrls).toEqual([]);
    expect(config.ICE_TRANSPORT_POLICY).toBe('all');
    expect(config.TURN_CREDENTIAL_TTL).toBe(600);
    const issue = iceConfigIssuer({
      turnUrls: config.turnUrls,
      secret: config.TURN_SECRET,
      ttlSeconds: config.TURN_CREDENTIAL_TTL,
      policy: config.ICE_TRANSPORT_POLICY,
    });
    expect(issue('member-1234')).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('reads several turn: and turns: URLs, a TTL and the relay policy', () => {
    const config = loadSignalingConfig({
      ...valid,
      TURN_URLS:
        ' turn:203.0.113.10:3478?transport=udp, turn:203.0.113.10:3478?transport=tcp,turns:turn.example.fr:443?transport=tcp,turn:[2001:db8::1]',
      TURN_SECRET: turnSecret,
      TURN_CREDENTIAL_TTL: '3600',
      ICE_TRANSPORT_POLICY: 'relay',
    });
    expect(config.turnUrls).toEqual([
      'turn:203.0.113.10:3478?transport=udp',
      'turn:203.0.113.10:3478?transport=tcp',
      'turns:turn.example.fr:443?transport=tcp',
      'turn:[2001:db8::1]',
    ]);
    expect(config.TURN_CREDENTIAL_TTL).toBe(3600);
    expect(config.ICE_TRANSPORT_POLICY).toBe('relay');
  });

  it.each([
    ['TURN_URLS', { TURN_URLS: 'stun:stun.l.google.com:19302' }],
    ['TURN_URLS', { TURN_URLS: 'turn:turn.example.fr,stun:stun.example.org' }],
    ['TURN_URLS', { TURN_URLS: 'http://turn.example.fr' }],
    ['TURN_URLS', { TURN_URLS: 'turn:' }],
    ['TURN_URLS', { TURN_URLS: 'turn:user@turn.example.fr' }],
    ['TURN_URLS', { TURN_URLS: 'turn:turn.example.fr:3478?transport=sctp' }],
    ['TURN_URLS', { TURN_URLS: 'turns:turn.example.fr:5349?transport=udp' }],
    ['TURN_URLS', { TURN_URLS: 'turn:turn example.fr' }],
    ['TURN_URLS', { TURN_URLS: Array.from({ length: 9 }, (_, i) => `turn:t${i}.example.fr`).join(',') }],
    ['TURN_SECRET', { TURN_SECRET: '' }],
    ['TURN_SECRET', { TURN_SECRET: 'too-short' }],
    ['TURN_SECRET', { TURN_SECRET: randomBytes(31).toString('hex') }],
    ['TURN_SECRET', { TURN_SECRET: `${turnSecret}\nlisten-on=0.0.0.0` }],
    ['TURN_SECRET', { TURN_SECRET: `${turnSecret}+/=` }],
    ['TURN_CREDENTIAL_TTL', { TURN_CREDENTIAL_TTL: '59' }],
    ['TURN_CREDENTIAL_TTL', { TURN_CREDENTIAL_TTL: '86401' }],
    ['TURN_CREDENTIAL_TTL', { TURN_CREDENTIAL_TTL: '600.5' }],
    ['TURN_CREDENTIAL_TTL', { TURN_CREDENTIAL_TTL: 'ten minutes' }],
    ['ICE_TRANSPORT_POLICY', { ICE_TRANSPORT_POLICY: 'none' }],
    ['ICE_TRANSPORT_POLICY', { ICE_TRANSPORT_POLICY: 'RELAY' }],
  ])('refuses a bad %s with a ConfigError naming it (%j)', (setting, bad) => {
    const error = refusal({ ...withTurn, ...bad });
    expect(error.message).toContain(setting);
    expect(error.message).not.toContain(turnSecret);
  });

  it('refuses TURN_URLS without TURN_SECRET, naming TURN_SECRET', () => {
    const error = refusal({ ...valid, TURN_URLS: 'turn:turn.example.fr' });
    expect(error.message).toContain('TURN_SECRET');
  });

  it('refuses the relay policy without any TURN server, naming ICE_TRANSPORT_POLICY', () => {
    const error = refusal({ ...valid, ICE_TRANSPORT_POLICY: 'relay' });
    expect(error.message).toContain('ICE_TRANSPORT_POLICY');
  });

  it('checks TURN_SECRET even when no TURN URL uses it yet', () => {
    expect(refusal({ ...valid, TURN_SECRET: 'short' }).message).toContain('TURN_SECRET');
  });

  it('exits with code 2 naming TURN_SECRET when started with a short one, without printing it', async () => {
    const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const bad = 'abcdef0123456789';
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [entry], {
        env: {
          PATH: process.env.PATH ?? '',
          ...valid,
          PORT: '0',
          TURN_URLS: 'turn:turn.example.fr',
          TURN_SECRET: bad,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        err += chunk;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`signaling did not exit; stderr: ${err}`));
      }, 15_000);
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve({ code: exitCode, stderr: err });
      });
    });
    expect(stderr).toContain('TURN_SECRET');
    expect(stderr).not.toContain(bad);
    expect(code).toBe(2);
  }, 20_000);
});

describe('TURN REST credentials', () => {
  it('are <expiry>:<member id> with base64(HMAC-SHA1(secret, username)) keyed by the secret as written', () => {
    const { username, credential } = turnCredential(turnSecret, 'AbCdEfGh12', 1_900_000_000);
    expect(username).toBe('1900000000:AbCdEfGh12');
    expect(credential).toBe(expectedCredential(turnSecret, username));
    expect(Buffer.from(credential, 'base64')).toHaveLength(20);
    // coturn keys the HMAC with the configured characters, not the hex-decoded bytes.
    expect(credential).not.toBe(
      createHmac('sha1', Buffer.from(turnSecret, 'hex')).update(username).digest('base64'),
    );
  });

  it('expire TTL seconds after they are issued, one per member', () => {
    let nowMs = 1_800_000_000_500;
    const issue = iceConfigIssuer({
      turnUrls: ['turn:203.0.113.10:3478?transport=udp', 'turns:turn.example.fr:443?transport=tcp'],
      secret: turnSecret,
      ttlSeconds: 600,
      policy: 'relay',
      now: () => nowMs,
    });
    const ada = issue('adaMember1');
    expect(ada.iceTransportPolicy).toBe('relay');
    expect(ada.iceServers).toHaveLength(1);
    const [server] = ada.iceServers;
    expect(server!.urls).toEqual([
      'turn:203.0.113.10:3478?transport=udp',
      'turns:turn.example.fr:443?transport=tcp',
    ]);
    expect(server!.username).toBe(`${1_800_000_000 + 600}:adaMember1`);
    expect(server!.credential).toBe(expectedCredential(turnSecret, server!.username!));
    expect(iceServerSchema.safeParse(server).success).toBe(true);

    nowMs += 61_000;
    const bob = issue('bobMember2');
    expect(bob.iceServers[0]!.username).toBe(`${1_800_000_061 + 600}:bobMember2`);
    expect(bob.iceServers[0]!.credential).not.toBe(server!.credential);
  });

  it('refuse a member id the TURN server would split', () => {
    expect(() => turnCredential(turnSecret, 'a:b', 1_900_000_000)).toThrow(RangeError);
  });
});

describe('ICE servers in the room protocol', () => {
  it.each([
    ['a stun: URL', { urls: ['stun:stun.l.google.com:19302'] }],
    ['an http URL', { urls: ['https://turn.example.fr'] }],
    ['no URL', { urls: [] }],
    ['a username without credential', { urls: ['turn:turn.example.fr'], username: '1:x' }],
    ['an extra key', { urls: ['turn:turn.example.fr'], credentialType: 'oauth' }],
    ['a plain string urls', { urls: 'turn:turn.example.fr' }],
  ])('refuses an ICE server with %s', (_what, server) => {
    expect(iceServerSchema.safeParse(server).success).toBe(false);
  });

  it('accepts TURN URLs with a credential, and reads a missing list as none with policy all', () => {
    expect(
      iceServerSchema.safeParse({
        urls: ['turn:10.0.0.1:3478?transport=udp', 'turns:turn.example.fr:443?transport=tcp'],
        username: '1900000000:AbCdEfGh12',
        credential: 'c2VjcmV0',
      }).success,
    ).toBe(true);
    const shape = joinedSchema.shape;
    expect(shape.iceServers.parse(undefined)).toEqual([]);
    expect(shape.iceTransportPolicy.parse(undefined)).toBe('all');
    expect(shape.iceTransportPolicy.safeParse('none').success).toBe(false);
    expect(
      shape.iceServers.safeParse(Array.from({ length: 5 }, () => ({ urls: ['turn:t.fr'] }))).success,
    ).toBe(false);
  });
});
