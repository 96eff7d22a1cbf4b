import type { MeetingStatusState } from './meetingStatus.ts';

/**
 * How both databases keep a meeting's status. The `status` column stays what it always was,
 * `scheduled` or `cancelled` (whether the meeting may be joined: the invite stores read it so);
 * `session` says where its room stands, null before it first opens. Two columns rather than a
 * wider CHECK on `status`: SQLite changes a CHECK only by rebuilding the table, and dropping
 * `meetings` with foreign keys on would cascade to every invite.
 */
export interface StatusColumns {
  status: 'scheduled' | 'cancelled';
  session: 'live' | 'ended' | null;
  session_started_at: number | null;
  session_ended_at: number | null;
}

export const STATUS_COLUMNS = 'status, session, session_started_at, session_ended_at';

/** Refuses a row the CHECK constraints should have kept out, rather than guess. */
export function statusFromColumns(row: {
  status: string;
  session: string | null;
  session_started_at: number | null;
  session_ended_at: number | null;
}): MeetingStatusState {
  const lastSession =
    row.session_started_at === null
      ? null
      : { startedAt: row.session_started_at, endedAt: row.session_ended_at };
  if (row.status === 'cancelled') {
    return { status: 'cancelled', lastSession };
  }
  if (row.status !== 'scheduled') {
    throw new TypeError(`a meeting row with status ${row.status}`);
  }
  switch (row.session) {
    case null:
      return { status: 'scheduled', lastSession };
    case 'live':
    case 'ended':
      return { status: row.session, lastSession };
    default:
      throw new TypeError(`a meeting row with session ${row.session}`);
  }
}

export function columnsFromStatus(state: MeetingStatusState): StatusColumns {
  const session = state.lastSession;
  return {
    status: state.status === 'cancelled' ? 'cancelled' : 'scheduled',
    session: state.status === 'live' || state.status === 'ended' ? state.status : null,
    session_started_at: session?.startedAt ?? null,
    session_ended_at: session?.endedAt ?? null,
  };
}
