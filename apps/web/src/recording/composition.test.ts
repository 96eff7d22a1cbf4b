import { describe, expect, it } from 'vitest';
import type { MemberInfo } from '@confidentiel/protocol';
import { initialMeetingState, type MeetingState, type RemoteMedia } from '../media/meetingState.ts';
import { audioTracksOf, chooseVideoTrack } from './composition.ts';

function track(id: string, readyState: MediaStreamTrackState = 'live'): MediaStreamTrack {
  return { id, readyState } as MediaStreamTrack;
}

function media(
  memberId: string,
  source: RemoteMedia['source'],
  t: MediaStreamTrack | null,
  paused = false,
): RemoteMedia {
  return {
    producerId: `${memberId}-${source}`,
    memberId,
    kind: source === 'microphone' || source === 'screen-audio' ? 'audio' : 'video',
    source,
    paused,
    consumerId: t ? `c-${t.id}` : null,
    track: t,
  };
}

function stateWith(patch: Partial<MeetingState>): MeetingState {
  return { ...initialMeetingState, self: { memberId: 'self-member' } as MemberInfo, ...patch };
}

const localCamera = track('local-camera');
const local = {
  ...initialMeetingState.local,
  camera: { active: true, track: localCamera },
  microphone: { active: false, track: track('local-mic') },
};

describe('what is recorded', () => {
  it("shows the active speaker's camera", () => {
    const state = stateWith({
      activeSpeakerId: 'bob',
      media: [media('alice', 'camera', track('alice-cam')), media('bob', 'camera', track('bob-cam'))],
      local,
    });
    expect(chooseVideoTrack(state)?.id).toBe('bob-cam');
  });

  it('falls back to the first remote camera that sends, then to ours', () => {
    const remote = stateWith({
      activeSpeakerId: 'carol',
      media: [
        media('alice', 'camera', track('alice-cam'), true),
        media('bob', 'screen', track('bob-screen')),
        media('dave', 'camera', track('dave-cam', 'ended')),
        media('erin', 'camera', track('erin-cam')),
      ],
      local,
    });
    expect(chooseVideoTrack(remote)?.id).toBe('erin-cam');
    expect(chooseVideoTrack(stateWith({ media: [], local }))?.id).toBe('local-camera');
    expect(chooseVideoTrack(stateWith({ media: [] }))).toBeNull();
  });

  it('shows our camera when we are the one speaking', () => {
    const state = stateWith({
      activeSpeakerId: 'self-member',
      media: [media('alice', 'camera', track('alice-cam'))],
      local,
    });
    expect(chooseVideoTrack(state)?.id).toBe('local-camera');
  });

  it('mixes every remote microphone, muted ones included, and ours', () => {
    const state = stateWith({
      media: [
        media('alice', 'microphone', track('alice-mic')),
        media('bob', 'microphone', track('bob-mic'), true),
        media('carol', 'microphone', null),
        media('dave', 'screen-audio', track('dave-screen-audio')),
        media('erin', 'camera', track('erin-cam')),
      ],
      local,
    });
    expect(audioTracksOf(state).map((t) => t.id)).toEqual(['alice-mic', 'bob-mic', 'local-mic']);
  });
});
