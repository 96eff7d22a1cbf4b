import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProtocolError } from '../src/errors.ts';
import { ackSchemaFor, parseAck } from '../src/rpc.ts';

const requests = {
  ping: { request: z.strictObject({}), response: z.strictObject({ at: z.number() }) },
};

describe('acknowledgements', () => {
  it('answers the data of an accepted request', () => {
    expect(parseAck(requests, 'ping', { ok: true, data: { at: 5 } })).toEqual({ at: 5 });
  });

  it('throws the refusal with its reason', () => {
    const refusal = { ok: false, error: { reason: 'forbidden', message: 'not yours' } };
    expect(() => parseAck(requests, 'ping', refusal)).toThrow(ProtocolError);
  });

  it('refuses an ack that does not match the response schema', () => {
    expect(() => parseAck(requests, 'ping', { ok: true, data: { at: 'now' } })).toThrow(/ping ack/);
    expect(() => parseAck(requests, 'ping', { ok: true, data: { at: 1, extra: 1 } })).toThrow(/ping ack/);
  });

  it('makes the ack schema of a response once, not at every acknowledgement', () => {
    expect(ackSchemaFor(requests.ping.response)).toBe(ackSchemaFor(requests.ping.response));
    expect(ackSchemaFor(z.string())).not.toBe(ackSchemaFor(z.string()));
  });
});
