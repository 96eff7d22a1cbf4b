import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { KeyRing } from './KeyRing.ts';
import { TokenError } from './TokenError.ts';

/** The only algorithm accepted; `none` and asymmetric algorithms are refused. */
export const TOKEN_ALGORITHM = 'HS256';
/** Clock skew tolerated on `exp`/`nbf`/`iat`, in seconds. */
export const CLOCK_TOLERANCE_S = 5;

export interface TokenServiceOptions {
  keys: KeyRing;
  issuer: string;
  /** Seconds since the epoch; injected so tests can drive time. */
  now?: () => number;
}

export interface IssueOptions {
  audience: string;
  typ: string;
  subject: string;
  ttlSeconds: number;
  claims?: Record<string, unknown>;
}

export interface VerifiedToken {
  sub: string;
  jti: string;
  exp: number;
  typ: string;
  claims: Record<string, unknown>;
}

/** Issues and verifies short-lived JWTs with pinned algorithm, iss, aud, typ, exp and jti. */
export class TokenService {
  readonly #keys: KeyRing;
  readonly #issuer: string;
  readonly #now: () => number;

  constructor(options: TokenServiceOptions) {
    this.#keys = options.keys;
    this.#issuer = options.issuer;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  issue(options: IssueOptions): { token: string; jti: string; expiresAt: number } {
    if (!(options.ttlSeconds > 0)) {
      throw new TypeError('ttlSeconds must be positive');
    }
    const { kid, key } = this.#keys.current;
    const iat = this.#now();
    const exp = iat + options.ttlSeconds;
    const jti = randomUUID();
    const token = jwt.sign({ ...options.claims, typ: options.typ, iat, nbf: iat, exp }, key, {
      algorithm: TOKEN_ALGORITHM,
      keyid: kid,
      issuer: this.#issuer,
      audience: options.audience,
      subject: options.subject,
      jwtid: jti,
    });
    return { token, jti, expiresAt: exp };
  }

  verify(token: unknown, expected: { audience: string; typ: string }): VerifiedToken {
    if (typeof token !== 'string' || token.length === 0) {
      throw new TokenError('missing', 'no token');
    }
    if (token.length > 4096) {
      throw new TokenError('malformed', 'token too long');
    }
    const decoded = jwt.decode(token, { complete: true });
    if (decoded === null || typeof decoded.payload === 'string') {
      throw new TokenError('malformed', 'not a JWT');
    }
    if (decoded.header.alg !== TOKEN_ALGORITHM) {
      throw new TokenError('invalid', 'algorithm not allowed');
    }
    const kid = decoded.header.kid;
    const key = kid === undefined ? undefined : this.#keys.find(kid);
    if (key === undefined) {
      throw new TokenError('invalid', 'unknown signing key');
    }
    let payload: jwt.JwtPayload;
    try {
      const result = jwt.verify(token, key, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: this.#issuer,
        audience: expected.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        clockTimestamp: this.#now(),
      });
      if (typeof result === 'string') {
        throw new TokenError('malformed', 'payload is not an object');
      }
      payload = result;
    } catch (error) {
      if (error instanceof TokenError) {
        throw error;
      }
      if (error instanceof jwt.TokenExpiredError) {
        throw new TokenError('expired', 'token expired', { cause: error });
      }
      if (error instanceof jwt.NotBeforeError) {
        throw new TokenError('not-yet-valid', 'token not yet valid', { cause: error });
      }
      throw new TokenError('invalid', 'token refused', { cause: error });
    }
    // jsonwebtoken accepts tokens without exp: refuse them (a token must die).
    if (typeof payload.exp !== 'number') {
      throw new TokenError('invalid', 'token has no exp');
    }
    if (payload.typ !== expected.typ) {
      throw new TokenError('invalid', 'wrong token type');
    }
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
      throw new TokenError('invalid', 'token lacks sub or jti');
    }
    const { sub, jti, exp, typ, ...rest } = payload;
    return { sub, jti, exp, typ: typ as string, claims: rest };
  }
}
