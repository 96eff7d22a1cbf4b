/**
 * Issue 12: a meeting whose host is full spills its next members over to
 * another host (SFU_MAX_MEMBERS_PER_HOST=2); signaling pipes producers
 * between the two over the control channels, and pausing, closing and
 * leaving follow them across.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types } from 'mediasoup';
import { nextEvent, okData, opusRtpParameters, request, waitFor, type Member } from '../support/harness.ts';
import {
  controlSecret,
  hostsWithRoom,
  signalingOver,
  startHost,
  type SignalingOverHosts,
  type TestHost,
} from './support.ts';

let hosts: TestHost[];
let s: SignalingOverHosts;

beforeAll(async () => {
  const secret = controlSecret();
  hosts = [await startHost(secret), await startHost(secret)];
  s = await signalingOver(hosts, secret, { SFU_MAX_MEMBERS_PER_HOST: '2' });
}, 60_000);

afterAll(async () => {
  await s?.close();
  for (const h of hosts ?? []) {
    await h.close();
  }
});

async function withTransports(member: Member): Promise<void> {
  okData(await request(member.socket, 'createTransport', { direction: 'send' }));
  okData(await request(member.socket, 'createTransport', { direction: 'recv' }));
}

async function microphone(member: Member, ssrc: number): Promise<string> {
  const transport = okData(await request(member.socket, 'createTransport', { direction: 'send' }));
  const { producerId } = okData(
    await request(member.socket, 'produce', {
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(ssrc),
      source: 'microphone',
    }),
  );
  return producerId;
}

function pipeTransports(host: TestHost): types.Transport[] {
  return [...host.media.transports.values()].filter((t) => t.type === 'pipe' && !t.closed);
}

async function leave(member: Member): Promise<void> {
  okData(await request(member.socket, 'leave', {}));
  member.socket.close();
}

describe('a meeting on two SFU hosts', () => {
  it('stays on one host while it has room: no second room, no pipe (negative control)', async () => {
    const meetingId = await s.createMeeting();
    const ada = await s.joinMember(meetingId, 'Ada');
    const bob = await s.joinMember(meetingId, 'Bob');
    await withTransports(ada);
    await withTransports(bob);
    const producerId = await microphone(ada, 1111);
    okData(
      await request(bob.socket, 'consume', {
        producerId,
        rtpCapabilities: bob.join.routerRtpCapabilities,
      }),
    );
    expect(hostsWithRoom(hosts, meetingId)).toHaveLength(1);
    expect(hosts.flatMap(pipeTransports)).toEqual([]);
    await leave(ada);
    await leave(bob);
    await waitFor('the meeting closed on its host', () => hostsWithRoom(hosts, meetingId).length === 0);
  }, 30_000);

  it('spills the third member over to the other host, pipes producers both ways, and pause, close and leave follow', async () => {
    const meetingId = await s.createMeeting();
    const ada = await s.joinMember(meetingId, 'Ada');
    const bob = await s.joinMember(meetingId, 'Bob');
    const cy = await s.joinMember(meetingId, 'Cy');
    await withTransports(ada);
    await withTransports(bob);
    const [a] = hostsWithRoom(hosts, meetingId);
    expect(a!.sfu!.registry.get(meetingId).memberCount).toBe(2);
    await withTransports(cy);
    const b = hosts.find((h) => h !== a)!;
    expect(hostsWithRoom(hosts, meetingId)).toHaveLength(2);
    expect(b.sfu!.registry.get(meetingId).memberCount).toBe(1);
    expect(a!.sfu!.registry.get(meetingId).memberCount).toBe(2);

    // Ada (host A) speaks; Cy (host B) consumes her through a pipe; Bob (host A) directly.
    const cySeesAda = nextEvent<{ producer: { producerId: string } }>(cy.socket, 'producerAdded');
    const adaMic = await microphone(ada, 2222);
    expect((await cySeesAda).producer.producerId).toBe(adaMic);
    expect(b.media.producers.has(adaMic)).toBe(false);
    const cyConsumer = okData(
      await request(cy.socket, 'consume', {
        producerId: adaMic,
        rtpCapabilities: cy.join.routerRtpCapabilities,
      }),
    );
    const copy = b.media.producers.get(adaMic)!;
    expect(copy).toBeDefined();
    expect(pipeTransports(a!)).toHaveLength(1);
    expect(pipeTransports(b)).toHaveLength(1);
    okData(
      await request(bob.socket, 'consume', {
        producerId: adaMic,
        rtpCapabilities: bob.join.routerRtpCapabilities,
      }),
    );
    // Still one pipe each: Bob is on Ada's host.
    expect(pipeTransports(a!)).toHaveLength(1);

    // Cy (host B) speaks; Ada consumes her through the same pipe, the other way.
    const cyMic = await microphone(cy, 3333);
    const adaConsumer = okData(
      await request(ada.socket, 'consume', {
        producerId: cyMic,
        rtpCapabilities: ada.join.routerRtpCapabilities,
      }),
    );
    expect(a!.media.producers.get(cyMic)).toBeDefined();
    expect(pipeTransports(a!)).toHaveLength(1);

    // Pause follows the producer to its copy.
    const pausedSeen = nextEvent<{ producerId: string; paused: boolean }>(cy.socket, 'producerPaused');
    okData(await request(ada.socket, 'setProducerPaused', { producerId: adaMic, paused: true }));
    expect(await pausedSeen).toMatchObject({ producerId: adaMic, paused: true });
    await waitFor('the copy on host B paused', () => copy.paused);
    expect(b.media.consumers.get(cyConsumer.id)!.producerPaused).toBe(true);
    okData(await request(ada.socket, 'setProducerPaused', { producerId: adaMic, paused: false }));
    await waitFor('the copy on host B resumed', () => !copy.paused);

    // Close follows too: the copy closes, and Cy hears that her consumer closed.
    const cyConsumerClosed = nextEvent<{ consumerId: string }>(cy.socket, 'consumerClosed');
    const cyProducerClosed = nextEvent<{ producerId: string }>(cy.socket, 'producerClosed');
    okData(await request(ada.socket, 'closeProducer', { producerId: adaMic }));
    expect((await cyConsumerClosed).consumerId).toBe(cyConsumer.id);
    expect((await cyProducerClosed).producerId).toBe(adaMic);
    await waitFor('the copy on host B closed', () => copy.closed);

    // Cy leaves: her producer closes on host B, its copy on host A, and Ada's consumer of it.
    const adaConsumerClosed = nextEvent<{ consumerId: string }>(ada.socket, 'consumerClosed');
    const cyCopy = a!.media.producers.get(cyMic)!;
    await leave(cy);
    expect((await adaConsumerClosed).consumerId).toBe(adaConsumer.id);
    await waitFor('the copy on host A closed', () => cyCopy.closed);
    expect(b.sfu!.registry.get(meetingId).memberCount).toBe(0);

    await leave(ada);
    await leave(bob);
    await waitFor('the meeting closed on both hosts', () => hostsWithRoom(hosts, meetingId).length === 0);
  }, 30_000);
});
