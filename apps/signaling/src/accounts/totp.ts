import { Secret, TOTP } from 'otpauth';
import type { RandomBytes } from './accountSecrets.ts';

/** RFC 6238 as every authenticator app does it: HMAC-SHA-1, 6 digits, 30-second steps. */
export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_S = 30;
/** Steps accepted either side of the current one (clock drift, slow typing). */
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block-friendly size RFC 4226 recommends. */
export const TOTP_SECRET_BYTES = 20;
/** Shown by authenticator apps above the code. */
export const TOTP_ISSUER = 'Confidentiel';

export interface TotpOptions {
  /** Milliseconds since the epoch (injected in tests). */
  now?: () => number;
  issuer?: string;
}

/** Time-based one-time codes (otpauth), on an injected clock. */
export class Totp {
  readonly #now: () => number;
  readonly #issuer: string;

  constructor(options: TotpOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#issuer = options.issuer ?? TOTP_ISSUER;
  }

  /** A new secret, base32 (uppercase, no padding). */
  newSecret(random: RandomBytes): string {
    const bytes = random(TOTP_SECRET_BYTES);
    return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
  }

  /** The `otpauth://totp/…` URI an authenticator app reads from a QR code. */
  uri(secret: string, accountLabel: string): string {
    return this.#totp(secret, accountLabel).toString();
  }

  /**
   * The time step `code` belongs to, if it is right within the window.
   * Callers must refuse a step already used (see AccountStore.useTotpStep).
   */
  match(secret: string, code: string): number | undefined {
    if (!/^\d{6}$/.test(code)) {
      return undefined;
    }
    const totp = this.#totp(secret, '');
    const timestamp = this.#now();
    const delta = totp.validate({ token: code, timestamp, window: TOTP_WINDOW });
    return delta === null ? undefined : totp.counter({ timestamp }) + delta;
  }

  #totp(secret: string, label: string): TOTP {
    return new TOTP({
      issuer: this.#issuer,
      label,
      secret: Secret.fromBase32(secret),
      algorithm: TOTP_ALGORITHM,
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_S,
    });
  }
}
