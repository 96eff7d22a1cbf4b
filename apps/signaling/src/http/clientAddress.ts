import type { IncomingMessage } from 'node:http';
import { clientKey } from './clientKey.ts';

/** The key a request's client is rate-limited under (never logged). */
export type ClientAddressOf = (req: IncomingMessage) => string;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Where a request comes from. Directly: the socket's address. Behind the
 * operator's reverse proxy on the same machine (`trustProxy`), the proxy
 * connects from loopback and says who the client is in `X-Forwarded-For`
 * (infra/nginx replaces that header with `$remote_addr`); the last entry is
 * the one the proxy wrote. Without this, every client behind the proxy would
 * share one rate-limit budget.
 */
export function clientAddressResolver(trustProxy: boolean): ClientAddressOf {
  return (req) => {
    const remote = req.socket.remoteAddress;
    if (trustProxy && remote !== undefined && LOOPBACK.test(remote)) {
      const header = req.headers['x-forwarded-for'];
      const value = Array.isArray(header) ? header[header.length - 1] : header;
      const last = value?.split(',').pop()?.trim();
      if (last) {
        return clientKey(last);
      }
    }
    return clientKey(remote);
  };
}
