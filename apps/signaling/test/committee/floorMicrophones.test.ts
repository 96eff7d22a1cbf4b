// The server decides who speaks in a committee session (a real signaling server and a real SFU): a
// participant's microphone is made paused and stays so until the chair gives the floor (or opens free
// discussion); a modified browser asking to unpause is refused; losing the floor pauses it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okData, request, waitFor } from '../support/harness.ts';
import { publish } from '../security/support.ts';
import {
  must,
  refused,
  startCommitteeHarness,
  stateWhere,
  type CommitteeHarness,
  type Person,
} from './support.ts';

/** What the SFU itself holds: the truth of whether a producer forwards audio. */
function pausedAtSfu(h: CommitteeHarness, producerId: string): boolean {
  const producer = h.sfu.media.producers.get(producerId);
  if (!producer || producer.closed) {
    throw new Error(`no producer ${producerId} on the SFU`);
  }
  return producer.paused;
}

/** The `producerPaused` events a person received about one producer. */
function pauseEvents(person: Person, producerId: string): boolean[] {
  return (person.events.get('producerPaused') ?? [])
    .map((e) => e as { producerId: string; paused: boolean })
    .filter((e) => e.producerId === producerId)
    .map((e) => e.paused);
}

function mutedEvents(person: Person): unknown[] {
  return (person.events.get('moderated') ?? []).filter((e) => (e as { action: string }).action === 'muted');
}

/** Produces a microphone (and a camera) for `person`; the raw answer, `paused` included. */
async function produceMicrophone(
  person: Person,
): Promise<{ microphone: string; camera: string; paused: boolean }> {
  const { transportId, camera } = await publish(person.socket, { camera: true });
  const answer = okData(
    await request(person.socket, 'produce', {
      transportId,
      kind: 'audio',
      rtpParameters: {
        codecs: [
          {
            mimeType: 'audio/opus',
            payloadType: 100,
            clockRate: 48000,
            channels: 2,
            parameters: { 'sprop-stereo': 1 },
            rtcpFeedback: [],
          },
        ],
        headerExtensions: [],
        encodings: [{ ssrc: 30_000_000 + Math.floor(Math.random() * 1_000_000) }],
        rtcp: { cname: 'floor', reducedSize: true },
      },
      source: 'microphone',
    }),
  );
  return { microphone: answer.producerId, camera: camera!, paused: answer.paused === true };
}

describe('who speaks: the server holds the microphones of a committee session', () => {
  let h: CommitteeHarness;

  beforeAll(async () => {
    h = await startCommitteeHarness();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('pauses a member without the floor, refuses their unmute, and lets the floor and free discussion open it', async () => {
    const meetingId = await h.createMeeting();
    const chair = await h.arrive(meetingId, 'host', 'Mme la Présidente');
    const secretary = await h.arrive(meetingId, 'co-host', 'M. le Secrétaire');
    const alice = await h.arrive(meetingId, 'participant', 'Alice Petit');
    const bob = await h.arrive(meetingId, 'participant', 'Bob Leroy');
    await stateWhere(chair, 'four present', (s) => s.attendance.length === 4);

    // The chair and the secretary speak at will; members' microphones are made paused (not their cameras).
    const chairMedia = await produceMicrophone(chair);
    const secretaryMedia = await produceMicrophone(secretary);
    const aliceMedia = await produceMicrophone(alice);
    const bobMedia = await produceMicrophone(bob);
    expect([chairMedia.paused, secretaryMedia.paused, aliceMedia.paused, bobMedia.paused]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(pausedAtSfu(h, chairMedia.microphone)).toBe(false);
    expect(pausedAtSfu(h, aliceMedia.microphone)).toBe(true);
    expect(pausedAtSfu(h, aliceMedia.camera)).toBe(false);
    const announced = (chair.events.get('producerAdded') ?? [])
      .map((e) => (e as { producer: { producerId: string; paused: boolean } }).producer)
      .find((p) => p.producerId === aliceMedia.microphone);
    expect(announced?.paused).toBe(true);

    // A browser that asks to unpause without the floor is refused, and nothing changes anywhere.
    const refusal = await refused(alice, 'setProducerPaused', {
      producerId: aliceMedia.microphone,
      paused: false,
    });
    expect(refusal.reason).toBe('forbidden');
    expect(refusal.message).toContain('floor');
    expect(pausedAtSfu(h, aliceMedia.microphone)).toBe(true);
    const { producers } = await must(alice, 'reconnectMedia', {});
    expect(producers.find((p) => p.producerId === aliceMedia.microphone)?.paused).toBe(true);
    expect(pauseEvents(chair, aliceMedia.microphone)).toEqual([]);
    // Pausing is always allowed; the camera is not the floor's business.
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: true });
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.camera, paused: true });
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.camera, paused: false });
    await must(secretary, 'setProducerPaused', { producerId: secretaryMedia.microphone, paused: true });
    await must(secretary, 'setProducerPaused', { producerId: secretaryMedia.microphone, paused: false });

    // Given the floor, Alice may speak.
    await must(alice, 'raiseHand', {});
    await must(chair, 'giveFloor', { memberId: alice.memberId });
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: false });
    expect(pausedAtSfu(h, aliceMedia.microphone)).toBe(false);
    await expect(
      refused(bob, 'setProducerPaused', { producerId: bobMedia.microphone, paused: false }),
    ).resolves.toMatchObject({
      reason: 'forbidden',
    });

    // Withdrawn: the server pauses her microphone itself, tells the room and her.
    expect(mutedEvents(alice)).toHaveLength(0);
    await must(chair, 'withdrawFloor', {});
    await waitFor('Alice paused by the server', () => pausedAtSfu(h, aliceMedia.microphone) || undefined);
    await waitFor(
      'the room told',
      () => pauseEvents(chair, aliceMedia.microphone).at(-1) === true || undefined,
    );
    await waitFor('Alice told', () => mutedEvents(alice).length === 1 || undefined);
    expect(pausedAtSfu(h, chairMedia.microphone)).toBe(false);
    expect(pausedAtSfu(h, secretaryMedia.microphone)).toBe(false);

    // The floor passing from Alice to Bob pauses Alice, not Bob.
    await must(chair, 'giveFloor', { memberId: alice.memberId });
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: false });
    await must(chair, 'giveFloor', { memberId: bob.memberId });
    await must(bob, 'setProducerPaused', { producerId: bobMedia.microphone, paused: false });
    await waitFor(
      'Alice paused when the floor passed',
      () => pausedAtSfu(h, aliceMedia.microphone) || undefined,
    );
    expect(pausedAtSfu(h, bobMedia.microphone)).toBe(false);
    await must(chair, 'withdrawFloor', {});
    await waitFor('Bob paused', () => pausedAtSfu(h, bobMedia.microphone) || undefined);

    // Free discussion: anyone may unmute; closing it pauses them again.
    await must(chair, 'setFreeDiscussion', { open: true });
    await stateWhere(alice, 'free discussion open', (s) => s.freeDiscussion);
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: false });
    expect(pausedAtSfu(h, aliceMedia.microphone)).toBe(false);
    await must(chair, 'setFreeDiscussion', { open: false });
    await waitFor(
      'Alice paused when free discussion closed',
      () => pausedAtSfu(h, aliceMedia.microphone) || undefined,
    );
    expect(
      (await refused(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: false }))
        .reason,
    ).toBe('forbidden');

    // Mute all: every live microphone but the chair's (the secretary's too), counted.
    await must(chair, 'setFreeDiscussion', { open: true });
    await must(alice, 'setProducerPaused', { producerId: aliceMedia.microphone, paused: false });
    await must(bob, 'setProducerPaused', { producerId: bobMedia.microphone, paused: false });
    await expect(refused(secretary, 'muteAll', {})).resolves.toMatchObject({ reason: 'forbidden' });
    expect(await must(chair, 'muteAll', {})).toEqual({ muted: 3 });
    for (const producerId of [secretaryMedia.microphone, aliceMedia.microphone, bobMedia.microphone]) {
      expect(pausedAtSfu(h, producerId)).toBe(true);
    }
    expect(pausedAtSfu(h, chairMedia.microphone)).toBe(false);
    // Nothing left to mute.
    expect(await must(chair, 'muteAll', {})).toEqual({ muted: 0 });

    // The state carries every floor given.
    const state = await must(chair, 'committeeState', {});
    expect(state.floor.history.map((t) => [t.displayName, t.to !== null])).toEqual([
      ['Alice Petit', true],
      ['Alice Petit', true],
      ['Bob Leroy', true],
    ]);
    expect(state.freeDiscussion).toBe(true);
  });

  it('leaves microphones alone in a meeting that is not a committee', async () => {
    const meetingId = await h.createMeeting('meeting');
    await h.arrive(meetingId, 'host', 'Hôte');
    const guest = await h.arrive(meetingId, 'participant', 'Invité');
    const media = await produceMicrophone(guest);
    expect(media.paused).toBe(false);
    expect(pausedAtSfu(h, media.microphone)).toBe(false);
    await must(guest, 'setProducerPaused', { producerId: media.microphone, paused: true });
    await must(guest, 'setProducerPaused', { producerId: media.microphone, paused: false });
    expect(pausedAtSfu(h, media.microphone)).toBe(false);
  });
});
