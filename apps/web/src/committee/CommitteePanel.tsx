import { useMemo, type ReactNode } from 'react';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { MeetingState } from '../media/meetingState.ts';
import type { CommitteeKeySnapshot } from './CommitteeKeyHolder.ts';
import { RecordingControls } from '../recording/RecordingControls.tsx';
import { CommitteeView } from './CommitteeView.tsx';
import { memberNames } from './memberNames.ts';
import { useCommitteeState } from './useCommitteeState.ts';
import { useFloorMicrophone } from './useFloorMicrophone.ts';
import { useMinutes } from './useMinutes.ts';

/**
 * The committee session's cockpit beside the stage: agenda, floor, votes,
 * minutes, the procès-verbal and the recording. Renders nothing until the server sends a committee
 * state (other kinds of meeting never do).
 */
export function CommitteePanel(props: {
  client: MeetingClient;
  state: MeetingState;
  meetingId: string;
  /** The committee secret in this browser: the minutes key comes from it. */
  committeeKey: CommitteeKeySnapshot;
}): ReactNode {
  const { client, state } = props;
  const committee = useCommitteeState(client);
  const microphone = useFloorMicrophone(client);
  const minutes = useMinutes({
    client,
    committee,
    meetingId: props.meetingId,
    committeeKey: props.committeeKey,
  });
  const names = useMemo(
    () => (committee === null ? new Map<string, string>() : memberNames(state, committee)),
    [state, committee],
  );
  if (committee === null || state.self === null) {
    return null;
  }
  return (
    <CommitteeView
      client={client}
      committee={committee}
      self={state.self}
      names={names}
      meetingId={props.meetingId}
      minutes={minutes}
      microphone={microphone}
      meeting={{ title: state.room.title ?? null, startsAt: state.room.startsAt ?? null }}
      recording={
        <RecordingControls
          client={client}
          meetingId={props.meetingId}
          committeeSecret={props.committeeKey.secret}
        />
      }
    />
  );
}
