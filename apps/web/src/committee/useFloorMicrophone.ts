import { useEffect, useState } from 'react';
import type { MeetingClient } from '../media/MeetingClient.ts';
import { MeetingError } from '../media/MeetingError.ts';

export interface FloorMicrophone {
  /** The latest word from the chair about our floor, for the live region. */
  notice: 'given' | 'withdrawn' | null;
  /** The microphone could not follow (no device, permission refused). */
  error: MeetingError | null;
}

/**
 * The chair's floor, followed by the member's own browser: given the floor, we
 * unmute (the server now lets the microphone through); withdrawn, we mute. The
 * server is the authority: it holds a member's microphone paused without the
 * floor and pauses it itself when the floor is withdrawn (`moderated` muted).
 */
export function useFloorMicrophone(client: MeetingClient): FloorMicrophone {
  const [notice, setNotice] = useState<FloorMicrophone['notice']>(null);
  const [error, setError] = useState<MeetingError | null>(null);
  useEffect(
    () =>
      client.on('floorChanged', (speaking) => {
        setNotice(speaking ? 'given' : 'withdrawn');
        setError(null);
        client.setMicrophoneEnabled(speaking).catch((failure: unknown) => {
          setError(MeetingError.from(failure));
        });
      }),
    [client],
  );
  return { notice, error };
}
