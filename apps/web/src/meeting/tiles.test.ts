import { FAKE_IDENTITY } from '../media/testing/fakeRoom.ts';
import { describe, expect, it } from 'vitest';
import type { MemberInfo, ProducerInfo } from '@confidentiel/protocol';
import { initialMeetingState, meetingReducer, type MeetingState } from '../media/meetingState.ts';
import { initialsOf, selectTiles } from './tiles.ts';

const self: MemberInfo = {
  memberId: 'self-0001',
  displayName: 'Moi Même',
  joinedAt: 1,
  identity: FAKE_IDENTITY,
  senderIndex: 1,
  role: 'participant',
};
const ana: MemberInfo = {
  memberId: 'ana-00001',
  displayName: 'Ana',
  joinedAt: 2,
  identity: FAKE_IDENTITY,
  senderIndex: 0,
  role: 'participant',
};
const track = { id: 't' } as unknown as MediaStreamTrack;

const producerIds: Record<ProducerInfo['source'], string> = {
  camera: '00000000-0000-0000-0000-00000000000c',
  microphone: '00000000-0000-0000-0000-00000000000a',
  screen: '00000000-0000-0000-0000-00000000000e',
  'screen-audio': '00000000-0000-0000-0000-00000000000f',
};

function producer(source: ProducerInfo['source'], paused = false): ProducerInfo {
  return {
    producerId: producerIds[source],
    memberId: ana.memberId,
    kind: source === 'microphone' || source === 'screen-audio' ? 'audio' : 'video',
    source,
    paused,
  };
}

function joined(producers: ProducerInfo[]): MeetingState {
  return meetingReducer(initialMeetingState, {
    type: 'joined',
    self,
    members: [ana],
    producers,
    room: { locked: false },
  });
}

describe('selectTiles', () => {
  it('gives one camera tile per member, self first, even without media', () => {
    const tiles = selectTiles(joined([]));
    expect(tiles.map((t) => [t.memberId, t.source, t.isSelf, t.videoOff, t.audioMuted])).toEqual([
      [self.memberId, 'camera', true, true, true],
      [ana.memberId, 'camera', false, true, true],
    ]);
  });

  it('puts a shared screen in its own tile, before the cameras', () => {
    const screen = producer('screen');
    let state = joined([producer('camera'), screen]);
    state = meetingReducer(state, {
      type: 'consumed',
      producerId: screen.producerId,
      consumerId: 'c1',
      track,
    });
    const tiles = selectTiles(state);
    expect(tiles.map((t) => `${t.memberId}:${t.source}`)).toEqual([
      `${ana.memberId}:screen`,
      `${self.memberId}:camera`,
      `${ana.memberId}:camera`,
    ]);
    expect(tiles[0]?.videoTrack).toBe(track);
  });

  it('shows a paused camera and a paused microphone as off', () => {
    const camera = producer('camera', true);
    const mic = producer('microphone', true);
    let state = joined([camera, mic]);
    state = meetingReducer(state, {
      type: 'consumed',
      producerId: camera.producerId,
      consumerId: 'c1',
      track,
    });
    const tile = selectTiles(state).find((t) => t.memberId === ana.memberId);
    expect(tile).toMatchObject({ videoOff: true, audioMuted: true, videoTrack: track });
  });

  it('marks the active speaker', () => {
    const state = meetingReducer(joined([]), { type: 'activeSpeaker', memberId: ana.memberId });
    expect(selectTiles(state).map((t) => t.isActiveSpeaker)).toEqual([false, true]);
  });

  it('adds a tile for one own screen share', () => {
    const state = meetingReducer(joined([]), {
      type: 'local',
      source: 'screen',
      value: { active: true, track },
    });
    expect(selectTiles(state)[0]).toMatchObject({ source: 'screen', isSelf: true, videoTrack: track });
  });
});

describe('initialsOf', () => {
  it('takes the first letters of the first and last words', () => {
    expect(initialsOf('marie  curie')).toBe('MC');
    expect(initialsOf('Ana')).toBe('A');
    expect(initialsOf('Jean-Pierre de la Fontaine')).toBe('JF');
    expect(initialsOf('   ')).toBe('');
  });
});
