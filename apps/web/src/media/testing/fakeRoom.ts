import { Device, FakeHandler, testFakeParameters } from 'mediasoup-client';
import type { MemberInfo, ProducerInfo, RoomRequestName } from '@confidentiel/protocol';
import type { RoomHandshake, RoomSocket, RoomSocketFactory } from '../RoomConnection.ts';
import type { MediaAcquirer } from '../meetingClientTypes.ts';

/** Test support: a scripted room server behind the RoomSocket interface. */

export interface RecordedRequest {
  name: string;
  payload: Record<string, unknown>;
}

type Handler = (payload: Record<string, unknown>) => unknown;

/** Identity public keys as the server relays them (opaque to it). */
export const FAKE_IDENTITY = { ecdh: 'E'.repeat(87), sign: 'S'.repeat(87) };
export const SELF: MemberInfo = {
  memberId: 'self-member-1',
  displayName: 'Moi',
  joinedAt: 1,
  identity: FAKE_IDENTITY,
  senderIndex: 1,
  role: 'participant',
};
export const ALICE: MemberInfo = {
  memberId: 'alice-member-1',
  displayName: 'Alice',
  joinedAt: 0,
  identity: FAKE_IDENTITY,
  senderIndex: 0,
  role: 'participant',
};

export function member(n: number): MemberInfo {
  return {
    memberId: `member-${String(n).padStart(4, '0')}`,
    displayName: `Membre ${n}`,
    joinedAt: n,
    identity: FAKE_IDENTITY,
    senderIndex: n + 2,
    role: 'participant',
  };
}

export function producer(memberId: string, source: ProducerInfo['source'], paused = false): ProducerInfo {
  const kind = source === 'microphone' || source === 'screen-audio' ? 'audio' : 'video';
  return { producerId: crypto.randomUUID(), memberId, kind, source, paused };
}

export class FakeRoom {
  readonly requests: RecordedRequest[] = [];
  /** Transports made on the server side, in order. */
  readonly transports: Array<{ id: string; direction: string }> = [];
  handshakes: RoomHandshake[] = [];
  members: MemberInfo[] = [ALICE];
  producers: ProducerInfo[] = [];
  /** When set, the handshake is refused with this Socket.IO connect_error. */
  refuse: { reason: string; message: string } | null = null;
  /** Events sent just before the join acknowledgement (a race seen on real servers). */
  eventsBeforeJoinAck: Array<[string, unknown]> = [];
  consumerType: 'simple' | 'simulcast' = 'simulcast';
  disconnected = false;
  readonly #listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  readonly #handlers = new Map<string, Handler>();

  constructor() {
    this.#handlers.set('join', () => ({
      status: 'joined',
      room: { locked: false },
      self: SELF,
      members: this.members,
      producers: this.producers,
      routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
    }));
    this.#handlers.set('createTransport', (payload) => {
      const { sctpParameters: _unused, ...options } = testFakeParameters.generateTransportRemoteParameters();
      const id = crypto.randomUUID();
      this.transports.push({ id, direction: String(payload['direction']) });
      return { ...options, id };
    });
    this.#handlers.set('restartIce', () => ({
      iceParameters: testFakeParameters.generateTransportRemoteParameters().iceParameters,
    }));
    // The room's media as the media server has it now (after a reset: what was published again).
    this.#handlers.set('reconnectMedia', () => ({
      routerRtpCapabilities: testFakeParameters.generateRouterRtpCapabilities(),
      producers: this.producers,
    }));
    this.#handlers.set('consume', (payload) => {
      const info = this.producers.find((p) => p.producerId === payload['producerId']);
      if (!info) {
        return { ok: false, error: { reason: 'not-found', message: 'no such producer' } };
      }
      const remote = testFakeParameters.generateConsumerRemoteParameters({
        codecMimeType: info.kind === 'audio' ? 'audio/opus' : 'video/VP8',
      });
      return {
        id: crypto.randomUUID(),
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: remote.rtpParameters,
        type: info.kind === 'video' ? this.consumerType : 'simple',
        producerPaused: info.paused,
      };
    });
    this.#handlers.set('produce', () => ({ producerId: crypto.randomUUID() }));
    this.#handlers.set('relayKeys', () => ({ undelivered: [] }));
  }

  /** Replaces the answer to one request (return `{ok:false,...}` to refuse; a promise holds the answer). */
  handle(name: RoomRequestName, handler: Handler): void {
    this.#handlers.set(name, handler);
  }

  readonly socketFactory: RoomSocketFactory = (auth) => {
    this.handshakes.push(auth);
    const socket: RoomSocket = {
      on: (event, listener) => {
        let set = this.#listeners.get(event);
        if (!set) {
          set = new Set();
          this.#listeners.set(event, set);
        }
        set.add(listener);
      },
      off: (event, listener) => {
        this.#listeners.get(event)?.delete(listener);
      },
      emitWithAck: (event, payload) => this.#onRequest(event, payload as Record<string, unknown>),
      disconnect: () => {
        this.disconnected = true;
      },
    };
    queueMicrotask(() => {
      if (this.refuse) {
        this.emit('connect_error', Object.assign(new Error(this.refuse.reason), { data: this.refuse }));
      } else {
        this.emit('connect');
      }
    });
    return socket;
  };

  /** Sends a server event to the client. */
  emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      listener(...args);
    }
  }

  requestsNamed(name: string): RecordedRequest[] {
    return this.requests.filter((r) => r.name === name);
  }

  /** The names of the requests made so far, in order. */
  requestNames(): string[] {
    return this.requests.map((r) => r.name);
  }

  async #onRequest(name: string, payload: Record<string, unknown>): Promise<unknown> {
    this.requests.push({ name, payload });
    await Promise.resolve();
    const handler = this.#handlers.get(name);
    const result = handler ? await handler(payload) : {};
    if (name === 'join') {
      for (const [event, body] of this.eventsBeforeJoinAck.splice(0)) {
        this.emit(event, body);
      }
    }
    if (typeof result === 'object' && result !== null && 'ok' in result) {
      return result;
    }
    return { ok: true, data: result };
  }
}

export function createFakeDevice(): Promise<Device> {
  return Promise.resolve(new Device({ handlerFactory: FakeHandler.createFactory(testFakeParameters) }));
}

/** A stand-in for MediaStreamTrack, enough for mediasoup-client's FakeHandler. */
export class FakeTrack extends EventTarget {
  readonly id = crypto.randomUUID();
  readonly kind: 'audio' | 'video';
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  contentHint = '';

  constructor(kind: 'audio' | 'video') {
    super();
    this.kind = kind;
  }

  stop(): void {
    this.readyState = 'ended';
  }

  /** The browser ends a track on its own (device unplugged, "stop sharing"). */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }

  asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack;
  }
}

export function fakeStream(...tracks: FakeTrack[]): MediaStream {
  return {
    getTracks: () => tracks.map((t) => t.asTrack()),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio').map((t) => t.asTrack()),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video').map((t) => t.asTrack()),
  } as unknown as MediaStream;
}

/** Media devices that hand out fake tracks and remember them. */
export class FakeMediaDevices implements MediaAcquirer {
  readonly tracks: FakeTrack[] = [];
  screenAudio = true;
  cancelScreen = false;

  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    const track = new FakeTrack(constraints.video ? 'video' : 'audio');
    this.tracks.push(track);
    return Promise.resolve(fakeStream(track));
  }

  /** Like some browsers: asking for screen audio fails outright rather than giving no audio track. */
  screenAudioUnsupported = false;

  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream> {
    if (this.cancelScreen) {
      return Promise.reject(Object.assign(new Error('cancelled'), { name: 'NotAllowedError' }));
    }
    if (options.audio && this.screenAudioUnsupported) {
      return Promise.reject(Object.assign(new Error('audio unsupported'), { name: 'NotSupportedError' }));
    }
    const withAudio = this.screenAudio && !this.screenAudioUnsupported && Boolean(options.audio);
    const tracks = [new FakeTrack('video'), ...(withAudio ? [new FakeTrack('audio')] : [])];
    this.tracks.push(...tracks);
    return Promise.resolve(fakeStream(...tracks));
  }
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
