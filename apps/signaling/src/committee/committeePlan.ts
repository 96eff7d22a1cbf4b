import {
  ProtocolError,
  type MemberRole,
  type RequestOf,
  type ResponseOf,
  type committeeRequests,
  type roomRequests,
} from '@confidentiel/protocol';
import { isChair } from './committeeRoles.ts';

/** The member making a request, as the room sees them now. */
export interface CommitteeActor {
  memberId: string;
  displayName: string;
  role: MemberRole;
}

export type CommitteeRequest = keyof typeof committeeRequests;
export type Req<K extends CommitteeRequest> = RequestOf<typeof roomRequests, K>;
export type Res<K extends CommitteeRequest> = ResponseOf<typeof roomRequests, K>;

export type JournalData = Record<string, unknown>;
/** What an accepted request does: the entries it journals, then the change itself. */
export interface Plan<T> {
  entries: [type: string, data: JournalData][];
  apply: () => T | Promise<T>;
}

export const forbidden = (message: string): ProtocolError => new ProtocolError('forbidden', message);
export const notFound = (message: string): ProtocolError => new ProtocolError('not-found', message);
export const conflict = (message: string): ProtocolError => new ProtocolError('conflict', message);

/** Who a journal entry is about. */
export function who(member: { memberId: string; displayName: string; role: MemberRole }): JournalData {
  return { memberId: member.memberId, displayName: member.displayName, role: member.role };
}

export function requireChair(actor: CommitteeActor, what: string): void {
  if (!isChair(actor.role)) {
    throw forbidden(`only the chair (the host) can ${what}`);
  }
}
