import { Device } from 'mediasoup-client';
import type { types as ms } from 'mediasoup-client';
import {
  mediaSourceSchema,
  type IceServer,
  type IceTransportPolicy,
  type CommitteeState,
  type IdentityKeys,
  type Joined,
  type MediaSource,
  type MemberRole,
  type ModerationAction,
  type MemberInfo,
  type RequestOf,
  type ResponseOf,
  type RoomRequestName,
  type RtpCapabilities,
  type RtpParameters,
  type TransportDirection,
  type TransportOptions,
  type committeeRequests,
  type roomRequests,
} from '@confidentiel/protocol';
import { TypedEmitter } from '@confidentiel/events';
import { silentLogger, type Logger } from '../logger.ts';
import { chooseSpatialLayer, type SpatialLayer } from './layers.ts';
import { mediaCodecOf, protectableCapabilities, sendCodecFor } from './codecs.ts';
import {
  CAMERA_ENCODINGS,
  cameraConstraints,
  microphoneConstraints,
  SCREEN_CONSTRAINTS,
  SCREEN_ENCODINGS,
} from './encodings.ts';
import { MeetingError } from './MeetingError.ts';
import {
  displayNameOf,
  initialMeetingState,
  meetingReducer,
  type EndReason,
  type LocalSourceName,
  type MeetingAction,
  type MeetingState,
} from './meetingState.ts';
import { RoomConnection, type RoomSocketFactory } from './RoomConnection.ts';
import { summarizeInboundStats, type InboundFigures } from './stats.ts';

/** How long `leave()` waits for the server before closing anyway. */
export const LEAVE_TIMEOUT_MS = 2_000;
/** The room token is refreshed when this share of its life is left. */
const REFRESH_AT_REMAINING = 0.5;
/** Refresh attempts that fail are retried after this delay (the token has time left). */
const REFRESH_RETRY_MS = 5_000;

/** Something a screen reader should hear about, politely. */
export type MeetingNotice =
  | { type: 'memberJoined'; displayName: string }
  | { type: 'memberLeft'; displayName: string }
  | { type: 'activeSpeaker'; displayName: string; isSelf: boolean }
  | { type: 'moderated'; action: ModerationAction; byName: string | null }
  | { type: 'lobbyArrival'; displayName: string }
  | { type: 'admitted' };

export type MeetingClientEvents = {
  /** The state snapshot changed (a new object each time). */
  state: [MeetingState];
  notice: [MeetingNotice];
  /**
   * The join answer: who we are and who is there. Emitted before any event
   * that arrived meanwhile is replayed, and before any media is sent.
   */
  joined: [{ self: MemberInfo; members: readonly MemberInfo[] }];
  /** A member not known before joined (never ourselves). */
  memberJoined: [MemberInfo];
  /** A known member left. */
  memberLeft: [memberId: string];
  /** A sealed key envelope from another member (E2EE key distribution). */
  keyEnvelope: [{ from: string; envelope: string }];
  /** A sealed chat message from another member (ours are not echoed back). */
  chatMessage: [{ from: string; ciphertext: string; sentAt: number }];
  /** The server gave a fresh room token (a rejoin may use it while it lives). */
  tokenRefreshed: [{ token: string; expiresAt: number }];
  /** A committee session's agenda, floor, votes, minutes index and recording notice changed. */
  committeeState: [CommitteeState];
  /** The chair gave (true) or withdrew (false) us the floor. */
  floorChanged: [speaking: boolean];
};

/** Requests of committee sessions (packages/protocol committee.ts). */
export type CommitteeRequestName = keyof typeof committeeRequests;

/** Where local tracks come from (navigator.mediaDevices in a browser). */
export interface MediaAcquirer {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream>;
}

/** What the receiver hook learns about the consumer it is attached to. */
export interface RtpReceiverInfo {
  memberId: string;
  source: MediaSource;
  /** The sending member's E2EE sender index (signaling's). */
  senderIndex: number;
  /** The consumer's media codec (`video/VP8`), from its RTP parameters; null if none. */
  mimeType: string | null;
}

/**
 * The slot for end-to-end encryption (packages/e2ee): extra peer connection
 * settings and a hook on every RTP sender and receiver, where an encoded
 * transform is attached before any frame flows. mediasoup-client calls
 * `onRtpSender` right after adding the transceiver and before the offer, and
 * `onRtpReceiver` before the answer; when hooks are given, a producer or
 * consumer whose hook did not run (or threw) is closed: nothing flows
 * without its transform.
 */
export interface MediaTransformHooks {
  transportSettings?: Partial<RTCConfiguration>;
  onRtpSender?: (sender: RTCRtpSender, source: MediaSource) => void;
  onRtpReceiver?: (receiver: RTCRtpReceiver, info: RtpReceiverInfo) => void;
}

export interface MeetingClientOptions {
  /** The room token from `POST /api/meetings/:id/join-tokens`. */
  token: string;
  /** This browser's identity public keys, announced at join. */
  identity: IdentityKeys;
  socketFactory: RoomSocketFactory;
  /** Defaults to mediasoup-client's browser detection. */
  createDevice?: () => Promise<Device>;
  mediaDevices?: MediaAcquirer;
  logger?: Logger;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  transform?: MediaTransformHooks;
}

export interface LocalTrackOptions {
  /** A track already acquired (the pre-join preview); the client takes ownership of it. */
  track?: MediaStreamTrack | null;
  deviceId?: string | null;
}

export interface ConsumerStats extends InboundFigures {
  memberId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  producerId: string;
  consumerId: string;
  producerPaused: boolean;
}

interface ConsumerEntry {
  consumer: ms.Consumer;
  memberId: string;
  source: MediaSource;
  simulcast: boolean;
  /** The spatial layer last asked for, null until asked. */
  layer: SpatialLayer | null;
}

/**
 * One participation in one meeting: the Socket.IO connection, the mediasoup
 * device, a send and a receive transport, local producers and remote
 * consumers. The UI reads `state` and calls the methods; nothing else touches
 * mediasoup. `close()` is idempotent and releases everything (tracks included).
 */
export class MeetingClient extends TypedEmitter<MeetingClientEvents> {
  readonly #options: MeetingClientOptions;
  readonly #logger: Logger;
  readonly #media: MediaAcquirer;
  #state: MeetingState = initialMeetingState;
  #connection: RoomConnection | null = null;
  #device: Device | null = null;
  #sendTransport: ms.Transport | null = null;
  #recvTransport: ms.Transport | null = null;
  /** ICE servers and policy from the join answer, for both transports (none until then). */
  #ice: TransportIce = { iceServers: [], iceTransportPolicy: 'all' };
  readonly #producers = new Map<MediaSource, ms.Producer>();
  readonly #consumers = new Map<string, ConsumerEntry>();
  /** Producer ids being consumed right now, so that none is consumed twice. */
  readonly #consuming = new Set<string>();
  /**
   * Producer ids whose consumer failed on our side. Not retried: the server
   * may hold a consumer for each attempt, and the same failure would repeat.
   */
  readonly #unconsumable = new Set<string>();
  /** Server events that arrived before the join answer; replayed after it. */
  #early: Array<() => void> | null = [];
  readonly #deviceIds: { camera: string | null; microphone: string | null } = {
    camera: null,
    microphone: null,
  };
  /** Local media operations run one at a time (a double click must not produce twice). */
  #queue: Promise<unknown> = Promise.resolve();
  /** Settles the wait in the lobby (admitted, or the session ended). */
  #admission: { resolve: (joined: Joined) => void; reject: (error: MeetingError) => void } | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #committee: CommitteeState | null = null;
  #currentToken: string;
  #closed = false;

  constructor(options: MeetingClientOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
    this.#logger = logger;
    this.#media = options.mediaDevices ?? browserMediaDevices();
    this.#currentToken = options.token;
  }

  get state(): MeetingState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('state', onChange);
  readonly getSnapshot = (): MeetingState => this.#state;

  /**
   * Connects, joins, loads the device, creates both transports and consumes
   * what the others already send. Rejects with a MeetingError (and ends the
   * session) if any step fails.
   */
  async join(): Promise<void> {
    if (this.#closed) {
      throw MeetingError.closed();
    }
    if (this.#connection) {
      throw new TypeError('join() was already called');
    }
    this.#dispatch({ type: 'connecting' });
    const connection = new RoomConnection({
      token: this.#options.token,
      socketFactory: this.#options.socketFactory,
      logger: this.#logger,
      ...(this.#options.requestTimeoutMs !== undefined
        ? { requestTimeoutMs: this.#options.requestTimeoutMs }
        : {}),
      ...(this.#options.connectTimeoutMs !== undefined
        ? { connectTimeoutMs: this.#options.connectTimeoutMs }
        : {}),
    });
    this.#connection = connection;
    this.#listen(connection);
    try {
      await connection.connect();
      this.#assertOpen();
      this.#scheduleRefresh(tokenExpiry(this.#options.token));
      const answer = await this.#request('join', { identity: this.#options.identity });
      this.#assertOpen();
      let joined: Joined;
      if (answer.status === 'waiting') {
        this.#dispatch({ type: 'waiting', reason: answer.reason });
        joined = await new Promise<Joined>((resolve, reject) => {
          this.#admission = { resolve, reject };
        });
        this.#admission = null;
        this.#assertOpen();
        this.emit('notice', { type: 'admitted' });
      } else {
        joined = answer;
      }
      this.#ice = { iceServers: joined.iceServers, iceTransportPolicy: joined.iceTransportPolicy };
      this.#device = await this.#loadDevice(joined.routerRtpCapabilities as ms.RtpCapabilities);
      this.#assertOpen();
      this.#dispatch({
        type: 'joined',
        self: joined.self,
        members: joined.members,
        producers: joined.producers,
        room: joined.room,
      });
      this.emit('joined', { self: joined.self, members: this.#state.members });
      const early = this.#early ?? [];
      this.#early = null;
      for (const replay of early) {
        replay();
      }
      const [send, recv] = await Promise.all([this.#createTransport('send'), this.#createTransport('recv')]);
      this.#sendTransport = send;
      this.#recvTransport = recv;
      this.#consumeMissing();
    } catch (error) {
      const failure = MeetingError.from(error);
      if (!this.#closed) {
        this.#end(failure.reason === 'closed' ? 'left' : 'refused', failure);
      }
      throw failure;
    }
  }

  /** Sends the microphone; with `muted`, the track is silenced before it is sent. */
  startMicrophone(options: LocalTrackOptions & { muted?: boolean } = {}): Promise<void> {
    return this.#serialize(async () => {
      this.#deviceIds.microphone = options.deviceId ?? this.#deviceIds.microphone;
      if (this.#producers.has('microphone')) {
        options.track?.stop();
        return;
      }
      await this.#startMicrophone(options.track ?? null, options.muted ?? false);
    });
  }

  /** Sends the camera (three simulcast layers). */
  startCamera(options: LocalTrackOptions = {}): Promise<void> {
    return this.#serialize(async () => {
      this.#deviceIds.camera = options.deviceId ?? this.#deviceIds.camera;
      if (this.#producers.has('camera')) {
        options.track?.stop();
        return;
      }
      await this.#startCamera(options.track ?? null);
    });
  }

  /** Mute (pause) or unmute the microphone; starts it if it was never started. */
  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.#serialize(async () => {
      const producer = this.#producers.get('microphone');
      if (!producer) {
        if (enabled) {
          await this.#startMicrophone(null, false);
        }
        return;
      }
      if (enabled === !producer.paused) {
        return;
      }
      // Stop sending locally first: muting must not wait for the server.
      if (enabled) {
        producer.resume();
      } else {
        producer.pause();
      }
      this.#setLocal('microphone', { active: enabled, track: producer.track });
      await this.#request('setProducerPaused', { producerId: producer.id, paused: !enabled });
    });
  }

  /**
   * Camera off pauses the producer and releases the camera (its light goes
   * off); camera on acquires a new track into the same producer.
   */
  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#serialize(async () => {
      const producer = this.#producers.get('camera');
      if (!enabled) {
        if (producer && !producer.paused) {
          await this.#releaseCamera(producer);
        }
        return;
      }
      if (!producer) {
        await this.#startCamera(null);
        return;
      }
      if (!producer.paused) {
        return;
      }
      const track = await this.#acquire('camera');
      try {
        await producer.replaceTrack({ track });
      } catch (error) {
        track.stop();
        throw MeetingError.from(error);
      }
      producer.resume();
      this.#setLocal('camera', { active: true, track });
      await this.#request('setProducerPaused', { producerId: producer.id, paused: false });
    });
  }

  /** Shares a screen (and its audio, if the browser offers it). Resolves false if the user cancelled. */
  startScreenShare(): Promise<boolean> {
    return this.#serialize(async () => {
      if (this.#producers.has('screen')) {
        return true;
      }
      const stream = await this.#captureScreen();
      if (!stream) {
        return false;
      }
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      if (!video || this.#closed) {
        stopAll(stream);
        return false;
      }
      video.contentHint = 'detail';
      try {
        await this.#produce('screen', video, { encodings: SCREEN_ENCODINGS });
        if (audio) {
          await this.#produce('screen-audio', audio, {});
        }
      } catch (error) {
        stopAll(stream);
        await this.#closeProducer('screen');
        await this.#closeProducer('screen-audio');
        throw MeetingError.from(error);
      }
      this.#setLocal('screen', { active: true, track: video });
      return true;
    });
  }

  stopScreenShare(): Promise<void> {
    return this.#serialize(async () => {
      await this.#closeProducer('screen');
      await this.#closeProducer('screen-audio');
      this.#setLocal('screen', { active: false, track: null });
    });
  }

  // ---- committee sessions ----------------------------------------------------

  /** The latest committee state (null until the server sent one). */
  get committee(): CommitteeState | null {
    return this.#committee;
  }

  /** The room token this client joined with (for HTTP calls that need it, e.g. recording uploads). */
  get token(): string {
    return this.#currentToken;
  }

  /** Sends a committee request; the server authorises it and answers or refuses with a reason. */
  async committeeRequest<K extends CommitteeRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    this.#assertJoined();
    return this.#request(name, payload);
  }

  // ---- moderation (hosts and co-hosts; the server decides) ---------------

  async admit(memberIds: readonly string[]): Promise<void> {
    this.#assertJoined();
    await this.#request('admit', { memberIds: [...memberIds] });
  }

  async admitAll(): Promise<void> {
    this.#assertJoined();
    await this.#request('admitAll', {});
  }

  async refuseEntry(memberId: string): Promise<void> {
    this.#assertJoined();
    await this.#request('refuseEntry', { memberId });
  }

  async setRoomLocked(locked: boolean): Promise<void> {
    this.#assertJoined();
    await this.#request('setRoomLocked', { locked });
  }

  async muteMember(memberId: string): Promise<void> {
    this.#assertJoined();
    await this.#request('muteMember', { memberId });
  }

  async stopMemberVideo(memberId: string, source: 'camera' | 'screen'): Promise<void> {
    this.#assertJoined();
    await this.#request('stopMemberVideo', { memberId, source });
  }

  async removeMember(memberId: string): Promise<void> {
    this.#assertJoined();
    await this.#request('removeMember', { memberId });
  }

  async setMemberRole(memberId: string, role: Exclude<MemberRole, 'host'>): Promise<void> {
    this.#assertJoined();
    await this.#request('setMemberRole', { memberId, role });
  }

  async endMeeting(): Promise<void> {
    this.#assertJoined();
    await this.#request('endMeeting', {});
  }

  /** Tells the server, then closes. Never throws. */
  async leave(): Promise<void> {
    if (this.#closed) {
      return;
    }
    const connection = this.#connection;
    if (connection && (this.#state.phase.name === 'joined' || this.#state.phase.name === 'waiting')) {
      try {
        await connection.request('leave', {}, LEAVE_TIMEOUT_MS);
      } catch (error) {
        this.#logger.warn('leave was not acknowledged', error);
      }
    }
    this.#end('left', null);
  }

  /** Idempotent: releases transports, tracks and the connection. */
  close(): void {
    this.#end('left', null);
  }

  /** Relays a sealed key envelope to one member (signaling reads nothing of it). */
  async relayKey(to: string, envelope: string): Promise<void> {
    this.#assertJoined();
    await this.#request('relayKey', { to, envelope });
  }

  /** Sends a sealed chat message to the room; resolves with the server's time stamp. */
  async sendChat(ciphertext: string): Promise<number> {
    this.#assertJoined();
    const { sentAt } = await this.#request('sendChat', { ciphertext });
    return sentAt;
  }

  /** Inbound RTP figures of every live consumer (used by the browser tests). */
  async getStats(): Promise<ConsumerStats[]> {
    const entries = [...this.#consumers.values()].filter((entry) => !entry.consumer.closed);
    return Promise.all(
      entries.map(async (entry): Promise<ConsumerStats> => {
        let figures: InboundFigures = {};
        try {
          figures = summarizeInboundStats((await entry.consumer.getStats()).values());
        } catch (error) {
          this.#logger.debug('consumer stats unavailable', error);
        }
        const media = this.#state.media.find((m) => m.producerId === entry.consumer.producerId);
        return {
          memberId: entry.memberId,
          source: entry.source,
          kind: entry.consumer.kind,
          producerId: entry.consumer.producerId,
          consumerId: entry.consumer.id,
          producerPaused: media?.paused ?? false,
          ...figures,
        };
      }),
    );
  }

  // ---- server events -------------------------------------------------------

  #listen(connection: RoomConnection): void {
    // Until the join answer is in, events are kept and replayed after it.
    const afterJoin =
      <A>(handler: (payload: A) => void) =>
      (payload: A): void => {
        if (this.#early) {
          this.#early.push(() => handler(payload));
        } else {
          handler(payload);
        }
      };
    connection.on(
      'memberJoined',
      afterJoin(({ member }) => {
        const before = this.#state.members;
        this.#dispatch({ type: 'memberJoined', member });
        if (this.#state.members !== before) {
          this.emit('memberJoined', member);
          this.emit('notice', { type: 'memberJoined', displayName: member.displayName });
          this.#consumeMissing();
        }
      }),
    );
    connection.on(
      'memberLeft',
      afterJoin(({ memberId }) => {
        const name = displayNameOf(this.#state, memberId);
        const known = this.#state.members.some((m) => m.memberId === memberId);
        for (const [id, entry] of this.#consumers) {
          if (entry.memberId === memberId) {
            entry.consumer.close();
            this.#consumers.delete(id);
          }
        }
        this.#dispatch({ type: 'memberLeft', memberId });
        if (known) {
          this.emit('memberLeft', memberId);
        }
        if (name !== null && memberId !== this.#state.self?.memberId) {
          this.emit('notice', { type: 'memberLeft', displayName: name });
        }
      }),
    );
    connection.on(
      'keyEnvelope',
      afterJoin(({ from, envelope }) => {
        this.emit('keyEnvelope', { from, envelope });
      }),
    );
    connection.on(
      'chatMessage',
      afterJoin(({ from, ciphertext, sentAt }) => {
        this.emit('chatMessage', { from, ciphertext, sentAt });
      }),
    );
    connection.on(
      'producerAdded',
      afterJoin(({ producer }) => {
        this.#dispatch({ type: 'producerAdded', producer });
        this.#consumeMissing();
      }),
    );
    connection.on(
      'producerClosed',
      afterJoin(({ producerId }) => {
        this.#closeConsumerOf(producerId);
        this.#dispatch({ type: 'producerClosed', producerId });
      }),
    );
    connection.on(
      'producerPaused',
      afterJoin(({ producerId, paused }) => {
        this.#dispatch({ type: 'producerPaused', producerId, paused });
      }),
    );
    connection.on(
      'consumerClosed',
      afterJoin(({ consumerId }) => {
        const entry = this.#consumers.get(consumerId);
        entry?.consumer.close();
        this.#consumers.delete(consumerId);
        this.#dispatch({ type: 'consumerClosed', consumerId });
      }),
    );
    connection.on(
      'activeSpeaker',
      afterJoin(({ memberId }) => {
        if (memberId === this.#state.activeSpeakerId) {
          return;
        }
        this.#dispatch({ type: 'activeSpeaker', memberId });
        const name = memberId === null ? null : displayNameOf(this.#state, memberId);
        if (memberId !== null && name !== null) {
          this.emit('notice', {
            type: 'activeSpeaker',
            displayName: name,
            isSelf: memberId === this.#state.self?.memberId,
          });
        }
      }),
    );
    connection.on('admitted', (joined) => {
      this.#admission?.resolve(joined);
    });
    connection.on('lobbyChanged', ({ waiting }) => {
      const known = new Set(this.#state.lobby.map((w) => w.memberId));
      this.#dispatch({ type: 'lobby', waiting });
      for (const entry of waiting) {
        if (!known.has(entry.memberId)) {
          this.emit('notice', { type: 'lobbyArrival', displayName: entry.displayName });
        }
      }
    });
    connection.on(
      'roomUpdated',
      afterJoin((room) => {
        this.#dispatch({ type: 'room', room });
      }),
    );
    connection.on(
      'memberUpdated',
      afterJoin(({ member }) => {
        this.#dispatch({ type: 'memberUpdated', member });
      }),
    );
    connection.on(
      'moderated',
      afterJoin(({ action, by }) => {
        this.#onModerated(action);
        this.emit('notice', { type: 'moderated', action, byName: displayNameOf(this.#state, by) });
      }),
    );
    connection.on(
      'committeeState',
      afterJoin((state) => {
        this.#committee = state;
        this.emit('committeeState', state);
      }),
    );
    connection.on(
      'floorChanged',
      afterJoin(({ speaking }) => {
        this.emit('floorChanged', speaking);
      }),
    );
    connection.on('roomClosed', ({ reason }) => {
      this.#end(reason, null);
    });
    connection.on('disconnected', (reason) => {
      this.#end('connection-lost', new MeetingError('connection-lost', `disconnected: ${reason}`));
    });
  }

  /** A moderator acted on our media: the server already did it; follow locally. */
  #onModerated(action: ModerationAction): void {
    // In the local media queue, so it does not interleave with a toggle in flight.
    this.#serialize(() => Promise.resolve(this.#followModeration(action))).catch((error: unknown) =>
      this.#logger.warn('could not follow a moderation', error),
    );
  }

  #followModeration(action: ModerationAction): void {
    {
      switch (action) {
        case 'muted': {
          const producer = this.#producers.get('microphone');
          if (producer && !producer.paused) {
            producer.pause();
            this.#setLocal('microphone', { active: false, track: producer.track });
          }
          return;
        }
        case 'camera-stopped': {
          const producer = this.#producers.get('camera');
          this.#producers.delete('camera');
          producer?.track?.stop();
          producer?.close();
          this.#setLocal('camera', { active: false, track: null });
          return;
        }
        case 'screen-stopped': {
          for (const source of ['screen', 'screen-audio'] as const) {
            const producer = this.#producers.get(source);
            this.#producers.delete(source);
            producer?.track?.stop();
            producer?.close();
          }
          this.#setLocal('screen', { active: false, track: null });
          return;
        }
        default: {
          const unreachable: never = action;
          return unreachable;
        }
      }
    }
  }

  /** Refreshes the room token over the live socket before it expires (tokens live minutes). */
  #scheduleRefresh(expiresAtMs: number | null): void {
    clearTimeout(this.#refreshTimer);
    if (expiresAtMs === null || this.#closed) {
      return;
    }
    const delay = Math.max(1_000, (expiresAtMs - Date.now()) * REFRESH_AT_REMAINING);
    this.#refreshTimer = setTimeout(() => {
      this.#request('refreshToken', {}).then(
        ({ token, expiresAt }) => {
          this.#currentToken = token;
          this.#connection?.setToken(token);
          this.emit('tokenRefreshed', { token, expiresAt });
          this.#scheduleRefresh(expiresAt * 1000);
        },
        (error: unknown) => {
          this.#logger.warn('could not refresh the room token', error);
          if (!this.#closed && Date.now() + REFRESH_RETRY_MS < expiresAtMs) {
            this.#refreshTimer = setTimeout(() => this.#scheduleRefresh(expiresAtMs), REFRESH_RETRY_MS);
          }
        },
      );
    }, delay);
  }

  // ---- consuming -----------------------------------------------------------

  /** Consumes every known remote producer that has no consumer yet. */
  #consumeMissing(): void {
    if (!this.#recvTransport || this.#closed) {
      return;
    }
    for (const media of this.#state.media) {
      const member = this.#state.members.find((m) => m.memberId === media.memberId);
      if (
        member &&
        media.consumerId === null &&
        !this.#consuming.has(media.producerId) &&
        !this.#unconsumable.has(media.producerId)
      ) {
        void this.#consume(media.producerId, member, media.source);
      }
    }
  }

  async #consume(producerId: string, member: MemberInfo, source: MediaSource): Promise<void> {
    const transport = this.#recvTransport;
    const device = this.#device;
    if (!transport || !device) {
      return;
    }
    const memberId = member.memberId;
    this.#consuming.add(producerId);
    try {
      const options = await this.#request('consume', {
        producerId,
        // Codecs the E2EE layer cannot handle are not even offered.
        rtpCapabilities: protectableCapabilities(device.recvRtpCapabilities) as RtpCapabilities,
      });
      if (this.#closed || !this.#hasMedia(producerId)) {
        return;
      }
      const rtpParameters = options.rtpParameters as ms.RtpParameters;
      const hook = this.#options.transform?.onRtpReceiver;
      let hooked = false;
      const consumer = await transport.consume({
        id: options.id,
        producerId,
        kind: options.kind,
        rtpParameters,
        // One stream per member and kind of capture, so the browser keeps lips and voice in sync.
        streamId: `${memberId}-${source === 'screen' || source === 'screen-audio' ? 'screen' : 'camera'}`,
        ...(hook
          ? {
              onRtpReceiver: (receiver: RTCRtpReceiver) => {
                hook(receiver, {
                  memberId,
                  source,
                  senderIndex: member.senderIndex,
                  mimeType: mediaCodecOf(rtpParameters).mimeType,
                });
                hooked = true;
              },
            }
          : {}),
        appData: { memberId, source },
      });
      if (hook && !hooked) {
        // Never play what did not go through the receive transform.
        consumer.close();
        throw new MeetingError('e2ee-unavailable', 'the receive transform was not attached');
      }
      if (this.#closed || !this.#hasMedia(producerId)) {
        consumer.close();
        return;
      }
      this.#consumers.set(consumer.id, {
        consumer,
        memberId,
        source,
        simulcast: options.type === 'simulcast',
        layer: null,
      });
      // Dispatching also picks the consumer's layer, before it is resumed.
      this.#dispatch({ type: 'consumed', producerId, consumerId: consumer.id, track: consumer.track });
      await this.#request('resumeConsumer', { consumerId: consumer.id });
    } catch (error) {
      const failure = MeetingError.from(error);
      if (failure.reason === 'closed') {
        return;
      }
      if (failure.reason === 'not-found') {
        // The producer went away between its announcement and our request.
        this.#dispatch({ type: 'producerClosed', producerId });
        return;
      }
      this.#unconsumable.add(producerId);
      this.#logger.warn(`could not consume ${source} of ${memberId}`, failure);
    } finally {
      this.#consuming.delete(producerId);
    }
  }

  #hasMedia(producerId: string): boolean {
    return this.#state.media.some((m) => m.producerId === producerId);
  }

  #closeConsumerOf(producerId: string): void {
    for (const [id, entry] of this.#consumers) {
      if (entry.consumer.producerId === producerId) {
        entry.consumer.close();
        this.#consumers.delete(id);
      }
    }
  }

  /** Asks for the simulcast layer each video consumer's tile deserves, when it changed. */
  #updateLayers(): void {
    const connection = this.#connection;
    if (!connection || this.#closed || this.#state.phase.name !== 'joined') {
      return;
    }
    const state = this.#state;
    const videoTileCount =
      1 +
      state.members.length +
      state.media.filter((m) => m.source === 'screen').length +
      (state.local.screen.active ? 1 : 0);
    for (const entry of this.#consumers.values()) {
      if (!entry.simulcast || entry.consumer.kind !== 'video' || entry.consumer.closed) {
        continue;
      }
      const layer = chooseSpatialLayer({
        source: entry.source,
        isActiveSpeaker: entry.memberId === state.activeSpeakerId,
        videoTileCount,
      });
      if (layer === entry.layer) {
        continue;
      }
      entry.layer = layer;
      this.#request('setConsumerLayers', { consumerId: entry.consumer.id, spatialLayer: layer }).catch(
        (error: unknown) => {
          this.#logger.warn('setConsumerLayers failed', error);
          if (entry.layer === layer) {
            entry.layer = null;
          }
        },
      );
    }
  }

  // ---- producing -----------------------------------------------------------

  async #createTransport(direction: TransportDirection): Promise<ms.Transport> {
    const device = this.#device;
    if (!device) {
      throw MeetingError.closed();
    }
    const remote = await this.#request('createTransport', { direction });
    this.#assertOpen();
    const options = toMediasoupTransportOptions(
      remote,
      this.#options.transform?.transportSettings,
      this.#ice,
    );
    const transport =
      direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.#request('connectTransport', {
        transportId: transport.id,
        dtlsParameters,
      }).then(
        () => callback(),
        (error: unknown) => errback(MeetingError.from(error)),
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = mediaSourceSchema.safeParse(appData['source']);
        if (!source.success) {
          errback(new TypeError('producer appData.source is missing'));
          return;
        }
        this.#request('produce', {
          transportId: transport.id,
          kind,
          rtpParameters: rtpParameters as RtpParameters,
          source: source.data,
        }).then(
          ({ producerId }) => callback({ id: producerId }),
          (error: unknown) => errback(MeetingError.from(error)),
        );
      });
    }
    transport.on('connectionstatechange', (connectionState) => {
      if (connectionState === 'failed') {
        this.#end('connection-lost', new MeetingError('connection-lost', `${direction} transport failed`));
      }
    });
    return transport;
  }

  async #startMicrophone(given: MediaStreamTrack | null, muted: boolean): Promise<void> {
    const track = given ?? (await this.#acquire('microphone'));
    // A muted start must not leak a single sample while the pause is on its way.
    track.enabled = !muted;
    const producer = await this.#produce('microphone', track, {
      codecOptions: { opusDtx: true, opusFec: true },
    });
    if (muted) {
      producer.pause();
    }
    this.#setLocal('microphone', { active: !muted, track });
    if (muted) {
      await this.#request('setProducerPaused', { producerId: producer.id, paused: true });
    }
  }

  async #startCamera(given: MediaStreamTrack | null): Promise<void> {
    const track = given ?? (await this.#acquire('camera'));
    await this.#produce('camera', track, {
      encodings: CAMERA_ENCODINGS,
      codecOptions: { videoGoogleStartBitrate: 1000 },
    });
    this.#setLocal('camera', { active: true, track });
  }

  async #releaseCamera(producer: ms.Producer): Promise<void> {
    producer.pause();
    const track = producer.track;
    await producer.replaceTrack({ track: null });
    track?.stop();
    this.#setLocal('camera', { active: false, track: null });
    await this.#request('setProducerPaused', { producerId: producer.id, paused: true });
  }

  async #produce(
    source: MediaSource,
    track: MediaStreamTrack,
    extra: Pick<ms.ProducerOptions, 'encodings' | 'codecOptions'>,
  ): Promise<ms.Producer> {
    const transport = this.#sendTransport;
    if (!transport || this.#closed) {
      track.stop();
      throw this.#closed ? MeetingError.closed() : new MeetingError('not-joined', 'not joined yet');
    }
    // Always an explicit codec, one the E2EE layer protects (VP8, Opus): never H.264.
    const codec = sendCodecFor(source, this.#device?.sendRtpCapabilities.codecs);
    if (!codec) {
      track.stop();
      throw new MeetingError(
        'unsupported-browser',
        `this browser cannot send ${source} in a protectable codec`,
      );
    }
    const hook = this.#options.transform?.onRtpSender;
    let hooked = false;
    let producer: ms.Producer;
    try {
      producer = await transport.produce({
        track,
        stopTracks: true,
        appData: { source },
        ...extra,
        codec,
        ...(hook
          ? {
              onRtpSender: (sender: RTCRtpSender) => {
                hook(sender, source);
                hooked = true;
              },
            }
          : {}),
      });
    } catch (error) {
      track.stop();
      throw MeetingError.from(error);
    }
    if (hook && !hooked) {
      // Fail closed: a sender without its transform would send in clear.
      producer.close();
      this.#request('closeProducer', { producerId: producer.id }).catch((error: unknown) => {
        this.#logger.warn(`closeProducer(${source}) failed`, error);
      });
      throw new MeetingError('e2ee-unavailable', 'the send transform was not attached');
    }
    if (this.#closed) {
      producer.close();
      throw MeetingError.closed();
    }
    this.#producers.set(source, producer);
    producer.on('trackended', () => this.#onTrackEnded(source));
    return producer;
  }

  /** A device was unplugged, or the browser's own "stop sharing" button was used. */
  #onTrackEnded(source: MediaSource): void {
    this.#logger.info(`${source} track ended`);
    const done = (error: unknown): void => this.#logger.warn(`could not stop ${source}`, error);
    switch (source) {
      case 'screen':
      case 'screen-audio':
        this.stopScreenShare().catch(done);
        return;
      case 'camera':
        this.setCameraEnabled(false).catch(done);
        return;
      case 'microphone':
        this.setMicrophoneEnabled(false).catch(done);
        return;
      default: {
        const unreachable: never = source;
        return unreachable;
      }
    }
  }

  async #closeProducer(source: MediaSource): Promise<void> {
    const producer = this.#producers.get(source);
    if (!producer) {
      return;
    }
    this.#producers.delete(source);
    producer.close();
    try {
      await this.#request('closeProducer', { producerId: producer.id });
    } catch (error) {
      this.#logger.warn(`closeProducer(${source}) failed`, error);
    }
  }

  async #acquire(kind: 'camera' | 'microphone'): Promise<MediaStreamTrack> {
    const constraints: MediaStreamConstraints =
      kind === 'camera'
        ? { video: cameraConstraints(this.#deviceIds.camera) }
        : { audio: microphoneConstraints(this.#deviceIds.microphone) };
    let stream: MediaStream;
    try {
      stream = await this.#media.getUserMedia(constraints);
    } catch (error) {
      throw MeetingError.device(`${kind} unavailable`, error);
    }
    const track = kind === 'camera' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    if (!track || this.#closed) {
      stopAll(stream);
      throw track ? MeetingError.closed() : MeetingError.device(`${kind} gave no track`, null);
    }
    return track;
  }

  // ---- plumbing ------------------------------------------------------------

  async #loadDevice(routerRtpCapabilities: ms.RtpCapabilities): Promise<Device> {
    try {
      const device = await (this.#options.createDevice ?? (() => Device.factory()))();
      await device.load({ routerRtpCapabilities });
      return device;
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      if (name === 'UnsupportedError') {
        throw new MeetingError('unsupported-browser', 'this browser cannot do WebRTC with the SFU', {
          cause: error,
        });
      }
      throw MeetingError.from(error);
    }
  }

  /** Asks for the screen with its audio; a browser that cannot capture audio gets a second, video-only ask. */
  async #captureScreen(): Promise<MediaStream | null> {
    try {
      return await this.#media.getDisplayMedia(SCREEN_CONSTRAINTS);
    } catch (error) {
      if (isUserCancel(error)) {
        return null;
      }
      this.#logger.info('screen capture with audio failed; trying video only', error);
    }
    try {
      return await this.#media.getDisplayMedia({ ...SCREEN_CONSTRAINTS, audio: false });
    } catch (error) {
      if (isUserCancel(error)) {
        return null;
      }
      throw MeetingError.device('screen capture failed', error);
    }
  }

  #request<K extends RoomRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    const connection = this.#connection;
    if (!connection || this.#closed) {
      return Promise.reject(MeetingError.closed());
    }
    return connection.request(name, payload);
  }

  #serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) {
        throw MeetingError.closed();
      }
      return operation();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #setLocal(source: LocalSourceName, value: MeetingState['local'][LocalSourceName]): void {
    this.#dispatch({ type: 'local', source, value });
  }

  #dispatch(action: MeetingAction): void {
    const next = meetingReducer(this.#state, action);
    if (next === this.#state) {
      return;
    }
    this.#state = next;
    this.emit('state', next);
    this.#updateLayers();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw MeetingError.closed();
    }
  }

  #assertJoined(): void {
    this.#assertOpen();
    if (this.#state.phase.name !== 'joined') {
      throw new MeetingError('not-joined', 'not joined yet');
    }
  }

  #end(reason: EndReason, error: MeetingError | null): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#refreshTimer);
    if (error) {
      this.#logger.warn(`meeting ended (${reason})`, error);
    }
    this.#admission?.reject(error ?? new MeetingError('closed', `meeting ended (${reason})`));
    this.#admission = null;
    for (const producer of this.#producers.values()) {
      producer.close();
    }
    this.#producers.clear();
    for (const entry of this.#consumers.values()) {
      entry.consumer.close();
    }
    this.#consumers.clear();
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#connection?.close();
    // A paused camera holds no track; the others were stopped with their producers.
    this.#dispatch({ type: 'ended', reason, error });
  }
}

/** The `exp` of a JWT, in milliseconds (read, not verified: the server verifies). */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) {
    return null;
  }
  try {
    const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const exp = (json as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function browserMediaDevices(): MediaAcquirer {
  return {
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    getDisplayMedia: (options) => navigator.mediaDevices.getDisplayMedia(options),
  };
}

/** What signaling said at join about ICE: its TURN servers (if any) and the policy. */
export interface TransportIce {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

/**
 * ICE servers come only from what the server returns: no public STUN is ever
 * added here.
 */
export function toMediasoupTransportOptions(
  remote: TransportOptions,
  settings: Partial<RTCConfiguration> | undefined,
  ice: TransportIce = { iceServers: [], iceTransportPolicy: 'all' },
): ms.TransportOptions {
  return {
    id: remote.id,
    iceParameters: remote.iceParameters,
    iceCandidates: remote.iceCandidates.map((candidate) => ({
      ...candidate,
      ip: candidate.ip ?? candidate.address,
    })),
    dtlsParameters: remote.dtlsParameters,
    // Only the servers signaling named (none by default): never a built-in STUN server.
    iceServers: ice.iceServers.map((server) => ({ ...server, urls: [...server.urls] })),
    iceTransportPolicy: ice.iceTransportPolicy,
    ...(settings ? { additionalSettings: settings } : {}),
  };
}

function isUserCancel(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotAllowedError' || name === 'AbortError';
}

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) {
    track.stop();
  }
}
