import type { CommitteeActor } from './committeePlan.ts';
import type { CommitteeRoomState, Span } from './CommitteeRoomState.ts';

/** Most attendance spans kept; the oldest closed ones go first. */
export const MAX_ATTENDANCE = 5000;

/** The member is present from `now`, in their current role. */
export function openSpan(state: CommitteeRoomState, member: CommitteeActor, now: number): void {
  const span: Span = {
    memberId: member.memberId,
    displayName: member.displayName,
    role: member.role,
    joinedAt: now,
    leftAt: null,
  };
  state.attendance.push(span);
  state.present.set(member.memberId, span);
  if (state.attendance.length > MAX_ATTENDANCE) {
    const oldestClosed = state.attendance.findIndex((s) => s.leftAt !== null);
    state.attendance.splice(oldestClosed >= 0 ? oldestClosed : 0, 1);
  }
}

/** The member's present span, if any, ends at `now`. */
export function closeSpan(state: CommitteeRoomState, memberId: string, now: number): void {
  const span = state.present.get(memberId);
  if (span) {
    span.leftAt = now;
    state.present.delete(memberId);
  }
}
