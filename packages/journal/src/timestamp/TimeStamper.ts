import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from './certificates.ts';
import { TimeStampError } from './TimeStampError.ts';
import { OID_SHA256, readTimeStampToken, type TimeStampTokenInfo } from './TimeStampToken.ts';

/** How long one request to the authority may take before the checkpoint records a failure. */
export const TSA_TIMEOUT_MS = 10_000;
/** Largest reply read: a token with a certificate chain is a few kilobytes. */
export const MAX_TSA_REPLY_BYTES = 256 * 1024;
const NONCE_BYTES = 8;

export interface TimeStamperOptions {
  /** The authority's RFC 3161 HTTP endpoint (configured, never defaulted). */
  url: string | URL;
  timeoutMs?: number;
  /** Injected for tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Source of nonces; defaults to `crypto.randomBytes`. */
  random?: (size: number) => Uint8Array;
}

export interface TimeStamp extends TimeStampTokenInfo {
  /** The DER TimeStampToken exactly as the authority sent it. */
  token: Uint8Array;
}

/**
 * Asks an RFC 3161 time-stamping authority to sign a SHA-256 digest, over HTTP (RFC 3161 §3.4):
 * POST `application/timestamp-query`, with a fresh nonce and certReq so the token carries the
 * authority's certificate. Checks the reply answers this request (status, imprint, nonce);
 * checking the token's signature is the verifier's job (`verifyTimeStampToken`).
 */
export class TimeStamper {
  readonly #url: URL;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #random: (size: number) => Uint8Array;

  constructor(options: TimeStamperOptions) {
    this.#url = new URL(options.url);
    if (this.#url.protocol !== 'http:' && this.#url.protocol !== 'https:') {
      throw new TypeError(`time-stamping URL must be http(s), not ${this.#url.protocol}`);
    }
    this.#timeoutMs = options.timeoutMs ?? TSA_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
    this.#random = options.random ?? randomBytes;
  }

  get url(): string {
    return this.#url.href;
  }

  /** Time-stamps a SHA-256 digest given as 64 hex digits. Throws `TimeStampError`. */
  async stamp(digestHex: string): Promise<TimeStamp> {
    if (!/^[0-9a-f]{64}$/.test(digestHex)) {
      throw new TypeError('digest must be 64 lowercase hex digits (SHA-256)');
    }
    const nonce = Buffer.from(this.#random(NONCE_BYTES));
    // A positive INTEGER: a leading bit set would make it negative in DER.
    nonce[0] = nonce[0]! & 0x7f || 1;
    const request = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: OID_SHA256,
          algorithmParams: new asn1js.Null(),
        }),
        hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(Buffer.from(digestHex, 'hex')) }),
      }),
      nonce: new asn1js.Integer({ valueHex: toArrayBuffer(nonce) }),
      certReq: true,
    });
    const body = Buffer.from(request.toSchema().toBER());
    const reply = await this.#post(body);
    const token = tokenOf(reply);
    const info = readTimeStampToken(token);
    if (info.imprint !== digestHex) {
      throw new TimeStampError('mismatch', `the authority stamped ${info.imprint}, not ${digestHex}`);
    }
    if (info.nonce !== nonce.toString('hex')) {
      throw new TimeStampError('mismatch', "the reply's nonce is not the request's (a replayed reply?)");
    }
    return { ...info, token };
  }

  async #post(body: Buffer): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new TimeStampError('unreachable', `time-stamping authority ${this.#url.host} unreachable`, {
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new TimeStampError('http-error', `time-stamping authority answered HTTP ${response.status}`);
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/timestamp-reply')) {
      await response.body?.cancel();
      throw new TimeStampError('http-error', `time-stamping authority answered ${type || 'no content type'}`);
    }
    try {
      return await readBounded(response, MAX_TSA_REPLY_BYTES);
    } catch (error) {
      if (error instanceof TimeStampError) {
        throw error;
      }
      throw new TimeStampError('unreachable', 'the time-stamp reply was cut off', { cause: error });
    }
  }
}

/** The DER bytes of the token in a TimeStampResp, as sent (not re-encoded). */
function tokenOf(reply: Uint8Array): Uint8Array {
  let response: pkijs.TimeStampResp;
  let raw: Uint8Array | undefined;
  try {
    const parsed = asn1js.fromBER(toArrayBuffer(reply));
    if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
      throw new Error(parsed.result.error || 'not a SEQUENCE');
    }
    response = new pkijs.TimeStampResp({ schema: parsed.result });
    raw = parsed.result.valueBlock.value[1]?.valueBeforeDecodeView;
  } catch (error) {
    throw TimeStampError.malformed(
      `not a TimeStampResp: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const status = response.status.status as number;
  // granted (0) or grantedWithMods (1); anything else carries no token.
  if (status !== 0 && status !== 1) {
    const text = response.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new TimeStampError(
      'rejected',
      `time-stamping authority refused (status ${status}${text ? `: ${text}` : ''})`,
    );
  }
  if (!response.timeStampToken || raw === undefined) {
    throw TimeStampError.malformed('granted reply without a token');
  }
  return new Uint8Array(raw);
}

async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) {
    return new Uint8Array();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new TimeStampError('http-error', `time-stamp reply larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
