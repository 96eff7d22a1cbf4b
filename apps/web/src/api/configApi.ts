import { serviceConfigResponseSchema } from '@confidentiel/protocol';
import type { z } from 'zod';
import { getJson, type FetchLike } from './meetingsApi.ts';

export type ServiceConfig = z.infer<typeof serviceConfigResponseSchema>;

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/** `GET /api/config`: what this service allows (open meetings without an account, or organisers only). */
export async function getServiceConfig(fetchFn: FetchLike = defaultFetch): Promise<ServiceConfig> {
  const parsed = serviceConfigResponseSchema.safeParse(await getJson(fetchFn, '/api/config'));
  // An unreadable answer: assume the safe side (organisers only).
  return parsed.success ? parsed.data : { openMeetings: false };
}
