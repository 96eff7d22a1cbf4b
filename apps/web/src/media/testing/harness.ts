import { testFakeParameters } from 'mediasoup-client';
import { MeetingClient } from '../MeetingClient.ts';
import type { RepairPolicy } from '../engine/repairPolicy.ts';
import type { MediaTransformHooks } from '../meetingClientTypes.ts';
import { FakeClock } from './fakeClock.ts';
import { FakeMediaLayer } from './fakeMediaLayer.ts';
import { FAKE_IDENTITY, FakeMediaDevices, FakeRoom } from './fakeRoom.ts';

/** Test support: a meeting client on a scripted room, fake transports, fake devices and fake time. */
export interface Harness {
  room: FakeRoom;
  media: FakeMediaLayer;
  clock: FakeClock;
  devices: FakeMediaDevices;
  client: MeetingClient;
}

export function createHarness(
  options: {
    configure?: (room: FakeRoom) => void;
    transform?: MediaTransformHooks;
    repairPolicy?: RepairPolicy;
  } = {},
): Harness {
  const room = new FakeRoom();
  options.configure?.(room);
  const media = new FakeMediaLayer();
  const clock = new FakeClock();
  const devices = new FakeMediaDevices();
  const client = new MeetingClient({
    token: 'a-token',
    identity: FAKE_IDENTITY,
    socketFactory: room.socketFactory,
    createDevice: media.createDevice,
    mediaDevices: devices,
    clock,
    ...(options.transform ? { transform: options.transform } : {}),
    ...(options.repairPolicy ? { repairPolicy: options.repairPolicy } : {}),
  });
  return { room, media, clock, devices, client };
}

/** A promise settled from outside: holds a server answer until the test releases it. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A valid `restartIce` answer. */
export function freshIceParameters(): { iceParameters: unknown } {
  return { iceParameters: testFakeParameters.generateTransportRemoteParameters().iceParameters };
}

/** Ids of the transports the server made for `direction`, in order. */
export function transportIds(room: FakeRoom, direction: 'send' | 'recv'): string[] {
  return room.transports.filter((t) => t.direction === direction).map((t) => t.id);
}
