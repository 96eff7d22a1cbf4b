import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/clientKey.ts';
import { newPasscode } from '../../src/invites/passcode.ts';
import { passcodeSchema } from '@confidentiel/protocol';

describe('clientKey', () => {
  it('keys IPv4 clients by address, IPv4-mapped IPv6 unwrapped', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv6 clients by their /64, whatever the spelling', () => {
    const key = clientKey('2001:db8:0:1::1');
    expect(key).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientKey('2001:DB8:0:1:1234::%eth0')).toBe(key);
    expect(clientKey('2001:db8:0:2::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('puts unknown and unparsable addresses under one key', () => {
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('not an address')).toBe('unknown');
  });
});

describe('newPasscode', () => {
  it('makes 8 digits, keeping leading zeros, valid for the protocol', () => {
    expect(newPasscode(() => 42)).toBe('00000042');
    expect(newPasscode(() => 99_999_999)).toBe('99999999');
    let asked = 0;
    newPasscode((max) => {
      asked = max;
      return 0;
    });
    expect(asked).toBe(100_000_000);
    for (let i = 0; i < 50; i++) {
      const passcode = newPasscode();
      expect(passcode).toMatch(/^\d{8}$/);
      expect(passcodeSchema.safeParse(passcode).success).toBe(true);
    }
  });
});
