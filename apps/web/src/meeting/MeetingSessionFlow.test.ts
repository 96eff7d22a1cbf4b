import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/meetingsApi.ts';
import type { InvitePreview } from '../api/invitesApi.ts';
import { CommitteeKeyHolder } from '../committee/CommitteeKeyHolder.ts';
import { E2eeSession } from '../e2ee/E2eeSession.ts';
import { FakeKeyManager, InProcessWorker } from '../e2ee/testing/fakes.ts';
import type { JoinChoices } from '../join/JoinPage.tsx';
import { MeetingClient } from '../media/MeetingClient.ts';
import type { MeetingErrorReason } from '../media/MeetingError.ts';
import { deferred } from '../media/testing/harness.ts';
import { testFakeParameters } from 'mediasoup-client';
import {
  ALICE,
  createFakeDevice,
  FakeMediaDevices,
  FakeRoom,
  FakeTrack,
  SELF,
  settle,
} from '../media/testing/fakeRoom.ts';
import type { MeetingAccess } from '../pages/meetingAccess.ts';
import { MeetingSessionFlow, TOKEN_REUSE_MARGIN_MS, type MeetingFlowDeps } from './MeetingSessionFlow.ts';

const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';
const environment = {
  Worker: class {},
  RTCRtpScriptTransform: class {},
  RTCRtpSender: { prototype: { transform: null } },
  RTCRtpReceiver: { prototype: { transform: null } },
};
const CHOICES: JoinChoices = {
  displayName: 'Moi',
  cameraId: null,
  microphoneId: null,
  speakerId: null,
  startMuted: false,
  startCameraOff: false,
  mediaDenied: false,
};
const TOKEN_LIFE_S = 600;

function newSession(): Promise<E2eeSession> {
  return E2eeSession.create({
    linkSecret: null,
    environment,
    worker: new InProcessWorker(),
    createKeyManager: (o) => new FakeKeyManager(o),
  });
}

function setup(
  options: {
    access?: MeetingAccess;
    configure?: (room: FakeRoom) => void;
    deps?: Partial<MeetingFlowDeps>;
  } = {},
) {
  const room = new FakeRoom();
  options.configure?.(room);
  const devices = new FakeMediaDevices();
  const steps: string[] = [];
  const sessions: E2eeSession[] = [];
  const clients: MeetingClient[] = [];
  const hooks: string[] = [];
  const clock = { now: 1_000_000_000 };
  let issued = 0;
  const flow = new MeetingSessionFlow({
    access: options.access ?? { kind: 'open', meetingId: MEETING_ID },
    linkSecret: null,
    createSession: async () => {
      steps.push('e2ee');
      const session = await newSession();
      sessions.push(session);
      return session;
    },
    obtainToken: () => {
      issued += 1;
      steps.push(`token-${issued}`);
      return Promise.resolve({
        meetingId: MEETING_ID,
        token: `token-${issued}`,
        expiresAt: clock.now / 1000 + TOKEN_LIFE_S,
      });
    },
    loadPreview: () => Promise.reject(new Error('not an invite')),
    createClient: (token, session) => {
      steps.push('client');
      const client = new MeetingClient({
        token,
        identity: session.publicKeys,
        socketFactory: room.socketFactory,
        createDevice: createFakeDevice,
        mediaDevices: devices,
      });
      clients.push(client);
      return client;
    },
    createCommitteeKey: (client, session) =>
      new CommitteeKeyHolder({ client, session, keeping: null, setTimer: () => () => {} }),
    installHooks: () => {
      hooks.push('install');
      return () => hooks.push('uninstall');
    },
    now: () => clock.now,
    ...options.deps,
  });
  const failures: MeetingErrorReason[] = [];
  flow.on('controlFailed', (reason) => failures.push(reason));
  const views: string[] = [];
  flow.on('change', ({ view }) => views.push(view.name === 'join' && view.busy ? 'join (busy)' : view.name));
  return { room, devices, steps, sessions, clients, hooks, clock, flow, failures, views };
}

function taken(): {
  audio: FakeTrack;
  video: FakeTrack;
  take: () => { audio: MediaStreamTrack; video: MediaStreamTrack };
} {
  const audio = new FakeTrack('audio');
  const video = new FakeTrack('video');
  return { audio, video, take: () => ({ audio: audio.asTrack(), video: video.asTrack() }) };
}

describe('MeetingSessionFlow', () => {
  it('makes the E2EE session, then asks a token, then joins, then sends the microphone and camera', async () => {
    const t = setup();
    const tracks = taken();
    await t.flow.join(CHOICES, tracks.take);
    expect(t.steps).toEqual(['e2ee', 'token-1', 'client']);
    expect(t.views).toEqual(['join (busy)', 'join (busy)', 'meeting']);
    const { view } = t.flow.snapshot;
    expect(view.name).toBe('meeting');
    expect(t.clients[0]?.state.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(t.room.handshakes.map((h) => h.token)).toEqual(['token-1']);
    expect(t.room.requestsNamed('produce').map((r) => r.payload['source'])).toEqual(['microphone', 'camera']);
    expect(t.clients[0]?.state.local.camera.track).toBe(tracks.video);
    expect(t.flow.snapshot.meetingId).toBe(MEETING_ID);
    expect(t.hooks).toEqual(['install']);
    t.flow.close();
    expect(t.clients[0]?.closed).toBe(true);
    expect(t.sessions[0]?.closed).toBe(true);
  });

  it('never asks a token in a browser that cannot encrypt end to end', async () => {
    const t = setup({ deps: { createSession: () => Promise.reject(new Error('no transform API')) } });
    await t.flow.join(CHOICES, taken().take);
    expect(t.flow.snapshot.view).toEqual({
      name: 'join',
      busy: false,
      failure: { kind: 'e2ee-unavailable' },
    });
    expect(t.steps).toEqual([]);
  });

  it('keeps the join page (and the preview tracks) when no token is given, with the reason', async () => {
    const t = setup({
      deps: { obtainToken: () => Promise.reject(new ApiError('wrong-passcode', 'wrong passcode')) },
    });
    let took = false;
    await t.flow.join(CHOICES, () => {
      took = true;
      return { audio: null, video: null };
    });
    expect(t.flow.snapshot.view).toEqual({
      name: 'join',
      busy: false,
      failure: { kind: 'token', reason: 'wrong-passcode' },
    });
    expect(took).toBe(false);
    expect(t.sessions[0]?.closed).toBe(true);
  });

  it('goes back to the join page when the room refuses entry, stops the tracks and forgets the token', async () => {
    const t = setup({
      configure: (room) => {
        room.refuse = { reason: 'forbidden', message: 'no' };
      },
    });
    const tracks = taken();
    await t.flow.join(CHOICES, tracks.take);
    expect(t.flow.snapshot.view).toEqual({
      name: 'join',
      busy: false,
      failure: { kind: 'refused', reason: 'forbidden' },
    });
    expect([tracks.audio.readyState, tracks.video.readyState]).toEqual(['ended', 'ended']);
    expect(t.hooks).toEqual(['install', 'uninstall']);
    await t.flow.rejoin();
    expect(t.steps.filter((s) => s.startsWith('token'))).toEqual(['token-1', 'token-2']);
    t.flow.close();
  });

  it('shows why the meeting could not go on when the join fails otherwise', async () => {
    const t = setup({
      configure: (room) =>
        room.handle('join', () => ({ ok: false, error: { reason: 'busy', message: 'full' } })),
    });
    await t.flow.join(CHOICES, taken().take);
    expect(t.flow.snapshot.view).toMatchObject({ name: 'meeting', failure: 'busy' });
    t.flow.close();
  });

  it('leaves: says goodbye, shows the left page, removes the test hooks; a rejoin reuses the live token', async () => {
    const t = setup();
    await t.flow.join(CHOICES, taken().take);
    await t.flow.leave();
    expect(t.flow.snapshot.view).toEqual({ name: 'left' });
    expect(t.room.requestsNamed('leave')).toHaveLength(1);
    expect(t.hooks).toEqual(['install', 'uninstall']);
    expect(t.clients[0]?.closed).toBe(true);
    expect(t.sessions[0]?.closed).toBe(true);

    await t.flow.rejoin();
    expect(t.flow.snapshot.view.name).toBe('meeting');
    expect(t.room.handshakes.map((h) => h.token)).toEqual(['token-1', 'token-1']);
    expect(t.clients).toHaveLength(2);
    // No preview tracks on a rejoin: the devices are asked again.
    expect(t.devices.tracks.map((track) => track.kind)).toEqual(['audio', 'video']);
    t.flow.close();
  });

  it('goes back to the waiting room when a host sends us out: the participation and its keys go, the page joins again and waits, the waiting room stays on screen, and it comes back sending what it sent', async () => {
    const t = setup();
    await t.flow.join(CHOICES, taken().take);
    const first = t.clients[0]!;
    await first.setCameraEnabled(false);
    expect(first.state.local.microphone.active).toBe(true);
    t.room.handle('join', () => ({ status: 'waiting', reason: 'deliberation' }));
    const producedBefore = t.room.requestsNamed('produce').length;
    t.views.length = 0;
    // What each change of the page put on screen.
    const phases: string[] = [];
    t.flow.on('change', ({ view }) =>
      phases.push(view.name === 'meeting' ? view.client.state.phase.name : view.name),
    );

    t.room.emit('roomClosed', { reason: 'sent-to-lobby' });
    // At once: the old participation is over, its E2EE session (and keys) closed, nothing ended on screen.
    expect(first.closed).toBe(true);
    expect(t.sessions[0]?.closed).toBe(true);
    expect(first.state.phase).toEqual({ name: 'waiting', reason: 'deliberation' });
    expect(first.state.members).toEqual([]);
    expect(first.state.local.microphone).toEqual({ active: false, track: null });
    const shown = (): unknown =>
      t.flow.snapshot.view.name === 'meeting' ? t.flow.snapshot.view.client : null;
    expect(shown()).toBe(first);
    await settle();
    await vi.waitFor(() => expect(t.clients).toHaveLength(2));
    const second = t.clients[1]!;
    await vi.waitFor(() => expect(second.state.phase).toEqual({ name: 'waiting', reason: 'deliberation' }));
    // Never "connecting" nor an end in between: the same waiting room, then the new client's.
    expect(shown()).toBe(second);
    expect(t.views.every((name) => name === 'meeting')).toBe(true);
    expect([...new Set(phases)]).toEqual(['waiting']);
    // The same live token (a single-use invite is not spent again), a new E2EE session, new hooks.
    expect(t.room.handshakes.map((h) => h.token)).toEqual(['token-1', 'token-1']);
    expect(t.sessions).toHaveLength(2);
    expect(t.sessions[1]?.closed).toBe(false);
    expect(t.hooks).toEqual(['install', 'uninstall', 'install']);

    // Admitted: in again, with the microphone (it was on) and without the camera (it was off).
    t.room.emit('admitted', {
      status: 'joined',
      room: { locked: false },
      self: SELF,
      members: [ALICE],
      producers: [],
      routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
    });
    await vi.waitFor(() => expect(second.state.local.microphone.active).toBe(true));
    expect(second.state.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(
      t.room
        .requestsNamed('produce')
        .slice(producedBefore)
        .map((r) => r.payload['source']),
    ).toEqual(['microphone']);
    expect(t.flow.snapshot.choices).toMatchObject({ startMuted: false, startCameraOff: true });
    t.flow.close();
  });

  it('asks a new token for a rejoin when the last one is about to expire', async () => {
    const t = setup();
    await t.flow.join(CHOICES, taken().take);
    await t.flow.leave();
    t.clock.now += TOKEN_LIFE_S * 1000 - TOKEN_REUSE_MARGIN_MS;
    await t.flow.rejoin();
    expect(t.room.handshakes.map((h) => h.token)).toEqual(['token-1', 'token-2']);
    t.flow.close();
  });

  it('a second join supersedes one still in flight', async () => {
    const firstHeld = deferred<void>();
    const made: E2eeSession[] = [];
    const t = setup({
      deps: {
        createSession: async () => {
          const call = made.length;
          const session = await newSession();
          made.push(session);
          if (call === 0) {
            await firstHeld.promise;
          }
          return session;
        },
      },
    });
    const first = t.flow.join(CHOICES, taken().take);
    await settle();
    await t.flow.join(CHOICES, taken().take);
    firstHeld.resolve();
    await first;
    expect(made[0]?.closed).toBe(true);
    expect(made[1]?.closed).toBe(false);
    expect(t.clients).toHaveLength(1);
    expect(t.flow.snapshot.view.name).toBe('meeting');
    t.flow.close();
  });

  it('closing stops a join in flight and closes what it made', async () => {
    const held = deferred<E2eeSession>();
    const t = setup({ deps: { createSession: () => held.promise } });
    const joining = t.flow.join(CHOICES, taken().take);
    t.flow.close();
    const session = await newSession();
    held.resolve(session);
    await joining;
    expect(session.closed).toBe(true);
    expect(t.clients).toEqual([]);
  });

  it('reports a control that failed, with its reason', async () => {
    const t = setup();
    await t.flow.join({ ...CHOICES, startCameraOff: true }, taken().take);
    t.devices.getUserMedia = () =>
      Promise.reject(Object.assign(new Error('unplugged'), { name: 'NotFoundError' }));
    t.flow.toggleCamera();
    await settle();
    expect(t.failures).toEqual(['device-error']);
    t.flow.close();
  });

  it('lets the waiting room test other devices: the join page tracks are released, the chosen devices open on admission', async () => {
    const t = setup({
      configure: (room) => room.handle('join', () => ({ status: 'waiting', reason: 'admission' })),
    });
    const asked: MediaStreamConstraints[] = [];
    const getUserMedia = t.devices.getUserMedia.bind(t.devices);
    t.devices.getUserMedia = (constraints) => {
      asked.push(constraints);
      return getUserMedia(constraints);
    };
    const tracks = taken();
    const joining = t.flow.join(CHOICES, tracks.take);
    await settle();
    expect(t.clients[0]?.state.phase).toEqual({ name: 'waiting', reason: 'admission' });
    expect(t.flow.joinDevices).toEqual({ cameraId: null, microphoneId: null, cameraEnabled: true });

    // The waiting room starts its own preview and the guest picks another camera.
    t.flow.chooseWaitingRoomDevices({ cameraId: null, microphoneId: null });
    expect([tracks.audio.readyState, tracks.video.readyState]).toEqual(['ended', 'ended']);
    t.flow.chooseWaitingRoomDevices({ cameraId: 'camera-2', microphoneId: 'microphone-2' });
    expect(t.flow.snapshot.choices).toMatchObject({ cameraId: 'camera-2', microphoneId: 'microphone-2' });
    expect(asked).toEqual([]);

    t.room.emit('admitted', {
      status: 'joined',
      room: { locked: false },
      self: SELF,
      members: [ALICE],
      producers: [],
      routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
    });
    await joining;
    expect(t.clients[0]?.state.phase).toEqual({ name: 'joined', media: 'connected' });
    expect(t.room.requestsNamed('produce').map((r) => r.payload['source'])).toEqual(['microphone', 'camera']);
    // Opened again, with the devices chosen while waiting (not the join page's tracks).
    expect(JSON.stringify(asked)).toContain('microphone-2');
    expect(JSON.stringify(asked)).toContain('camera-2');
    expect(t.clients[0]?.state.local.camera.track).not.toBe(tracks.video);
    t.flow.close();
  });

  it('knows the meeting title from the invitation for the waiting room', async () => {
    const preview = {
      meetingTitle: 'Consultation dossier 42',
      startsAt: 1_700_000_000_000,
      requirePasscode: false,
      label: null,
    } as unknown as InvitePreview;
    const t = setup({
      access: { kind: 'invite', inviteId: 'AbCdEfGhIjKlMnOpQrStUv' },
      deps: { loadPreview: () => Promise.resolve(preview) },
    });
    expect(t.flow.meetingTitle).toBeNull();
    t.flow.loadPreview();
    await settle();
    expect(t.flow.meetingTitle).toBe('Consultation dossier 42');
    t.flow.close();
  });

  it('reads an invite preview, or says why it could not', async () => {
    const preview: InvitePreview = {
      meetingTitle: 'Conseil',
      kind: 'meeting',
      startsAt: Date.UTC(2026, 0, 1, 10),
      requirePasscode: true,
      label: 'Anne',
    };
    const ok = setup({
      access: { kind: 'invite', inviteId: 'InViTeIdInViTeIdInViTe' },
      deps: { loadPreview: () => Promise.resolve(preview) },
    });
    ok.flow.loadPreview();
    await settle();
    expect(ok.flow.snapshot.preview).toEqual(preview);
    expect(ok.flow.snapshot.meetingId).toBeNull();

    const bad = setup({
      access: { kind: 'invite', inviteId: 'InViTeIdInViTeIdInViTe' },
      deps: { loadPreview: () => Promise.reject(new ApiError('invite-invalid', 'revoked')) },
    });
    bad.flow.loadPreview();
    await settle();
    expect(bad.flow.snapshot.view).toEqual({
      name: 'join',
      busy: false,
      failure: { kind: 'preview', reason: 'invite-invalid' },
    });
  });
});
