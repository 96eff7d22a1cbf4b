/**
 * Issue 12: signaling knows several SFU hosts (SFU_URLS) and puts each new
 * meeting on the least-loaded live one, then sends every request about that
 * meeting there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okData, opusRtpParameters, request, type Member } from '../support/harness.ts';
import {
  controlSecret,
  hostsWithRoom,
  preload,
  signalingOver,
  startHost,
  type SignalingOverHosts,
  type TestHost,
} from './support.ts';

let secret: string;
let a: TestHost;
let b: TestHost;
let s: SignalingOverHosts;

beforeAll(async () => {
  secret = controlSecret();
  a = await startHost(secret);
  b = await startHost(secret);
  s = await signalingOver([a, b], secret);
}, 60_000);

afterAll(async () => {
  await s?.close();
  await a?.close();
  await b?.close();
});

async function meetingWith(names: string[]): Promise<{ meetingId: string; members: Member[] }> {
  const meetingId = await s.createMeeting();
  const members: Member[] = [];
  for (const name of names) {
    const member = await s.joinMember(meetingId, name);
    okData(await request(member.socket, 'createTransport', { direction: 'recv' }));
    members.push(member);
  }
  return { meetingId, members };
}

describe('placement of meetings on several SFU hosts', () => {
  it('puts a new meeting on the least-loaded host, and keeps it there as that host grows', async () => {
    // Host A carries three members of something else: the next meeting goes to host B.
    const loadA = await preload(a, secret, 3);
    const first = await meetingWith(['Ada', 'Bob']);
    expect(hostsWithRoom([a, b], first.meetingId)).toEqual([b]);

    // Now host B is the heavier one (two members + four): the next meeting goes to host A.
    const loadB = await preload(b, secret, 4);
    const second = await meetingWith(['Cy']);
    expect(hostsWithRoom([a, b], second.meetingId)).toEqual([a]);

    // The first meeting stays on host B (affinity), even though host A is lighter now.
    await loadA.release();
    const dan = await s.joinMember(first.meetingId, 'Dan');
    okData(await request(dan.socket, 'createTransport', { direction: 'recv' }));
    expect(hostsWithRoom([a, b], first.meetingId)).toEqual([b]);
    expect(b.sfu!.registry.get(first.meetingId).memberCount).toBe(3);
    await loadB.release();
  }, 30_000);

  it('sends every request about a meeting to its host, and nothing to the other', async () => {
    const loadB = await preload(b, secret, 10);
    const { meetingId, members } = await meetingWith(['Ada', 'Bob']);
    const [ada, bob] = members as [Member, Member];
    expect(hostsWithRoom([a, b], meetingId)).toEqual([a]);
    const transportsOnB = b.media.transports.size;
    const send = okData(await request(ada.socket, 'createTransport', { direction: 'send' }));
    const { producerId } = okData(
      await request(ada.socket, 'produce', {
        transportId: send.id,
        kind: 'audio',
        rtpParameters: opusRtpParameters(8888),
        source: 'microphone',
      }),
    );
    const consumer = okData(
      await request(bob.socket, 'consume', {
        producerId,
        rtpCapabilities: bob.join.routerRtpCapabilities,
      }),
    );
    okData(await request(bob.socket, 'resumeConsumer', { consumerId: consumer.id }));
    okData(await request(ada.socket, 'setProducerPaused', { producerId, paused: true }));
    expect(a.media.producers.get(producerId)?.paused).toBe(true);
    expect(a.media.consumers.has(consumer.id)).toBe(true);
    // Negative control: host B saw none of it.
    expect(b.media.producers.has(producerId)).toBe(false);
    expect(b.media.transports.size).toBe(transportsOnB);
    expect(hostsWithRoom([b], meetingId)).toEqual([]);
    await loadB.release();
  }, 30_000);
});
