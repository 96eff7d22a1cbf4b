/**
 * How this page gets into a meeting: an open meeting's link (`/m/:id`), a
 * guest's invite link (`/i/:inviteId`, maybe with a passcode and the lobby),
 * or the organiser joining as host from the dashboard (`/h/:id`).
 */
export type MeetingAccess =
  | { kind: 'open'; meetingId: string }
  | { kind: 'invite'; inviteId: string }
  | { kind: 'host'; meetingId: string };

/** A stable key for React: another access is another session. */
export function accessKey(access: MeetingAccess): string {
  switch (access.kind) {
    case 'open':
    case 'host':
      return `${access.kind}:${access.meetingId}`;
    case 'invite':
      return `invite:${access.inviteId}`;
    default: {
      const unreachable: never = access;
      return unreachable;
    }
  }
}
