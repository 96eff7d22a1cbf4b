import { useCallback, useState } from 'react';
import type { MemberInfo } from '@confidentiel/protocol';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { microphoneNeedsFloor } from './floorRules.ts';
import { useCommitteeState } from './useCommitteeState.ts';

/** A committee member's floor, for the controls bar: why the microphone is closed, and the raised hand. */
export interface FloorControl {
  /** The microphone opens only once the chair gives the floor (or opens free discussion). */
  needsFloor: boolean;
  handRaised: boolean;
  speaking: boolean;
  /** A request is on its way. */
  busy: boolean;
  /** Raises the hand (asks for the floor), or lowers it. */
  toggleHand: () => void;
  /** The last hand request failed. */
  failed: boolean;
}

/**
 * The floor as a participant of a committee session meets it in the controls bar; null for
 * everyone who speaks at will (chair, secretaries), observers, and outside committee sessions.
 */
export function useFloorControl(client: MeetingClient, self: MemberInfo | null): FloorControl | null {
  const committee = useCommitteeState(client);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const handRaised = self !== null && committee !== null && committee.floor.queue.includes(self.memberId);
  const toggleHand = useCallback(() => {
    setBusy(true);
    setFailed(false);
    client
      .committeeRequest(handRaised ? 'lowerHand' : 'raiseHand', {})
      .catch(() => setFailed(true))
      .finally(() => setBusy(false));
  }, [client, handRaised]);
  if (committee === null || self === null || self.role !== 'participant') {
    return null;
  }
  return {
    needsFloor: microphoneNeedsFloor(committee, self),
    handRaised,
    speaking: committee.floor.speaker === self.memberId,
    busy,
    toggleHand,
    failed,
  };
}
