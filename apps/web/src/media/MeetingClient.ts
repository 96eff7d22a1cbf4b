import type {
  CommitteeState,
  Joined,
  MemberRole,
  RequestOf,
  ResponseOf,
  RoomRequestName,
  roomRequests,
} from '@confidentiel/protocol';
import { TypedEmitter } from '@confidentiel/events';
import { silentLogger, type Logger } from '../logger.ts';
import { systemClock } from './engine/clock.ts';
import type { Lifecycle } from './engine/lifecycle.ts';
import { browserMediaDevices } from './engine/LocalCapture.ts';
import { MediaEngine } from './engine/MediaEngine.ts';
import type { RepairCounts } from './engine/MeetingLifecycle.ts';
import { ALL_REPAIRS } from './engine/repairPolicy.ts';
import { JoinGate, listenToRoom, type RoomEventSink } from './engine/roomEvents.ts';
import { TokenRefresher } from './engine/TokenRefresher.ts';
import type {
  CommitteeRequestName,
  ConsumerStats,
  LocalTrackOptions,
  MeetingClientEvents,
  MeetingClientOptions,
} from './meetingClientTypes.ts';
import { MeetingError } from './MeetingError.ts';
import {
  initialMeetingState,
  meetingReducer,
  type EndReason,
  type MeetingAction,
  type MeetingState,
} from './meetingState.ts';
import { RoomConnection } from './RoomConnection.ts';

export type {
  CommitteeRequestName,
  ConsumerStats,
  LocalTrackOptions,
  MediaAcquirer,
  MediaTransformHooks,
  MeetingClientEvents,
  MeetingClientOptions,
  MeetingNotice,
  RtpReceiverInfo,
} from './meetingClientTypes.ts';
export type { Lifecycle } from './engine/lifecycle.ts';
export type { RepairCounts } from './engine/MeetingLifecycle.ts';
export type { RepairKind, RepairPolicy } from './engine/repairPolicy.ts';
export { tokenExpiry } from './engine/TokenRefresher.ts';
export { toMediasoupTransportOptions, type TransportIce } from './engine/transportOptions.ts';

/** How long `leave()` waits for the server before closing anyway. */
export const LEAVE_TIMEOUT_MS = 2_000;

/**
 * One participation in one meeting, as the UI sees it: the state to render,
 * the actions a person can take, and the events the E2EE and committee
 * layers follow. The work is done by the engine's parts (media/engine):
 * the room connection, the transports, the local publisher, the remote
 * subscriber, the token refresher and the lifecycle that repairs media
 * (ICE restarts, rebuild after the media server lost the room) without a
 * rejoin. `close()` is idempotent and releases everything (tracks included).
 */
export class MeetingClient extends TypedEmitter<MeetingClientEvents> {
  readonly #options: MeetingClientOptions;
  readonly #logger: Logger;
  readonly #gate = new JoinGate();
  readonly #media: MediaEngine;
  readonly #refresher: TokenRefresher;
  #state: MeetingState = initialMeetingState;
  #connection: RoomConnection | null = null;
  /** Settles the wait in the lobby (admitted, or the session ended). */
  #admission: { resolve: (joined: Joined) => void; reject: (error: MeetingError) => void } | null = null;
  #committee: CommitteeState | null = null;
  #currentToken: string;
  #leaving: Promise<void> | null = null;
  #closed = false;

  constructor(options: MeetingClientOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
    this.#logger = logger;
    this.#currentToken = options.token;
    const clock = options.clock ?? systemClock;
    this.#media = new MediaEngine({
      request: (name, payload) => this.#request(name, payload),
      state: () => this.#state,
      dispatch: (action) => this.#dispatch(action),
      mediaDevices: options.mediaDevices ?? browserMediaDevices(),
      createDevice: options.createDevice,
      hooks: options.transform,
      repairPolicy: options.repairPolicy ?? ALL_REPAIRS,
      clock,
      logger,
      giveUp: (reason, error) => this.#end(reason, error),
    });
    this.#refresher = new TokenRefresher({
      refresh: () => this.#request('refreshToken', {}),
      onToken: (fresh) => {
        this.#currentToken = fresh.token;
        this.#connection?.setToken(fresh.token);
        this.emit('tokenRefreshed', fresh);
      },
      clock,
      logger,
    });
  }

  get state(): MeetingState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Where the engine is: joining, joined, repairing (and why), leaving, ended. */
  get lifecycle(): Lifecycle {
    return this.#media.lifecycle;
  }

  /** What the media repairs did so far. */
  get repairs(): RepairCounts {
    return this.#media.repairs;
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
    this.#media.joining();
    this.#dispatch({ type: 'connecting' });
    const { token, socketFactory, requestTimeoutMs, connectTimeoutMs } = this.#options;
    const connection = new RoomConnection({
      token,
      socketFactory,
      logger: this.#logger,
      ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    });
    this.#connection = connection;
    listenToRoom(connection, this.#gate, this.#sink());
    // Not held until the join answer: it reaches people waiting in the lobby too.
    connection.on('lobbyMessage', (message) => this.emit('lobbyMessage', message));
    try {
      await connection.connect();
      this.#assertOpen();
      this.#refresher.start(token);
      const joined = await this.#enter();
      const device = await this.#media.prepare(joined);
      this.#assertOpen();
      const { self, members, producers, room } = joined;
      this.#dispatch({ type: 'joined', self, members, producers, room });
      this.emit('joined', { self, members: this.#state.members });
      this.#gate.open();
      await this.#media.start(device);
    } catch (error) {
      const failure = MeetingError.from(error);
      if (!this.#closed) {
        this.#end(failure.reason === 'closed' ? 'left' : 'refused', failure);
      }
      throw failure;
    }
  }

  startMicrophone(options: LocalTrackOptions & { muted?: boolean } = {}): Promise<void> {
    return this.#media.publisher.startMicrophone(options);
  }

  startCamera(options: LocalTrackOptions = {}): Promise<void> {
    return this.#media.publisher.startCamera(options);
  }

  setMicrophoneEnabled(enabled: boolean): Promise<void> {
    return this.#media.publisher.setMicrophoneEnabled(enabled);
  }

  setCameraEnabled(enabled: boolean): Promise<void> {
    return this.#media.publisher.setCameraEnabled(enabled);
  }

  startScreenShare(): Promise<boolean> {
    return this.#media.publisher.startScreenShare();
  }

  stopScreenShare(): Promise<void> {
    return this.#media.publisher.stopScreenShare();
  }

  /** The latest committee state (null until the server sent one). */
  get committee(): CommitteeState | null {
    return this.#committee;
  }

  /** The room token this client joined with (for HTTP calls that need it, e.g. recording uploads). */
  get token(): string {
    return this.#currentToken;
  }

  /** Sends a committee request; the server authorises it and answers or refuses with a reason. */
  committeeRequest<K extends CommitteeRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    return this.#joinedRequest(name, payload);
  }

  // Moderation: hosts and co-hosts; the server decides.

  async admit(memberIds: readonly string[]): Promise<void> {
    await this.#joinedRequest('admit', { memberIds: [...memberIds] });
  }

  async admitAll(): Promise<void> {
    await this.#joinedRequest('admitAll', {});
  }

  async refuseEntry(memberId: string): Promise<void> {
    await this.#joinedRequest('refuseEntry', { memberId });
  }

  async setRoomLocked(locked: boolean): Promise<void> {
    await this.#joinedRequest('setRoomLocked', { locked });
  }

  async muteMember(memberId: string): Promise<void> {
    await this.#joinedRequest('muteMember', { memberId });
  }

  async stopMemberVideo(memberId: string, source: 'camera' | 'screen'): Promise<void> {
    await this.#joinedRequest('stopMemberVideo', { memberId, source });
  }

  async removeMember(memberId: string): Promise<void> {
    await this.#joinedRequest('removeMember', { memberId });
  }

  /** Sends members back to the waiting room (deliberation in camera); a host's `admit` brings them back. */
  async sendToLobby(memberIds: readonly string[]): Promise<void> {
    await this.#joinedRequest('sendToLobby', { memberIds: [...memberIds] });
  }

  async setMemberRole(memberId: string, role: Exclude<MemberRole, 'host'>): Promise<void> {
    await this.#joinedRequest('setMemberRole', { memberId, role });
  }

  async endMeeting(): Promise<void> {
    await this.#joinedRequest('endMeeting', {});
  }

  /** Relays a sealed key envelope to one member (signaling reads nothing of it). */
  async relayKey(to: string, envelope: string): Promise<void> {
    await this.#joinedRequest('relayKey', { to, envelope });
  }

  /** Relays several sealed key envelopes in one request; answers the addressees it could not reach. */
  async relayKeys(
    envelopes: ReadonlyArray<{ to: string; envelope: string }>,
  ): Promise<{ undelivered: string[] }> {
    return this.#joinedRequest('relayKeys', {
      envelopes: envelopes.map(({ to, envelope }) => ({ to, envelope })),
    });
  }

  /** MLS: publishes our key package (signaling says whether we make the group). */
  async mlsJoin(keyPackage: string): Promise<ResponseOf<typeof roomRequests, 'mlsJoin'>> {
    return this.#joinedRequest('mlsJoin', { keyPackage });
  }

  /** MLS: a commit for `epoch`; accepted only if no other commit came first for that epoch. */
  async mlsCommit(
    request: RequestOf<typeof roomRequests, 'mlsCommit'>,
  ): Promise<ResponseOf<typeof roomRequests, 'mlsCommit'>> {
    return this.#joinedRequest('mlsCommit', request);
  }

  /** Sends a sealed chat message to the room; resolves with the server's time stamp. */
  async sendChat(ciphertext: string): Promise<number> {
    const { sentAt } = await this.#joinedRequest('sendChat', { ciphertext });
    return sentAt;
  }

  /**
   * Relays lobby messages, each sealed for one addressee: a host to people waiting, or someone
   * waiting to hosts (the server decides who may write to whom). Answers those it could not reach.
   */
  async sendLobbyMessages(
    messages: ReadonlyArray<{ to: string; ciphertext: string }>,
  ): Promise<{ sentAt: number; undelivered: string[] }> {
    this.#assertOpen();
    const phase = this.#state.phase.name;
    if (phase !== 'joined' && phase !== 'waiting') {
      throw new MeetingError('not-joined', 'not in the meeting or its lobby');
    }
    return this.#request('sendLobbyMessages', {
      messages: messages.map(({ to, ciphertext }) => ({ to, ciphertext })),
    });
  }

  /** Inbound RTP figures of every live consumer (used by the browser tests). */
  getStats(): Promise<ConsumerStats[]> {
    return this.#media.subscriber.getStats();
  }

  /** The peer connection statistics of the send and receive transports (diagnostics). */
  getTransportStats(): Promise<Array<{ direction: 'send' | 'recv'; report: RTCStatsReport }>> {
    return this.#media.transportStats();
  }

  /** Tells the server, then closes; no repair starts or goes on meanwhile. Never throws. */
  leave(): Promise<void> {
    if (this.#closed) {
      return Promise.resolve();
    }
    this.#leaving ??= this.#leave();
    return this.#leaving;
  }

  /** Idempotent: releases transports, tracks and the connection. */
  close(): void {
    this.#end('left', null);
  }

  async #leave(): Promise<void> {
    const phase = this.#state.phase.name;
    this.#media.leaving();
    const connection = this.#connection;
    if (connection && (phase === 'joined' || phase === 'waiting')) {
      try {
        await connection.request('leave', {}, LEAVE_TIMEOUT_MS);
      } catch (error) {
        this.#logger.warn('leave was not acknowledged', error);
      }
    }
    this.#end('left', null);
  }

  /** The join request, and the wait in the lobby when the answer says so. */
  async #enter(): Promise<Joined> {
    const answer = await this.#request('join', { identity: this.#options.identity });
    this.#assertOpen();
    if (answer.status !== 'waiting') {
      return answer;
    }
    this.#dispatch({ type: 'waiting', reason: answer.reason });
    const joined = await new Promise<Joined>((resolve, reject) => {
      this.#admission = { resolve, reject };
    });
    this.#admission = null;
    this.#assertOpen();
    this.emit('notice', { type: 'admitted' });
    return joined;
  }

  #sink(): RoomEventSink {
    return {
      state: () => this.#state,
      dispatch: (action) => this.#dispatch(action),
      emit: (event, ...args) => this.emit(event, ...args),
      subscriber: this.#media.subscriber,
      followModeration: (action) => {
        this.#media.publisher.followModeration(action).catch((error: unknown) => {
          this.#logger.warn('could not follow a moderation', error);
        });
      },
      admitted: (joined) => this.#admission?.resolve(joined),
      committee: (state) => {
        this.#committee = state;
        this.emit('committeeState', state);
      },
      mediaReset: (reason) => this.#media.mediaReset(reason),
      end: (reason, error) => this.#end(reason, error),
      sentToLobby: () => this.#sentToLobby(),
    };
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

  /** A request only a member in the meeting may send. */
  async #joinedRequest<K extends RoomRequestName>(
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
  ): Promise<ResponseOf<typeof roomRequests, K>> {
    this.#assertOpen();
    if (this.#state.phase.name !== 'joined') {
      throw new MeetingError('not-joined', 'not joined yet');
    }
    return this.#request(name, payload);
  }

  #dispatch(action: MeetingAction): void {
    const next = meetingReducer(this.#state, action);
    if (next === this.#state) {
      return;
    }
    this.#state = next;
    this.emit('state', next);
    this.#media.subscriber.updateLayers();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw MeetingError.closed();
    }
  }

  #end(reason: EndReason, error: MeetingError | null): void {
    if (this.#release(reason, error)) {
      this.#dispatch({ type: 'ended', reason, error });
    }
  }

  /**
   * A host sent us back to the waiting room (the server closes this connection). Everything of
   * this participation goes, as on an end: no consumer, no transport, no local track, and the
   * E2EE session is dropped by the page, which joins again (`sentToLobby`). The state shows the
   * waiting room meanwhile, not an end: nothing failed.
   */
  #sentToLobby(): void {
    const { microphone, camera } = this.#state.local;
    if (this.#release('left', null)) {
      this.#dispatch({ type: 'sentToLobby' });
      this.emit('sentToLobby', { microphone: microphone.active, camera: camera.active });
    }
  }

  /** Releases media, connection and timers, once. False if already released. */
  #release(reason: EndReason, error: MeetingError | null): boolean {
    if (this.#closed) {
      return false;
    }
    this.#closed = true;
    this.#refresher.close();
    if (error) {
      this.#logger.warn(`meeting ended (${reason})`, error);
    }
    this.#admission?.reject(error ?? new MeetingError('closed', `meeting ended (${reason})`));
    this.#admission = null;
    this.#media.close(reason);
    this.#connection?.close();
    return true;
  }
}
