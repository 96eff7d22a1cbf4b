import type {
  RequestOf,
  ResponseOf,
  SfuRoutedRequestName,
  sfuEvents,
  SfuEventName,
  sfuRequests,
} from '@confidentiel/protocol';
import type { z } from 'zod';

/**
 * Some of a meeting's media is gone: the worker that held its room on a host
 * died, or a host was lost (or restarted). `memberIds` had their transports
 * there and must make their media again (`reconnectMedia`); `everyone`: no
 * member of the meeting has media elsewhere (the whole room starts again).
 */
export interface MediaLost {
  roomId: string;
  reason: 'worker-died' | 'host-lost';
  memberIds: string[];
  everyone: boolean;
}

/** What signaling hears from its media servers, validated. */
export type SfuClientEvents = {
  [K in SfuEventName]: [z.infer<(typeof sfuEvents)[K]>];
} & {
  /** A first host is reachable. */
  connected: [];
  /** No host is reachable any more. */
  disconnected: [reason: string];
  mediaLost: [MediaLost];
};

/**
 * Signaling's view of its media servers: one request per meeting (and
 * member) and one stream of events, whichever host holds what. Every payload
 * names its room; the implementation (SfuCluster) routes it.
 */
export interface SfuClient {
  /** Whether at least one host is reachable. */
  readonly connected: boolean;
  request<K extends SfuRoutedRequestName>(
    name: K,
    payload: RequestOf<typeof sfuRequests, K>,
  ): Promise<ResponseOf<typeof sfuRequests, K>>;
  on<K extends keyof SfuClientEvents>(event: K, listener: (...args: SfuClientEvents[K]) => void): () => void;
  close(): void;
}
