import { ProtocolError, type RequestHandlers, type roomRequests } from '@confidentiel/protocol';
import type { CommitteeRequest, CommitteeRoom } from './CommitteeRoom.ts';
import { actorOf, type CommitteeHooks, type CommitteeMember } from './CommitteeService.ts';

/** What the committee requests need of a member's session (a MemberSession is one). */
export interface CommitteeSession extends CommitteeMember {
  /** In the lobby, not yet admitted. */
  readonly waiting: boolean;
  /** Throws (a ProtocolError) unless the member is in the room. */
  scope(): { roomId: string; memberId: string };
}

/**
 * The committee requests of one member (agenda, floor, votes, minutes,
 * recording notice). Each is for admitted members of a committee meeting
 * only; the committee room decides the rest from the member's current role.
 */
export function committeeHandlers(
  session: CommitteeSession,
  committee: CommitteeHooks,
): Pick<RequestHandlers<typeof roomRequests>, CommitteeRequest> {
  const roomFor = async (action: CommitteeRequest): Promise<CommitteeRoom> => {
    try {
      session.scope();
    } catch (error) {
      // Someone waiting in a committee meeting's lobby tried: the journal keeps the refusal too.
      if (session.waiting && error instanceof ProtocolError) {
        const room = await committee.existing(session.roomId);
        await room?.refusedOutside(actorOf(session), action, error);
      }
      throw error;
    }
    const room = await committee.roomOf(session);
    if (!room) {
      throw new ProtocolError(
        'forbidden',
        'agenda, floor, votes and minutes are for committee meetings only',
      );
    }
    return room;
  };
  const actor = () => actorOf(session);

  return {
    committeeState: async () => (await roomFor('committeeState')).committeeState(actor()),
    agendaOpen: async (request) => (await roomFor('agendaOpen')).agendaOpen(actor(), request),
    agendaClose: async (request) => (await roomFor('agendaClose')).agendaClose(actor(), request),
    agendaReorder: async (request) => (await roomFor('agendaReorder')).agendaReorder(actor(), request),
    raiseHand: async () => (await roomFor('raiseHand')).raiseHand(actor()),
    lowerHand: async () => (await roomFor('lowerHand')).lowerHand(actor()),
    giveFloor: async (request) => (await roomFor('giveFloor')).giveFloor(actor(), request),
    withdrawFloor: async () => (await roomFor('withdrawFloor')).withdrawFloor(actor()),
    setFreeDiscussion: async (request) =>
      (await roomFor('setFreeDiscussion')).setFreeDiscussion(actor(), request),
    muteAll: async () => (await roomFor('muteAll')).muteAll(actor()),
    openVote: async (request) => (await roomFor('openVote')).openVote(actor(), request),
    castVote: async (request) => (await roomFor('castVote')).castVote(actor(), request),
    closeVote: async (request) => (await roomFor('closeVote')).closeVote(actor(), request),
    saveMinutes: async (request) => (await roomFor('saveMinutes')).saveMinutes(actor(), request),
    getMinutes: async () => (await roomFor('getMinutes')).getMinutes(actor()),
    setRecording: async (request) => (await roomFor('setRecording')).setRecording(actor(), request),
  };
}
