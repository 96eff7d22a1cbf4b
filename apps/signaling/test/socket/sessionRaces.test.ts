/**
 * Races between sessions of one room, with a room state whose every step
 * takes a random while (as a round trip to Redis does): without the room's
 * queue a guest could decide to wait for a host just as the host arrives and
 * stay in the lobby for ever, or two members arriving together could each
 * miss the other. Sessions are driven directly (fake sockets, a fake SFU).
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { IdentityKeys, Joined, MemberRole } from '@confidentiel/protocol';
import type { Socket } from 'socket.io';
import { NO_COMMITTEES } from '../../src/committee/CommitteeService.ts';
import { InMemoryHeldOut } from '../../src/rooms/HeldOut.ts';
import { createMlsDelivery } from '../../src/mls/MlsDelivery.ts';
import type { MeetingStore } from '../../src/meetings/MeetingStore.ts';
import { InMemoryAdmissions } from '../../src/rooms/Admissions.ts';
import { InMemoryEndedMeetings } from '../../src/rooms/EndedMeetings.ts';
import { InMemoryRevocations } from '../../src/rooms/Revocations.ts';
import { InMemoryRoleOverrides } from '../../src/rooms/RoleOverrides.ts';
import { RoomQueue } from '../../src/rooms/RoomQueue.ts';
import { InMemoryRoomState, type RoomState } from '../../src/rooms/RoomState.ts';
import type { Identity } from '../../src/rooms/verifyRoomToken.ts';
import type { SfuClient } from '../../src/sfu/SfuClient.ts';
import { MemberSession, type SessionDeps } from '../../src/socket/MemberSession.ts';
import { MemoryRateLimiterFactory } from '../../src/state/RateLimiterFactory.ts';
import { sleep, waitFor } from '../support/harness.ts';

const ROOM = 'room-aaaaaaaaaaaaaaaaaaaaaa';
const KEYS: IdentityKeys = { ecdh: 'A'.repeat(87), sign: 'B'.repeat(87) };
const ROUNDS = 30;

/** Every call of `state` waits a while first, as a network round trip would: mostly under 2 ms, now and then 12. */
function slow(state: RoomState): RoomState {
  return new Proxy(state, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return async (...args: unknown[]) => {
        await sleep(Math.random() < 0.15 ? 12 : Math.random() * 2);
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

/** The part of a Socket.IO socket a session uses; what it was sent is kept by event name. */
function fakeSocket() {
  const events = new Map<string, unknown[]>();
  const room = { emit: () => true, except: () => room };
  const socket = {
    connected: true,
    nsp: { to: () => room },
    to: () => room,
    emit: (event: string, payload: unknown) => {
      events.set(event, [...(events.get(event) ?? []), payload]);
      return true;
    },
    join: () => Promise.resolve(),
    leave: () => Promise.resolve(),
    disconnect: () => {
      socket.connected = false;
    },
  };
  return { socket: socket as unknown as Socket, events };
}

function room(state: RoomState) {
  const sessions = new Map<string, MemberSession>();
  const meetings = {
    get: () => Promise.resolve({ id: ROOM, allowEarlyEntry: false }),
  } as unknown as MeetingStore;
  const sfu = {
    request: async (name: string) => {
      await sleep(Math.random() * 3);
      return name === 'getRouterRtpCapabilities' ? { rtpCapabilities: { codecs: [] } } : {};
    },
  } as unknown as SfuClient;
  const deps: SessionDeps = {
    meetings,
    state: slow(state),
    sfu,
    logger: pino({ level: 'silent' }),
    now: Date.now,
    chatLimiter: new MemoryRateLimiterFactory().create('chat', { points: 20, duration: 10 }),
    iceConfig: () => ({ iceServers: [], iceTransportPolicy: 'all' }),
    revocations: new InMemoryRevocations(),
    admissions: new InMemoryAdmissions(),
    roleOverrides: new InMemoryRoleOverrides(),
    endedMeetings: new InMemoryEndedMeetings(),
    heldOut: new InMemoryHeldOut(),
    queue: new RoomQueue(),
    directory: { get: (memberId) => sessions.get(memberId) },
    issueToken: () => ({ token: 't', jti: 'j', expiresAt: Math.floor(Date.now() / 1000) + 60 }),
    inviteRevoked: () => Promise.resolve(false),
    onRemoved: () => Promise.resolve(),
    revocationMs: 60_000,
    committee: NO_COMMITTEES,
    mls: createMlsDelivery(),
  };
  return {
    arrive(name: string, role: MemberRole) {
      const identity: Identity = {
        sub: `${name}-member-id`,
        room: ROOM,
        name,
        role,
        lobby: false,
        typ: 'room',
        exp: Math.floor(Date.now() / 1000) + 60,
        jti: `${name}-jti`,
      };
      const { socket, events } = fakeSocket();
      const session = new MemberSession(socket, identity, deps);
      sessions.set(identity.sub, session);
      return {
        session,
        events,
        join: async () => session.handlers().join({ identity: KEYS }),
      };
    },
  };
}

describe('sessions of one room, with a slow room state', () => {
  it('never leaves a guest waiting for a host who arrived at the same time', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const state = new InMemoryRoomState();
      const r = room(state);
      const guest = r.arrive('guest', 'participant');
      const host = r.arrive('host', 'host');
      const guestJoined = guest.join();
      // The host arrives at some point of the guest's decision.
      await sleep(Math.random() * 8);
      await Promise.all([guestJoined, host.join()]);
      await waitFor(`round ${round}: the guest in the room`, () => guest.session.joined, 2_000);
      expect(await state.waiting(ROOM)).toEqual([]);
      await Promise.all([guest.session.leave(), host.session.leave()]);
      expect(await state.roomCount()).toBe(0);
    }
  });

  it('gives members who arrive together consistent answers: of any two, the later lists the earlier', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const state = new InMemoryRoomState();
      const r = room(state);
      const people = ['ada', 'bob', 'chloe'].map((name) => r.arrive(name, 'host'));
      const answers = (await Promise.all(people.map((p) => p.join()))) as Joined[];
      const indexes = answers.map((answer) => answer.self.senderIndex);
      expect(new Set(indexes).size).toBe(3);
      // The later of two arrivals lists the earlier (who, having joined the room's channel, hears of the later).
      const seenBy = answers.map((answer) => new Set(answer.members.map((m) => m.memberId)));
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          if (i !== j) {
            expect(
              seenBy[i]!.has(answers[j]!.self.memberId) || seenBy[j]!.has(answers[i]!.self.memberId),
            ).toBe(true);
          }
        }
      }
      expect((await state.members(ROOM)).length).toBe(3);
    }
  });

  it('takes back a member who left while their arrival was in flight', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const state = new InMemoryRoomState();
      const r = room(state);
      const host = r.arrive('host', 'host');
      const joining = host.join().catch(() => undefined);
      await sleep(Math.random() * 6);
      await host.session.leave();
      await joining;
      // Whatever the moment of the departure, nothing of the member stays.
      await waitFor(`round ${round}: the room empty`, async () => (await state.roomCount()) === 0, 2_000);
      expect(await state.members(ROOM)).toEqual([]);
    }
  });
});
