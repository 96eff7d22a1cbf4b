import type { Response } from 'express';
import type { ErrorBody } from '@confidentiel/protocol';

/** Answers a refusal: the status and the one error body shape of every route. */
export function refuse(res: Response, status: number, body: ErrorBody): void {
  res.status(status).json(body);
}
