// The server decides whether a committee member's microphone is live: a producer it made paused
// shows muted here, and an unmute it refuses leaves the microphone muted (nothing leaves the browser).
import { describe, expect, it } from 'vitest';
import { MeetingClient } from '../MeetingClient.ts';
import {
  createFakeDevice,
  FAKE_IDENTITY,
  FakeMediaDevices,
  FakeRoom,
  FakeTrack,
} from '../testing/fakeRoom.ts';

function setup(): { room: FakeRoom; client: MeetingClient } {
  const room = new FakeRoom();
  const client = new MeetingClient({
    token: 'a-token',
    identity: FAKE_IDENTITY,
    socketFactory: room.socketFactory,
    createDevice: createFakeDevice,
    mediaDevices: new FakeMediaDevices(),
  });
  return { room, client };
}

describe('a microphone the server holds paused', () => {
  it('shows muted when the server made it paused, and stays muted when the unmute is refused', async () => {
    const { room, client } = setup();
    room.handle('produce', () => ({ producerId: crypto.randomUUID(), paused: true }));
    await client.join();
    const mic = new FakeTrack('audio');
    await client.startMicrophone({ track: mic.asTrack() });
    expect(client.state.local.microphone.active).toBe(false);

    room.handle('setProducerPaused', () => ({
      ok: false,
      error: { reason: 'forbidden', message: 'you need the floor to speak' },
    }));
    await expect(client.setMicrophoneEnabled(true)).rejects.toMatchObject({ reason: 'forbidden' });
    expect(client.state.local.microphone.active).toBe(false);
    expect(room.requestsNamed('setProducerPaused').map((r) => r.payload['paused'])).toEqual([false]);

    // Given the floor, the server lets it go: live.
    room.handle('setProducerPaused', () => ({}));
    await client.setMicrophoneEnabled(true);
    expect(client.state.local.microphone.active).toBe(true);
    client.close();
  });

  it('is live as before when the server made it live (any other meeting)', async () => {
    const { room, client } = setup();
    await client.join();
    await client.startMicrophone({ track: new FakeTrack('audio').asTrack() });
    expect(client.state.local.microphone.active).toBe(true);
    expect(room.requestsNamed('setProducerPaused')).toEqual([]);
    client.close();
  });
});
