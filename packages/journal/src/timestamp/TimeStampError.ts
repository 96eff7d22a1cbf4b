export const timeStampErrorReasons = [
  /** The authority did not answer: connection refused, DNS, timeout. */
  'unreachable',
  /** The authority answered with an HTTP error or a body that is not a time-stamp reply. */
  'http-error',
  /** Bytes that are not a TimeStampResp / TimeStampToken (RFC 3161). */
  'malformed',
  /** The authority refused the request (PKIStatus rejection, waiting, revocation…). */
  'rejected',
  /** The token is for other data: its message imprint (or nonce) is not the one asked for. */
  'mismatch',
  /** The CMS signature of the token does not verify. */
  'bad-signature',
  /** The signing certificate does not chain to a trusted TSA certificate at the token's time. */
  'untrusted',
  /** The signing certificate is not a time-stamping certificate (critical EKU timeStamping). */
  'wrong-usage',
] as const;
export type TimeStampErrorReason = (typeof timeStampErrorReasons)[number];

/** A time-stamp could not be obtained or does not verify. */
export class TimeStampError extends Error {
  readonly reason: TimeStampErrorReason;

  constructor(reason: TimeStampErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TimeStampError';
    this.reason = reason;
  }

  static malformed(message: string, cause?: unknown): TimeStampError {
    return new TimeStampError('malformed', message, { cause });
  }
}
