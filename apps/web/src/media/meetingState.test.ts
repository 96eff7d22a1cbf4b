import { FAKE_IDENTITY } from './testing/fakeRoom.ts';
import { describe, expect, it } from 'vitest';
import type { MemberInfo, ProducerInfo } from '@confidentiel/protocol';
import { displayNameOf, initialMeetingState, meetingReducer, type MeetingState } from './meetingState.ts';

const self: MemberInfo = {
  memberId: 'self-0001',
  displayName: 'Moi',
  joinedAt: 1,
  identity: FAKE_IDENTITY,
  senderIndex: 0,
  role: 'participant',
};
const bob: MemberInfo = {
  memberId: 'bob-00001',
  displayName: 'Bob',
  joinedAt: 2,
  identity: FAKE_IDENTITY,
  senderIndex: 0,
  role: 'participant',
};
const camera: ProducerInfo = {
  producerId: '11111111-1111-1111-1111-111111111111',
  memberId: bob.memberId,
  kind: 'video',
  source: 'camera',
  paused: false,
};
const track = { id: 't' } as unknown as MediaStreamTrack;

function joined(): MeetingState {
  return meetingReducer(initialMeetingState, {
    type: 'joined',
    self,
    members: [bob],
    producers: [camera],
    room: { locked: false },
  });
}

describe('meetingReducer', () => {
  it('keeps self out of the members and of the remote media', () => {
    const own: ProducerInfo = {
      ...camera,
      producerId: '22222222-2222-2222-2222-222222222222',
      memberId: self.memberId,
    };
    const state = meetingReducer(initialMeetingState, {
      type: 'joined',
      self,
      members: [self, bob],
      producers: [camera, own],
      room: { locked: false },
    });
    expect(state.members).toEqual([bob]);
    expect(state.media.map((m) => m.producerId)).toEqual([camera.producerId]);
  });

  it('ignores a repeated member or producer', () => {
    const state = joined();
    expect(meetingReducer(state, { type: 'memberJoined', member: bob })).toBe(state);
    expect(meetingReducer(state, { type: 'producerAdded', producer: camera })).toBe(state);
  });

  it('attaches a consumed track, and detaches it when the consumer closes', () => {
    let state = meetingReducer(joined(), {
      type: 'consumed',
      producerId: camera.producerId,
      consumerId: 'c1',
      track,
    });
    expect(state.media[0]).toMatchObject({ consumerId: 'c1', track });
    state = meetingReducer(state, { type: 'consumerClosed', consumerId: 'c1' });
    expect(state.media[0]).toMatchObject({ consumerId: null, track: null });
  });

  it('tracks the paused state of a remote producer', () => {
    const state = meetingReducer(joined(), {
      type: 'producerPaused',
      producerId: camera.producerId,
      paused: true,
    });
    expect(state.media[0]?.paused).toBe(true);
  });

  it('removes the media and the speaker highlight of a member who left', () => {
    let state = meetingReducer(joined(), { type: 'activeSpeaker', memberId: bob.memberId });
    state = meetingReducer(state, { type: 'memberLeft', memberId: bob.memberId });
    expect(state.members).toEqual([]);
    expect(state.media).toEqual([]);
    expect(state.activeSpeakerId).toBeNull();
  });

  it('freezes once ended', () => {
    const ended = meetingReducer(joined(), { type: 'ended', reason: 'ended', error: null });
    expect(ended.phase).toEqual({ name: 'ended', reason: 'ended', error: null });
    expect(meetingReducer(ended, { type: 'memberJoined', member: { ...bob, memberId: 'carol-0001' } })).toBe(
      ended,
    );
    expect(meetingReducer(ended, { type: 'ended', reason: 'left', error: null })).toBe(ended);
  });

  it('marks the media reconnecting and forgets every remote producer on a media reset', () => {
    const state = meetingReducer(joined(), { type: 'mediaReset' });
    expect(state.phase).toEqual({ name: 'joined', media: 'reconnecting' });
    expect(state.media).toEqual([]);
    expect(state.members).toEqual([bob]);
    const back = meetingReducer(state, { type: 'mediaStatus', status: 'connected' });
    expect(back.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(meetingReducer(back, { type: 'mediaStatus', status: 'connected' })).toBe(back);
  });

  it('adds the producers the media server has after a reset, keeping those already announced', () => {
    const later: ProducerInfo = { ...camera, producerId: '33333333-3333-3333-3333-333333333333' };
    let state = meetingReducer(joined(), { type: 'mediaReset' });
    state = meetingReducer(state, { type: 'producerAdded', producer: later });
    state = meetingReducer(state, { type: 'remoteProducers', producers: [camera, later] });
    expect(state.media.map((m) => m.producerId)).toEqual([later.producerId, camera.producerId]);
    expect(meetingReducer(state, { type: 'remoteProducers', producers: [camera] })).toBe(state);
  });

  it('has no media status outside the meeting', () => {
    expect(meetingReducer(initialMeetingState, { type: 'mediaStatus', status: 'reconnecting' })).toBe(
      initialMeetingState,
    );
  });

  it('finds display names, self included', () => {
    const state = joined();
    expect(displayNameOf(state, self.memberId)).toBe('Moi');
    expect(displayNameOf(state, bob.memberId)).toBe('Bob');
    expect(displayNameOf(state, 'nobody-1')).toBeNull();
  });
});
