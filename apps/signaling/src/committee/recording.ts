import { ProtocolError } from '@confidentiel/protocol';
import {
  conflict,
  requireChair,
  type CommitteeActor,
  type Plan,
  type Req,
  type Res,
} from './committeePlan.ts';
import type { CommitteeRoomState } from './CommitteeRoomState.ts';

/** The recording notice: the chair says when a recording starts and stops, and which one. */
export function planSetRecording(
  state: CommitteeRoomState,
  actor: CommitteeActor,
  { on, recordingId }: Req<'setRecording'>,
  now: number,
): Plan<Res<'setRecording'>> {
  requireChair(actor, 'start or stop the recording');
  const running = state.recording;
  if (on) {
    if (recordingId === null) {
      throw ProtocolError.invalidPayload('starting a recording needs its recordingId');
    }
    if (running !== null) {
      throw conflict('the recording is already running');
    }
    return {
      entries: [['recording-started', { recordingId, by: actor.memberId }]],
      apply: () => {
        state.recording = { since: now, recordingId };
        return {};
      },
    };
  }
  if (running === null) {
    throw conflict('no recording is running');
  }
  if (recordingId !== null && recordingId !== running.recordingId) {
    throw conflict('this is not the recording that is running');
  }
  return {
    entries: [['recording-stopped', { recordingId: running.recordingId, by: actor.memberId }]],
    apply: () => {
      state.recording = null;
      return {};
    },
  };
}
