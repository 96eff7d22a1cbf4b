/**
 * Issue 12, "SFU host loss": the host of a meeting is SIGKILLed (a child
 * process). Once it has been unreachable for SFU_HOST_LOSS_MS, signaling
 * moves the meeting to a live host and tells the members who had media there
 * to make it again (`mediaReset {reason: 'host-lost'}`); `reconnectMedia`
 * then finds the meeting on the new host. Members on another host of a
 * spanning meeting keep their media.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nextEvent,
  okData,
  opusRtpParameters,
  request,
  sleep,
  waitFor,
  type Member,
} from '../support/harness.ts';
import {
  controlSecret,
  hostsWithRoom,
  preload,
  signalingOver,
  startChildHost,
  startHost,
  type ChildHost,
  type SignalingOverHosts,
  type TestHost,
} from './support.ts';

const LOSS_MS = 1_500;
/** The loss bound, plus the time to notice and move (generous on a loaded machine). */
const RESET_WITHIN_MS = LOSS_MS + 6_000;
/** Well inside the loss bound: nothing may have moved yet. */
const TOO_EARLY_MS = 400;

async function microphone(member: Member, ssrc: number): Promise<string> {
  const transport = okData(await request(member.socket, 'createTransport', { direction: 'send' }));
  okData(await request(member.socket, 'createTransport', { direction: 'recv' }));
  return okData(
    await request(member.socket, 'produce', {
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(ssrc),
      source: 'microphone',
    }),
  ).producerId;
}

function consume(member: Member, producerId: string) {
  return request(member.socket, 'consume', {
    producerId,
    rtpCapabilities: member.join.routerRtpCapabilities,
  });
}

/**
 * Host A (a child process, to kill) and host B (here). Dan's meeting goes to
 * host B (host A is loaded by hand meanwhile); then host A is the lighter,
 * and the test's meetings go there.
 */
async function setUp(): Promise<{ a: TestHost; b: TestHost; s: SignalingOverHosts; dan: Member }> {
  const secret = controlSecret();
  const a = await startChildHost(secret);
  const b = await startHost(secret);
  const s = await signalingOver([a, b], secret, {
    SFU_HOST_LOSS_MS: String(LOSS_MS),
    SFU_MAX_MEMBERS_PER_HOST: '2',
  });
  const load = await preload(a, secret, 2);
  const other = await s.createMeeting();
  const dan = await s.joinMember(other, 'Dan');
  okData(await request(dan.socket, 'createTransport', { direction: 'recv' }));
  expect(hostsWithRoom([b], other)).toHaveLength(1);
  await load.release();
  return { a, b, s, dan };
}

describe('an SFU host lost', () => {
  let a: TestHost;
  let b: TestHost;
  let s: SignalingOverHosts;
  let dan: Member;

  beforeAll(async () => {
    ({ a, b, s, dan } = await setUp());
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
    await b?.close();
  });

  it('moves the meeting to a live host, resets its members with host-lost, and reconnectMedia works there', async () => {
    const meetingId = await s.createMeeting();
    const ada = await s.joinMember(meetingId, 'Ada');
    const bob = await s.joinMember(meetingId, 'Bob');
    const adaMic = await microphone(ada, 4444);
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    okData(await consume(bob, adaMic));
    // On host A (B is heavier): nothing of it on B.
    expect(hostsWithRoom([b], meetingId)).toEqual([]);

    const resets = [ada, bob].map((m) =>
      nextEvent<{ reason: string }>(m.socket, 'mediaReset', RESET_WITHIN_MS),
    );
    const killedAt = Date.now();
    await a.kill();

    // Negative control: a host is not given up at its first silence.
    await sleep(TOO_EARLY_MS);
    expect(ada.events.get('mediaReset')).toBeUndefined();
    expect(hostsWithRoom([b], meetingId)).toEqual([]);

    for (const reset of await Promise.all(resets)) {
      expect(reset).toEqual({ reason: 'host-lost' });
    }
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LOSS_MS - 100);
    // Dan's meeting was on host B: untouched.
    expect(dan.events.get('mediaReset')).toBeUndefined();

    // The members reconnect their media: the meeting is on host B now; the old producer is gone.
    const again = okData(await request(ada.socket, 'reconnectMedia', {}));
    expect(again.producers).toEqual([]);
    expect(hostsWithRoom([b], meetingId)).toHaveLength(1);
    const announced = nextEvent<{ producer: { producerId: string } }>(bob.socket, 'producerAdded');
    const newMic = await microphone(ada, 5555);
    expect((await announced).producer.producerId).toBe(newMic);
    expect(b.media.producers.has(newMic)).toBe(true);
    expect(
      okData(await request(bob.socket, 'reconnectMedia', {})).producers.map((p) => p.producerId),
    ).toEqual([newMic]);
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    okData(await consume(bob, newMic));
    expect(dan.events.get('mediaReset')).toBeUndefined();
  }, 40_000);
});

describe('an SFU host of a spanning meeting lost', () => {
  let a: TestHost;
  let b: TestHost;
  let s: SignalingOverHosts;

  beforeAll(async () => {
    ({ a, b, s } = await setUp());
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
    await b?.close();
  });

  it('resets only the members who were on the lost host; the others keep their media', async () => {
    const meetingId = await s.createMeeting();
    const ada = await s.joinMember(meetingId, 'Ada');
    const bob = await s.joinMember(meetingId, 'Bob');
    const cy = await s.joinMember(meetingId, 'Cy');
    const adaMic = await microphone(ada, 6666);
    okData(await request(bob.socket, 'createTransport', { direction: 'recv' }));
    expect(hostsWithRoom([b], meetingId)).toEqual([]);
    // Host A holds Ada and Bob (full): Cy goes to host B.
    const cyMic = await microphone(cy, 7777);
    expect(b.sfu!.registry.get(meetingId).memberCount).toBe(1);
    const cyConsumer = okData(await consume(cy, adaMic));
    const adaCopy = b.media.producers.get(adaMic)!;
    expect(adaCopy).toBeDefined();
    okData(await consume(ada, cyMic));

    const resets = [ada, bob].map((m) =>
      nextEvent<{ reason: string }>(m.socket, 'mediaReset', RESET_WITHIN_MS),
    );
    const cyConsumerClosed = nextEvent<{ consumerId: string }>(cy.socket, 'consumerClosed', RESET_WITHIN_MS);
    const cyProducerClosed = nextEvent<{ producerId: string }>(cy.socket, 'producerClosed', RESET_WITHIN_MS);
    await a.kill();

    for (const reset of await Promise.all(resets)) {
      expect(reset).toEqual({ reason: 'host-lost' });
    }
    // Cy lost only the copy from host A: her consumer of it, and Ada's producer is gone.
    expect((await cyConsumerClosed).consumerId).toBe(cyConsumer.id);
    expect((await cyProducerClosed).producerId).toBe(adaMic);
    expect(adaCopy.closed).toBe(true);
    await sleep(300);
    // Negative control: Cy, on host B, is not told to start again, and her microphone stays.
    expect(cy.events.get('mediaReset')).toBeUndefined();
    expect(b.media.producers.get(cyMic)?.closed).toBe(false);

    // Ada reconnects: the meeting is on host B, with Cy's microphone, consumed there directly.
    const again = okData(await request(ada.socket, 'reconnectMedia', {}));
    expect(again.producers.map((p) => p.producerId)).toEqual([cyMic]);
    okData(await request(ada.socket, 'createTransport', { direction: 'recv' }));
    const consumer = okData(await consume(ada, cyMic));
    expect(b.media.consumers.has(consumer.id)).toBe(true);
    await waitFor('Ada on host B', () => b.sfu!.registry.get(meetingId).memberCount === 2);
  }, 40_000);
});

describe('an SFU host restarted within the loss bound (one host, as by default)', () => {
  let a: TestHost & ChildHost;
  let s: SignalingOverHosts;

  beforeAll(async () => {
    const secret = controlSecret();
    a = await startChildHost(secret);
    // A loss bound far longer than the restart: the host is never declared lost.
    s = await signalingOver([a], secret, { SFU_HOST_LOSS_MS: '30000' });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
  });

  it('tells the members their media is gone as soon as the host is back as a new process', async () => {
    const meetingId = await s.createMeeting();
    const ada = await s.joinMember(meetingId, 'Ada');
    const bob = await s.joinMember(meetingId, 'Bob');
    await microphone(ada, 8888);
    const resets = [ada, bob].map((m) => nextEvent<{ reason: string }>(m.socket, 'mediaReset', 20_000));
    const restartedAt = Date.now();
    await a.restart();
    for (const reset of await Promise.all(resets)) {
      expect(reset).toEqual({ reason: 'host-lost' });
    }
    // Well before the loss bound: the new process was recognised, not waited out.
    expect(Date.now() - restartedAt).toBeLessThan(20_000);
    const again = okData(await request(ada.socket, 'reconnectMedia', {}));
    expect(again.producers).toEqual([]);
    const announced = nextEvent<{ producer: { producerId: string } }>(bob.socket, 'producerAdded');
    const mic = await microphone(ada, 9999);
    expect((await announced).producer.producerId).toBe(mic);
  }, 40_000);
});
