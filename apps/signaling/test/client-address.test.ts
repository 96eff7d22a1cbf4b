import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from '../src/http/clientAddress.ts';

function request(remote: string, forwarded?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: remote },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as IncomingMessage;
}

describe('client address for per-address limits', () => {
  it('uses the socket address when the proxy is not trusted, whatever the header says', () => {
    const of = clientAddressResolver(false);
    expect(of(request('127.0.0.1', '203.0.113.7'))).toBe('127.0.0.1');
    expect(of(request('198.51.100.2', '203.0.113.7'))).toBe('198.51.100.2');
  });

  it('behind a trusted proxy on loopback, takes the address the proxy wrote (the last one)', () => {
    const of = clientAddressResolver(true);
    expect(of(request('127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(of(request('::1', 'forged, 203.0.113.8'))).toBe('203.0.113.8');
    expect(of(request('::ffff:127.0.0.1', ['x', '203.0.113.9']))).toBe('203.0.113.9');
    // IPv6 clients share their /64.
    expect(of(request('127.0.0.1', '2001:db8:1:2:3:4:5:6'))).toBe('2001:db8:1:2::/64');
  });

  it('never believes the header from a client that is not the local proxy', () => {
    const of = clientAddressResolver(true);
    expect(of(request('198.51.100.2', '203.0.113.7'))).toBe('198.51.100.2');
    expect(of(request('127.0.0.1'))).toBe('127.0.0.1');
  });
});
