import { describe, expect, it } from 'vitest';
import { createLocalIdentity } from '@confidentiel/e2ee';
import { MeetingClient } from '../media/MeetingClient.ts';
import {
  ALICE,
  createFakeDevice,
  FakeMediaDevices,
  FakeRoom,
  member,
  settle,
} from '../media/testing/fakeRoom.ts';
import { E2eeSession, KEY_REQUEST_MIN_INTERVAL_MS } from './E2eeSession.ts';
import { fakeSeal, FakeKeyManager, InProcessWorker } from './testing/fakes.ts';

const environment = {
  Worker: class {},
  RTCRtpScriptTransform: class {},
  RTCRtpSender: { prototype: { transform: null } },
  RTCRtpReceiver: { prototype: { transform: null } },
};

async function setup(options: { linkSecret?: string | null; configure?: (room: FakeRoom) => void } = {}) {
  let now = 0;
  const worker = new InProcessWorker();
  const managers: FakeKeyManager[] = [];
  const session = await E2eeSession.create({
    linkSecret: options.linkSecret ?? null,
    environment,
    worker,
    now: () => now,
    createKeyManager: (o) => {
      const manager = new FakeKeyManager(o);
      managers.push(manager);
      return manager;
    },
  });
  const room = new FakeRoom();
  options.configure?.(room);
  const client = new MeetingClient({
    token: 'a-token',
    identity: session.publicKeys,
    socketFactory: room.socketFactory,
    createDevice: createFakeDevice,
    mediaDevices: new FakeMediaDevices(),
    transform: session.hooks,
  });
  session.attach(client);
  await client.join();
  await settle();
  const manager = managers[0];
  if (!manager) {
    throw new Error('no key manager was made');
  }
  return {
    session,
    client,
    room,
    worker,
    manager,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('E2eeSession', () => {
  it('refuses a browser without an encoded transform API', async () => {
    await expect(
      E2eeSession.create({
        linkSecret: null,
        environment: { Worker: class {} },
        worker: new InProcessWorker(),
      }),
    ).rejects.toMatchObject({ reason: 'unsupported' });
  });

  it('refuses when the worker cannot start', async () => {
    await expect(
      E2eeSession.create({
        linkSecret: null,
        environment,
        worker: new InProcessWorker({ startFails: true }),
      }),
    ).rejects.toMatchObject({ reason: 'worker-failed' });
  });

  it('starts the key manager with the join answer and relays its envelopes through signaling', async () => {
    const { session, room, manager } = await setup();
    expect(manager.calls).toEqual([`start ${ALICE.memberId}`]);
    expect(manager.options.self.memberId).toBe('self-member-1');
    // The envelopes of one change go out together, in one relayKeys request.
    await Promise.all([
      manager.options.send(ALICE.memberId, 'E'.repeat(100)),
      manager.options.send(ALICE.memberId, 'G'.repeat(100)),
    ]);
    expect(room.requestsNamed('relayKeys').map((r) => r.payload)).toEqual([
      {
        envelopes: [
          { to: ALICE.memberId, envelope: 'E'.repeat(100) },
          { to: ALICE.memberId, envelope: 'G'.repeat(100) },
        ],
      },
    ]);
    room.emit('keyEnvelope', { from: ALICE.memberId, envelope: 'F'.repeat(50) });
    expect(manager.calls).toContain(`receiveEnvelope ${ALICE.memberId} 50`);
    session.close();
  });

  it("hands keys to the worker and forgets a leaver's at once", async () => {
    const { session, room, worker, manager } = await setup();
    const key = new Uint8Array(16).fill(7);
    manager.emit('senderKey', { epoch: 0, key });
    manager.emit('receiverKey', { memberId: ALICE.memberId, senderIndex: 0, epoch: 0, key });
    // A key for someone who is not in the room is not installed.
    manager.emit('receiverKey', { memberId: 'stranger', senderIndex: 9, epoch: 0, key });
    await settle();
    const keyMessages = () => worker.received.filter((m) => m.type !== 'getStats');
    expect(keyMessages().map((m) => m.type)).toEqual(['setSenderKey', 'setReceiverKey']);
    expect((await session.getE2eeStats()).receivers).toEqual([{ memberId: ALICE.memberId, epochs: [0] }]);

    room.emit('memberLeft', { memberId: ALICE.memberId });
    await settle();
    expect(keyMessages().at(-1)).toEqual({ type: 'removeReceiver', memberId: ALICE.memberId });
    expect(manager.calls).toContain(`memberLeft ${ALICE.memberId}`);
    expect((await session.getE2eeStats()).receivers).toEqual([]);
    session.close();
  });

  it('follows arrivals with the key manager and new safety codes', async () => {
    const aliceIdentity = (await createLocalIdentity()).publicKeys;
    const { session, room, manager } = await setup({
      configure: (r) => {
        r.members = [{ ...ALICE, identity: aliceIdentity }];
      },
    });
    await expect.poll(() => session.getSafetyCodes().room).toMatch(/^\d{5}( \d{5}){5}$/);
    const before = session.getSafetyCodes().room;
    const carol = member(6);
    // A real identity, so its safety code can be computed.
    const carolIdentity = (await createLocalIdentity()).publicKeys;
    room.emit('memberJoined', { member: { ...carol, identity: carolIdentity } });
    expect(manager.calls).toContain(`memberJoined ${carol.memberId}`);
    await expect.poll(() => session.getSafetyCodes().room).not.toBe(before);
    await expect.poll(() => session.getSafetyCodes().members[carol.memberId]).toMatch(/^\d{5}( \d{5}){5}$/);
    session.close();
  });

  it('asks for a key the worker misses, at most once per interval', async () => {
    const { session, worker, manager, advance } = await setup();
    worker.fromWorker({ type: 'keyRequest', memberId: ALICE.memberId, epoch: 1 });
    worker.fromWorker({ type: 'keyRequest', memberId: ALICE.memberId, epoch: 1 });
    await settle();
    advance(KEY_REQUEST_MIN_INTERVAL_MS);
    worker.fromWorker({ type: 'keyRequest', memberId: ALICE.memberId, epoch: 1 });
    worker.fromWorker({ type: 'keyRequest', memberId: 'stranger', epoch: 1 });
    await settle();
    expect(manager.calls.filter((c) => c.startsWith('requestKey'))).toEqual([
      `requestKey ${ALICE.memberId}`,
      `requestKey ${ALICE.memberId}`,
    ]);
    session.close();
  });

  it('seals chat out, opens chat in, and never shows the text of a message that fails', async () => {
    const { session, room } = await setup();
    room.handle('sendChat', () => ({ sentAt: 42 }));
    await session.sendChat('  Bonjour  ');
    const [sent] = room.requestsNamed('sendChat');
    expect(JSON.stringify(sent?.payload)).not.toContain('Bonjour');

    room.emit('chatMessage', { from: ALICE.memberId, ciphertext: fakeSeal('sealed:Salut'), sentAt: 43 });
    room.emit('chatMessage', { from: ALICE.memberId, ciphertext: fakeSeal('forged text here'), sentAt: 44 });
    await settle();
    const chat = session.getSnapshot().chat;
    expect(chat.map((m) => [m.state, m.own, m.state === 'ok' ? m.text : null])).toEqual([
      ['ok', true, 'Bonjour'],
      ['ok', false, 'Salut'],
      ['failed', false, null],
    ]);
    expect(JSON.stringify(chat[2])).not.toContain('forged');
    await expect(session.sendChat('x'.repeat(4001))).rejects.toThrow(TypeError);
    session.close();
  });

  it('says problem when a member is rejected, and waiting while keys are missing', async () => {
    const { session, manager } = await setup();
    await settle();
    expect(session.getSnapshot().status.state).toBe('waiting');
    manager.emit('rejected', { memberId: ALICE.memberId, reason: 'bad-link-mac' });
    expect(session.getSnapshot().status).toMatchObject({ state: 'problem', reason: 'rejected' });
    expect(session.getSnapshot().members[0]?.rejected).toBe('bad-link-mac');
    session.close();
  });

  it('closes with the meeting, and closing twice is harmless', async () => {
    const { session, client, worker, manager } = await setup();
    client.close();
    expect(session.closed).toBe(true);
    expect(worker.terminated).toBe(true);
    expect(manager.closed).toBe(true);
    session.close();
  });

  it('refuses to attach a send transform once closed (the producer is refused)', async () => {
    const { session } = await setup();
    session.close();
    expect(() => session.hooks.onRtpSender?.({} as RTCRtpSender, 'camera')).toThrow();
  });
});
