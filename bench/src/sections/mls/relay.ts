/**
 * The Delivery Service's traffic for one membership change, as the simulation routes it: what
 * signaling receives (requests, one message each) and sends (their acknowledgements, and one
 * event per recipient socket: a fan-out to n−1 members is n−1 messages on the wire). Payloads
 * are checked against the protocol's schemas (signaling parses requests with them, browsers
 * events) and requests against signaling's size cap; a payload over a limit is counted anyway
 * (the simulation measures cost) and reported, since it would be refused.
 */
import {
  LIMITS,
  MAX_MLS_MESSAGE_BYTES,
  mlsEvents,
  mlsRequests,
  type RequestOf,
  type ResponseOf,
} from '@confidentiel/protocol';
import type { z } from 'zod';
import { checkedBytes, eventBytes, requestBytes, responseBytes } from './wire.ts';

type Requests = typeof mlsRequests;
type Events = typeof mlsEvents;

/**
 * One message of one change: a request signaling received, its acknowledgement, or an event it
 * sent to each of `recipients`.
 */
export type RelayedMessage =
  | { readonly kind: 'request' | 'response'; readonly name: string; readonly bytes: number }
  | {
      readonly kind: 'event';
      readonly name: string;
      readonly recipients: readonly string[];
      readonly bytes: number;
    };

export interface RelayCount {
  /** Requests signaling received. */
  readonly messagesIn: number;
  /** Events signaling sent, one per recipient socket. */
  readonly messagesOut: number;
  /** Bytes of the requests. */
  readonly bytesIn: number;
  /** Bytes of the events and of the requests' acknowledgements. */
  readonly bytesOut: number;
  readonly log: readonly RelayedMessage[];
  /** The protocol limits a message of this change exceeds (it would be refused), if any. */
  readonly overLimits: readonly OverLimit[];
}

export interface OverLimit {
  /** The message: `mlsCommit request`, `mlsWelcome event`. */
  readonly message: string;
  /** Which limit: a schema's field, or the size cap. */
  readonly limit: string;
}

export class DsRelay {
  #log: RelayedMessage[] = [];
  #overLimits: OverLimit[] = [];

  /** A request reaches signaling and is acknowledged with `response`. */
  request<K extends keyof Requests>(
    name: K,
    payload: RequestOf<Requests, K>,
    response: ResponseOf<Requests, K>,
  ): void {
    const message = `${name} request`;
    this.#check(message, mlsRequests[name].request, payload);
    // apps/signaling/src/socket/messageSize.ts: only mlsCommit may exceed the common cap.
    const cap = name === 'mlsCommit' ? MAX_MLS_MESSAGE_BYTES : LIMITS.maxMessageBytes;
    if (checkedBytes(name, payload) > cap) {
      this.#overLimits.push({ message, limit: `${cap} bytes per message` });
    }
    this.#log.push({ kind: 'request', name, bytes: requestBytes(name, payload) });
    this.#log.push({ kind: 'response', name, bytes: responseBytes(response) });
  }

  /** Signaling sends one event to each of `recipients` (member ids). */
  fanOut<K extends keyof Events>(name: K, payload: z.input<Events[K]>, recipients: readonly string[]): void {
    this.#check(`${name} event`, mlsEvents[name], payload);
    this.#log.push({ kind: 'event', name, recipients: [...recipients], bytes: eventBytes(name, payload) });
  }

  /** The change's count; the relay starts afresh for the next change. */
  take(): RelayCount {
    let messagesIn = 0;
    let messagesOut = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    for (const message of this.#log) {
      switch (message.kind) {
        case 'request':
          messagesIn += 1;
          bytesIn += message.bytes;
          break;
        case 'response':
          // Bytes, not a message: the pairwise envelopes count their relayKey acknowledgements so too.
          bytesOut += message.bytes;
          break;
        case 'event':
          messagesOut += message.recipients.length;
          bytesOut += message.bytes * message.recipients.length;
          break;
      }
    }
    const count = {
      messagesIn,
      messagesOut,
      bytesIn,
      bytesOut,
      log: this.#log,
      overLimits: this.#overLimits,
    };
    this.#log = [];
    this.#overLimits = [];
    return count;
  }

  #check(message: string, schema: z.ZodType, payload: unknown): void {
    const parsed = schema.safeParse(payload);
    for (const issue of parsed.success ? [] : parsed.error.issues) {
      this.#overLimits.push({ message, limit: `${issue.path.join('.')}: ${issue.message}` });
    }
  }
}
