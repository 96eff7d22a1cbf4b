import { createHmac } from 'node:crypto';
import type { IceServer, IceTransportPolicy } from '@confidentiel/protocol';

/** What a browser gets at join for its RTCPeerConnections. */
export interface IceConfig {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

export interface TurnCredential {
  username: string;
  credential: string;
}

/**
 * A TURN REST credential (draft-uberti-behave-turn-rest, coturn
 * `use-auth-secret`): username `<expiry unix seconds>:<member id>`, password
 * base64(HMAC-SHA1(secret, username)). The key is the secret's characters as
 * configured (coturn reads `static-auth-secret` the same way), not its decoded
 * bytes. The TURN server recomputes it and refuses it after `expiresAt`.
 */
export function turnCredential(secret: string, memberId: string, expiresAt: number): TurnCredential {
  if (!Number.isInteger(expiresAt) || expiresAt <= 0) {
    throw new RangeError('expiresAt must be a positive whole number of seconds');
  }
  if (memberId.includes(':')) {
    // The TURN server splits the username at its first ':'.
    throw new RangeError('memberId must not contain ":"');
  }
  const username = `${expiresAt}:${memberId}`;
  const credential = createHmac('sha1', Buffer.from(secret, 'utf8')).update(username).digest('base64');
  return { username, credential };
}

export interface IceConfigOptions {
  /** TURN URLs (already checked); none: no ICE server at all. */
  turnUrls: readonly string[];
  /** TURN_SECRET, required when there are URLs. */
  secret: string | undefined;
  /** Credential lifetime, seconds. */
  ttlSeconds: number;
  policy: IceTransportPolicy;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

/**
 * Makes each member's ICE configuration: one ICE server with every TURN URL
 * and a credential for that member, valid `ttlSeconds` from now; or no ICE
 * server when no TURN URL is configured (never a public STUN server).
 */
export function iceConfigIssuer(options: IceConfigOptions): (memberId: string) => IceConfig {
  const now = options.now ?? Date.now;
  const urls = [...options.turnUrls];
  const secret = options.secret;
  if (urls.length > 0 && !secret) {
    throw new TypeError('TURN URLs need a secret');
  }
  return (memberId) => {
    if (urls.length === 0 || !secret) {
      return { iceServers: [], iceTransportPolicy: options.policy };
    }
    const expiresAt = Math.floor(now() / 1000) + options.ttlSeconds;
    return {
      iceServers: [{ urls, ...turnCredential(secret, memberId, expiresAt) }],
      iceTransportPolicy: options.policy,
    };
  };
}
