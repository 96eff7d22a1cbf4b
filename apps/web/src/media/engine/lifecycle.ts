import type { TransportDirection } from '@confidentiel/protocol';
import type { EndReason } from '../meetingState.ts';

/** Why the media server rebuilt the room's media (protocol `mediaReset`). */
export type MediaResetReason = 'worker-died' | 'host-lost';

/** What is being repaired. */
export type RepairCause =
  /** These transports went `failed` (or stayed `disconnected`): their ICE is restarted. */
  | { kind: 'ice-restart'; directions: readonly TransportDirection[] }
  /**
   * Every transport, producer and consumer is gone on the media server: they
   * are made again. `down` holds the new transports that failed meanwhile
   * (their ICE is restarted once the rebuild is done).
   */
  | { kind: 'media-reset'; reason: MediaResetReason; down: readonly TransportDirection[] };

/**
 * One participation's life, as the engine drives it. `joined` and
 * `repairing` are both "in the meeting" for the person; `repairing` shows
 * "reconnecting audio and video".
 */
export type Lifecycle =
  | { name: 'idle' }
  /** Connecting, waiting in the lobby, or making the first transports. */
  | { name: 'joining'; resetPending: MediaResetReason | null }
  | { name: 'joined' }
  /** `startedAt`: when this repair began (the give-up bound counts from it). */
  | { name: 'repairing'; cause: RepairCause; startedAt: number }
  /** `leave()` was called: no repair starts or goes on; only `end` follows. */
  | { name: 'leaving' }
  | { name: 'ended'; reason: EndReason };

export type LifecycleEvent =
  | { type: 'join' }
  /** The join made both transports (or gave up on them because of a pending reset). */
  | { type: 'mediaReady'; at: number }
  /** A transport went `failed`, or stayed `disconnected` past its grace. */
  | { type: 'transportDown'; direction: TransportDirection; at: number }
  /** A transport is `connected` again. */
  | { type: 'transportUp'; direction: TransportDirection }
  | { type: 'mediaReset'; reason: MediaResetReason; at: number }
  /** The rebuild after a media reset is done: new transports, producers and consumers. */
  | { type: 'rebuilt'; at: number }
  | { type: 'leave' }
  | { type: 'end'; reason: EndReason };

function withDirection(
  directions: readonly TransportDirection[],
  direction: TransportDirection,
): readonly TransportDirection[] {
  return directions.includes(direction) ? directions : [...directions, direction];
}

function withoutDirection(
  directions: readonly TransportDirection[],
  direction: TransportDirection,
): readonly TransportDirection[] {
  return directions.includes(direction) ? directions.filter((d) => d !== direction) : directions;
}

function reset(reason: MediaResetReason, at: number): Lifecycle {
  return { name: 'repairing', cause: { kind: 'media-reset', reason, down: [] }, startedAt: at };
}

/**
 * The pure transition. Returns the same object when the event changes
 * nothing, so callers can tell. The rules that settle races:
 * - `leave` wins: once leaving, only `end` changes anything;
 * - a transport going down during an ICE repair joins it (one repair, one bound);
 * - a media reset supersedes an ICE repair and a reset in progress (a new one starts);
 * - a transport going down during a reset waits for the rebuild, then gets an ICE repair.
 */
export function nextLifecycle(state: Lifecycle, event: LifecycleEvent): Lifecycle {
  if (state.name === 'ended') {
    return state;
  }
  if (event.type === 'end') {
    return { name: 'ended', reason: event.reason };
  }
  if (state.name === 'leaving') {
    return state;
  }
  if (event.type === 'leave') {
    return { name: 'leaving' };
  }
  switch (state.name) {
    case 'idle':
      return event.type === 'join' ? { name: 'joining', resetPending: null } : state;
    case 'joining':
      switch (event.type) {
        case 'mediaReset':
          return state.resetPending === event.reason
            ? state
            : { name: 'joining', resetPending: event.reason };
        case 'mediaReady':
          return state.resetPending === null ? { name: 'joined' } : reset(state.resetPending, event.at);
        default:
          return state;
      }
    case 'joined':
      switch (event.type) {
        case 'transportDown':
          return {
            name: 'repairing',
            cause: { kind: 'ice-restart', directions: [event.direction] },
            startedAt: event.at,
          };
        case 'mediaReset':
          return reset(event.reason, event.at);
        default:
          return state;
      }
    case 'repairing': {
      const { cause } = state;
      if (event.type === 'mediaReset') {
        return reset(event.reason, event.at);
      }
      if (cause.kind === 'ice-restart') {
        switch (event.type) {
          case 'transportDown': {
            const directions = withDirection(cause.directions, event.direction);
            return directions === cause.directions ? state : { ...state, cause: { ...cause, directions } };
          }
          case 'transportUp': {
            const directions = withoutDirection(cause.directions, event.direction);
            if (directions === cause.directions) {
              return state;
            }
            return directions.length === 0
              ? { name: 'joined' }
              : { ...state, cause: { ...cause, directions } };
          }
          default:
            return state;
        }
      }
      switch (event.type) {
        case 'transportDown': {
          const down = withDirection(cause.down, event.direction);
          return down === cause.down ? state : { ...state, cause: { ...cause, down } };
        }
        case 'transportUp': {
          const down = withoutDirection(cause.down, event.direction);
          return down === cause.down ? state : { ...state, cause: { ...cause, down } };
        }
        case 'rebuilt':
          return cause.down.length === 0
            ? { name: 'joined' }
            : {
                name: 'repairing',
                cause: { kind: 'ice-restart', directions: cause.down },
                startedAt: event.at,
              };
        default:
          return state;
      }
    }
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
