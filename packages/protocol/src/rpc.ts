import { z } from 'zod';
import { errorBodySchema, ProtocolError, type ErrorBody } from './errors.ts';

/** A request definition: the payload schema and the acknowledged result schema. */
export interface RequestDef {
  request: z.ZodType;
  response: z.ZodType;
}
export type RequestMap = Record<string, RequestDef>;

export type RequestOf<M extends RequestMap, K extends keyof M> = z.infer<M[K]['request']>;
export type ResponseOf<M extends RequestMap, K extends keyof M> = z.infer<M[K]['response']>;

/** The acknowledgement of every request: a result or a refusal with a reason. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: z.infer<typeof errorBodySchema> };

export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.strictObject({ ok: z.literal(true), data }),
    z.strictObject({ ok: z.literal(false), error: errorBodySchema }),
  ]);
}

/**
 * The ack schema of a response schema, made once: zod compiles a schema on
 * its first parse, and making a new one per acknowledgement cost signaling
 * ~2 ms of CPU per join (bench/src/sections/signaling, `--cpu-prof`).
 */
const ackSchemas = new WeakMap<z.ZodType, ReturnType<typeof ackSchema>>();

export function ackSchemaFor(data: z.ZodType): ReturnType<typeof ackSchema> {
  let schema = ackSchemas.get(data);
  if (!schema) {
    schema = ackSchema(data);
    ackSchemas.set(data, schema);
  }
  return schema;
}

export function isRequestName<M extends RequestMap>(map: M, name: unknown): name is keyof M & string {
  return typeof name === 'string' && Object.hasOwn(map, name);
}

/** Validates a request payload, throwing a ProtocolError('invalid-payload') with the first issue. */
export function parseRequest<M extends RequestMap, K extends keyof M & string>(
  map: M,
  name: K,
  payload: unknown,
): RequestOf<M, K> {
  const result = map[name]!.request.safeParse(payload);
  if (!result.success) {
    throw ProtocolError.invalidPayload(`${name}: ${describeIssue(result.error)}`);
  }
  return result.data as RequestOf<M, K>;
}

/** Validates an acknowledgement, returning the data or throwing the refusal. */
export function parseAck<M extends RequestMap, K extends keyof M & string>(
  map: M,
  name: K,
  ack: unknown,
): ResponseOf<M, K> {
  const result = ackSchemaFor(map[name]!.response).safeParse(ack);
  if (!result.success) {
    throw ProtocolError.invalidPayload(`${name} ack: ${describeIssue(result.error)}`);
  }
  if (!result.data.ok) {
    throw ProtocolError.fromBody(result.data.error);
  }
  return result.data.data as ResponseOf<M, K>;
}

/** Validates an event payload against a map of event schemas. */
export function parseEvent<E extends Record<string, z.ZodType>, K extends keyof E & string>(
  events: E,
  name: K,
  payload: unknown,
): z.infer<E[K]> {
  const result = events[name]!.safeParse(payload);
  if (!result.success) {
    throw ProtocolError.invalidPayload(`${name}: ${describeIssue(result.error)}`);
  }
  return result.data as z.infer<E[K]>;
}

export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) {
    return 'invalid';
  }
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`.slice(0, 300);
}

/** The top-level field the first issue is about, when it is a named one. */
export function issueField(error: z.ZodError): string | undefined {
  const head = error.issues[0]?.path[0];
  return typeof head === 'string' && head.length <= 64 ? head : undefined;
}

/** The body of a 400 `invalid-payload` refusal: what failed, and which field, so a page can say so. */
export function invalidPayloadBody(error: z.ZodError): ErrorBody {
  const field = issueField(error);
  return { reason: 'invalid-payload', message: describeIssue(error), ...(field ? { field } : {}) };
}
