import type { MeetingState, RemoteMedia } from '../media/meetingState.ts';

function live(track: MediaStreamTrack | null): track is MediaStreamTrack {
  return track !== null && track.readyState !== 'ended';
}

function cameraOf(state: MeetingState, memberId: string | null): RemoteMedia | undefined {
  return state.media.find(
    (m) =>
      m.source === 'camera' && !m.paused && live(m.track) && (memberId === null || m.memberId === memberId),
  );
}

/**
 * The picture of the record: the active speaker's camera; else the first
 * remote camera that sends; else our own camera (when we speak, or are
 * alone); else none (the record shows black, the sound goes on).
 */
export function chooseVideoTrack(state: MeetingState): MediaStreamTrack | null {
  const speaker = state.activeSpeakerId;
  const local = state.local.camera.active && live(state.local.camera.track) ? state.local.camera.track : null;
  if (speaker !== null && speaker === state.self?.memberId && local) {
    return local;
  }
  const remote = (speaker === null ? undefined : cameraOf(state, speaker)) ?? cameraOf(state, null);
  return remote?.track ?? local;
}

/**
 * The sound of the record: every remote microphone (a muted one is silent,
 * its track stays) and our own microphone.
 */
export function audioTracksOf(state: MeetingState): MediaStreamTrack[] {
  const tracks = state.media
    .filter((m) => m.kind === 'audio' && m.source === 'microphone')
    .map((m) => m.track)
    .filter(live);
  const local = state.local.microphone.track;
  if (live(local)) {
    tracks.push(local);
  }
  return tracks;
}
