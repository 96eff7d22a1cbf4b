import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody } from '@confidentiel/protocol';

/** The answer to a request body the parsers would not read. */
export interface BodyRefusal {
  status: 400 | 413 | 415;
  body: ErrorBody;
}

const tooLarge: BodyRefusal = {
  status: 413,
  body: { reason: 'too-large', message: 'request body too large' },
};
const malformed: BodyRefusal = {
  status: 400,
  body: { reason: 'invalid-payload', message: 'malformed request body' },
};
const malformedJson: BodyRefusal = {
  status: 400,
  body: { reason: 'invalid-payload', message: 'malformed JSON' },
};
// `invalid-payload`, not a reason of its own: the browser treats both alike
// (resending the same body cannot help), and it never sends these anyway.
const unsupportedCharset: BodyRefusal = {
  status: 415,
  body: { reason: 'invalid-payload', message: 'unsupported charset: send UTF-8' },
};
const unsupportedEncoding: BodyRefusal = {
  status: 415,
  body: { reason: 'invalid-payload', message: 'unsupported content encoding' },
};

/**
 * What to answer to an error of express's body parsers (body-parser and
 * raw-body mark theirs with a 4xx `status` and a `type`): the client sent a
 * body this service does not read. Undefined for any other error, which is
 * the server's own. The one mapping of these errors, for every router that
 * reads bodies.
 */
export function bodyRefusal(error: unknown): BodyRefusal | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const fields = error as { status?: unknown; statusCode?: unknown; type?: unknown };
  const status = typeof fields.status === 'number' ? fields.status : fields.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) {
    return undefined;
  }
  switch (fields.type) {
    case 'charset.unsupported':
      return unsupportedCharset;
    case 'encoding.unsupported':
      return unsupportedEncoding;
    case 'entity.parse.failed':
      return malformedJson;
    case 'entity.too.large':
    case 'parameters.too.many':
      return tooLarge;
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return malformed;
    default:
      break;
  }
  // No type: bytes that would not decompress (zlib's error, given 400 by body-parser).
  switch (status) {
    case 400:
      return malformed;
    case 413:
      return tooLarge;
    case 415:
      return unsupportedEncoding;
    default:
      return undefined;
  }
}

/**
 * Answers a body the parsers refused with its 4xx and `{reason, message}`,
 * and one info line: the client's mistake, not a failure of ours (no stack).
 * False, having answered nothing, for any other error.
 */
export function refuseUnreadableBody(error: unknown, res: Response, logger: Logger): boolean {
  const refusal = bodyRefusal(error);
  if (refusal === undefined || res.headersSent) {
    return false;
  }
  logger.info({ status: refusal.status, refusal: refusal.body.message }, 'request body refused');
  res.status(refusal.status).json(refusal.body);
  return true;
}
