import type { IdentityKeys, MemberRole } from '@confidentiel/protocol';

/**
 * Where a session stands. `idle`: connected, not in the meeting (yet, or
 * again after the media server lost the room); `joining`: a join or an
 * admission under way; `waiting`: in the lobby; `joined`: in the room;
 * `left`: over, for good.
 */
export type Phase = 'idle' | 'joining' | 'waiting' | 'joined' | 'left';

/**
 * What the room state holds of this member, i.e. what leaving must take
 * back. Changed only by steps run in the room's queue, so a departure queued
 * behind an arrival in flight sees what the arrival added.
 */
export type Presence = 'none' | 'lobby' | 'member';

/** The `default` of an exhaustive switch over a phase: never reached. */
export function unreachable(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}

/** What a new owner restores of a session it takes over (see cluster/SessionRecords.ts). */
export interface RestoredSession {
  phase: 'joined' | 'waiting';
  keys: IdentityKeys | null;
  role: MemberRole;
}
