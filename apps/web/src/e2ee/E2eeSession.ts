import {
  createLocalIdentity,
  pairSafetyCode,
  roomSafetyCode,
  verifyLinkMac,
  type KeyManagerStatus,
  type LocalIdentity,
  type OpenChatResult,
  type RejectReason,
  type TrackKind,
  KeyRelayBatcher,
} from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { IdentityKeys, MediaSource, MemberInfo } from '@confidentiel/protocol';
import { silentLogger, type Logger } from '../logger.ts';
import { protectableCodecOf, SEND_CODEC_MIME_TYPES } from '../media/codecs.ts';
import type { MediaTransformHooks, MeetingClient, RtpReceiverInfo } from '../media/MeetingClient.ts';
import { MeetingError } from '../media/MeetingError.ts';
import { LobbyChat } from '../meeting/lobbyChat/LobbyChat.ts';
import { appendChat, checkChatText, receivedText, type ChatEntry } from './chatLog.ts';
import { deriveE2eeStatus, type E2eeStatus } from './e2eeStatus.ts';
import { E2eeWorkerClient, type WorkerLike } from './E2eeWorkerClient.ts';
import {
  createKeyManager,
  followMlsEvents,
  mlsTransportOf,
  type KeyAgreement,
  type KeyManagerLike,
  type SessionKeyManagerOptions,
} from './keyAgreement.ts';
import {
  detectTransformMode,
  transportSettingsFor,
  type TransformEnvironment,
  type TransformMode,
} from './transformSupport.ts';
import type { TransformStats, TryDecryptResult, WorkerStats } from './worker/protocol.ts';

/** How often the worker's counters are read for the indicator. */
export const STATS_POLL_MS = 1_000;
/** At most one key request per member in this interval (the worker limits too). */
export const KEY_REQUEST_MIN_INTERVAL_MS = 2_000;

export type { KeyManagerLike } from './keyAgreement.ts';

export const e2eeSessionErrorReasons = [
  /** Neither RTCRtpScriptTransform nor createEncodedStreams: media would go in clear. */
  'unsupported',
  /** The worker did not load or start. */
  'worker-failed',
  /** The identity key pairs could not be made (no WebCrypto). */
  'identity-failed',
] as const;
export type E2eeSessionErrorReason = (typeof e2eeSessionErrorReasons)[number];

export class E2eeSessionError extends Error {
  readonly reason: E2eeSessionErrorReason;

  constructor(reason: E2eeSessionErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'E2eeSessionError';
    this.reason = reason;
  }
}

export type LinkCheck = 'verified' | 'mismatch' | 'unchecked';

/** One remote member as the E2EE layer sees it. */
export interface MemberE2ee {
  readonly memberId: string;
  /** Its receive key is installed in the worker. */
  readonly hasKey: boolean;
  readonly rejected: RejectReason | null;
  /** Its identity's link MAC, when our link has a secret. */
  readonly link: LinkCheck;
  /** The pair safety code (ours with theirs), null while computed. */
  readonly safetyCode: string | null;
}

export interface E2eeCounters {
  readonly encrypted: number;
  readonly decrypted: number;
  readonly dropped: number;
}

export interface E2eeSnapshot {
  readonly mode: TransformMode;
  /** The invite link carried a secret: identities are checked against it. */
  readonly linkSecret: boolean;
  readonly started: boolean;
  readonly failure: string | null;
  readonly status: E2eeStatus;
  readonly counters: E2eeCounters;
  readonly roomSafetyCode: string | null;
  readonly members: readonly MemberE2ee[];
  readonly chat: readonly ChatEntry[];
}

export interface E2eeStatsReport {
  readonly mode: TransformMode;
  readonly status: E2eeStatus;
  readonly senderEpoch: number | null;
  readonly receivers: WorkerStats['receivers'];
  readonly transforms: ReadonlyArray<TransformStats & { readonly source: MediaSource }>;
  readonly keyManager: KeyManagerStatus | null;
  readonly rejected: ReadonlyArray<{ readonly memberId: string; readonly reason: RejectReason }>;
  readonly counters: E2eeCounters;
}

export interface SafetyCodesReport {
  readonly room: string | null;
  readonly members: Readonly<Record<string, string | null>>;
}

export type E2eeSessionEvents = {
  change: [E2eeSnapshot];
  /** A chat message arrived (for the live region). */
  chat: [ChatEntry];
  /**
   * A member whose identity passed the checks sent us the committee secret
   * (sealed to us and signed). Who may hand it out is the listener's call.
   */
  committeeSecret: [{ from: string; secret: Uint8Array }];
};

export interface E2eeSessionOptions {
  /** The invite link's secret (URL fragment), or null. */
  linkSecret: string | null;
  logger?: Logger;
  environment?: TransformEnvironment;
  /** Tests: a fake worker (default: the bundled one). */
  worker?: WorkerLike;
  createIdentity?: (options: { linkSecret?: string }) => Promise<LocalIdentity>;
  createKeyManager?: (options: SessionKeyManagerOptions) => KeyManagerLike;
  /** How media keys are agreed (default: MLS, one group for the room). */
  keyAgreement?: KeyAgreement;
  /** Milliseconds, for rate limits. Default: performance.now(). */
  now?: () => number;
}

const SOURCE_OF_KIND: Readonly<Record<TrackKind, MediaSource>> = {
  audio: 'microphone',
  video: 'camera',
  screen: 'screen',
  'screen-audio': 'screen-audio',
};

export function trackKindOf(source: MediaSource): TrackKind {
  switch (source) {
    case 'microphone':
      return 'audio';
    case 'camera':
      return 'video';
    case 'screen':
      return 'screen';
    case 'screen-audio':
      return 'screen-audio';
    default: {
      const unreachable: never = source;
      throw new TypeError(`unknown source ${String(unreachable)}`);
    }
  }
}

function base64ToBuffer(text: string): ArrayBuffer {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(normal + '='.repeat((4 - (normal.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes.buffer;
}

function sumCounters(transforms: readonly TransformStats[]): E2eeCounters {
  let encrypted = 0;
  let decrypted = 0;
  let dropped = 0;
  for (const t of transforms) {
    encrypted += t.encrypted;
    decrypted += t.decrypted;
    dropped += t.droppedTotal;
  }
  return { encrypted, decrypted, dropped };
}

function badTagTotal(stats: WorkerStats | null): number {
  return (stats?.transforms ?? []).reduce((sum, t) => sum + (t.dropped['bad-tag'] ?? 0), 0);
}

/**
 * End-to-end encryption of one participation: this browser's identity, the
 * E2EE worker (every frame in and out), and the KeyManager that exchanges
 * keys with the other members through signaling. Gives MeetingClient its
 * transform hooks; follows the client's room events. One session per join;
 * `close()` is idempotent and also happens when the meeting ends.
 */
export class E2eeSession extends TypedEmitter<E2eeSessionEvents> {
  readonly #worker: E2eeWorkerClient;
  readonly #identity: LocalIdentity;
  readonly #linkSecret: string | null;
  readonly #logger: Logger;
  readonly #createKeyManager: (options: SessionKeyManagerOptions) => KeyManagerLike;
  /** The room code comes from the MLS group's epoch, not from the identity keys. */
  #groupRoomCode = false;
  /** Messages between hosts and people waiting, sealed with this identity (not the meeting's keys). */
  readonly #lobbyChat: LobbyChat;
  readonly #now: () => number;
  readonly #members = new Map<string, MemberInfo>();
  readonly #rejected = new Map<string, RejectReason>();
  readonly #linkChecks = new Map<string, LinkCheck>();
  readonly #pairCodes = new Map<string, string>();
  readonly #keyRequestAt = new Map<string, number>();
  readonly #detach: Array<() => void> = [];
  #client: MeetingClient | null = null;
  #self: MemberInfo | null = null;
  #keyManager: KeyManagerLike | null = null;
  #keyRelay: KeyRelayBatcher | null = null;
  #roomCode: string | null = null;
  #codesGeneration = 0;
  #stats: WorkerStats | null = null;
  #badTagSeen = 0;
  #badTagDelta = 0;
  #chat: readonly ChatEntry[] = [];
  #chatQueue: Promise<unknown> = Promise.resolve();
  #chatSeq = 0;
  #failure: string | null = null;
  #pollTimer: ReturnType<typeof setInterval> | null = null;
  #snapshot: E2eeSnapshot;
  #closed = false;

  /** Checks the browser, makes the identity and starts the worker; throws E2eeSessionError. */
  static async create(options: E2eeSessionOptions): Promise<E2eeSession> {
    const mode = detectTransformMode(options.environment);
    if (mode === null) {
      throw new E2eeSessionError('unsupported', 'no encoded transform API in this browser');
    }
    const logger = options.logger ?? silentLogger;
    let identity: LocalIdentity;
    try {
      const make = options.createIdentity ?? createLocalIdentity;
      identity = await make(options.linkSecret !== null ? { linkSecret: options.linkSecret } : {});
    } catch (error) {
      throw new E2eeSessionError('identity-failed', 'could not make the identity keys', { cause: error });
    }
    const worker = new E2eeWorkerClient({
      mode,
      logger,
      ...(options.worker ? { worker: options.worker } : {}),
    });
    try {
      await worker.ready;
    } catch (error) {
      worker.close();
      throw new E2eeSessionError('worker-failed', 'the E2EE worker did not start', { cause: error });
    }
    return new E2eeSession(options, worker, identity, logger);
  }

  private constructor(
    options: E2eeSessionOptions,
    worker: E2eeWorkerClient,
    identity: LocalIdentity,
    logger: Logger,
  ) {
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#worker = worker;
    this.#identity = identity;
    this.#linkSecret = options.linkSecret;
    this.#logger = logger;
    this.#now = options.now ?? (() => performance.now());
    const agreement = options.keyAgreement ?? 'mls';
    this.#createKeyManager = options.createKeyManager ?? ((o) => createKeyManager(agreement, o));
    this.#lobbyChat = new LobbyChat({ identity, linkSecret: options.linkSecret, logger });
    this.#snapshot = this.#buildSnapshot();
    worker.on('failure', (message) => this.#fail(`worker: ${message}`));
    worker.on('keyRequest', ({ memberId, epoch }) => this.#requestKey(memberId, epoch));
    worker.on('senderKeyInstalled', () => void this.#pollStats());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mode(): TransformMode {
    return this.#worker.mode;
  }

  /** What goes into `join`: our identity public keys (with the link MAC when the link has a secret). */
  get publicKeys(): IdentityKeys {
    return this.#identity.publicKeys;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('change', onChange);
  readonly getSnapshot = (): E2eeSnapshot => this.#snapshot;

  /** The lobby chat of this participation (hosts and the people waiting). */
  get lobbyChat(): LobbyChat {
    return this.#lobbyChat;
  }

  /** The hooks for MeetingClient: every sender and receiver gets its transform before any frame. */
  get hooks(): MediaTransformHooks {
    return {
      transportSettings: transportSettingsFor(this.#worker.mode),
      onRtpSender: (sender, source) => this.#attachSender(sender, source),
      onRtpReceiver: (receiver, info) => this.#attachReceiver(receiver, info),
    };
  }

  /** Follows one MeetingClient (one join). Its end closes this session. */
  attach(client: MeetingClient): void {
    if (this.#closed) {
      throw new Error('the E2EE session is closed');
    }
    if (this.#client !== null) {
      throw new TypeError('an E2EE session follows one meeting client');
    }
    this.#client = client;
    this.#lobbyChat.attach(client);
    this.#detach.push(
      client.on('joined', ({ self, members }) => this.#start(self, members)),
      client.on('memberJoined', (member) => this.#memberJoined(member)),
      client.on('memberLeft', (memberId) => this.#memberLeft(memberId)),
      client.on('keyEnvelope', ({ from, envelope }) => {
        this.#keyManager?.receiveEnvelope(from, envelope).catch((error: unknown) => {
          this.#logger.warn(`key envelope from ${from} not processed`, error);
        });
      }),
      client.on('chatMessage', (message) => this.#receiveChat(message)),
      ...followMlsEvents(
        client,
        () => this.#keyManager,
        (what, error) => this.#logger.warn(`e2ee: MLS ${what} not processed`, error),
      ),
      client.on('state', (state) => {
        if (state.phase.name === 'ended') {
          this.close();
        }
      }),
    );
  }

  /**
   * Seals the committee secret to one member (pairwise, like sender keys).
   * False when nothing was sent: not started yet, or the member is unknown
   * or failed the identity checks.
   */
  async shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    const keyManager = this.#keyManager;
    if (this.#closed || keyManager === null || !this.#members.has(memberId)) {
      return false;
    }
    return keyManager.shareCommitteeSecret(memberId, secret);
  }

  /** Seals and sends a chat message; throws on an empty or too long text, or when sending fails. */
  async sendChat(raw: string): Promise<void> {
    const checked = checkChatText(raw);
    if (!checked.ok) {
      throw new TypeError(`chat text refused: ${checked.reason}`);
    }
    const keyManager = this.#keyManager;
    const client = this.#client;
    const self = this.#self;
    if (this.#closed || keyManager === null || client === null || self === null) {
      throw new Error('not in a meeting');
    }
    const ciphertext = await keyManager.sealChat(checked.text);
    const sentAt = await client.sendChat(ciphertext);
    this.#addChat({
      id: `chat-${++this.#chatSeq}`,
      state: 'ok',
      from: self.memberId,
      fromName: self.displayName,
      own: true,
      text: checked.text,
      sentAt,
    });
  }

  // ---- test hooks (window.__meeting) ----------------------------------------

  async getE2eeStats(): Promise<E2eeStatsReport> {
    await this.#pollStats();
    const stats = this.#stats;
    return {
      mode: this.#worker.mode,
      status: this.#snapshot.status,
      senderEpoch: stats?.senderEpoch ?? null,
      receivers: stats?.receivers ?? [],
      transforms: (stats?.transforms ?? []).map((t) => ({ ...t, source: SOURCE_OF_KIND[t.kind] })),
      keyManager: this.#keyManagerStatus(),
      rejected: [...this.#rejected].map(([memberId, reason]) => ({ memberId, reason })),
      counters: this.#snapshot.counters,
    };
  }

  getSafetyCodes(): SafetyCodesReport {
    const members: Record<string, string | null> = {};
    for (const member of this.#members.values()) {
      members[member.memberId] = this.#pairCodes.get(member.memberId) ?? null;
    }
    return { room: this.#roomCode, members };
  }

  /** A request only the test build's worker answers (meeting/testHooks.ts: the wrong-key control). */
  requestWorkerForTest(make: (requestId: number) => { type: string; requestId: number }): Promise<boolean> {
    return this.#worker.requestForTest(make);
  }

  /** The worker's oracle: would this frame (base64) authenticate under our keys for that member? */
  tryDecrypt(memberId: string, codec: string, frameBase64: string): Promise<TryDecryptResult> {
    return this.#worker.tryDecrypt(memberId, codec, base64ToBuffer(frameBase64));
  }

  /** Idempotent: stops the key exchange and the worker (no frame flows in or out after this). */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    if (this.#pollTimer !== null) {
      clearInterval(this.#pollTimer);
      this.#pollTimer = null;
    }
    for (const undo of this.#detach.splice(0)) {
      undo();
    }
    this.#keyManager?.close();
    this.#keyManager = null;
    this.#keyRelay?.close();
    this.#keyRelay = null;
    this.#worker.close();
    this.#lobbyChat.close();
    this.#client = null;
    this.removeAllListeners();
  }

  // ---- membership and keys ----------------------------------------------------

  #start(self: MemberInfo, members: readonly MemberInfo[]): void {
    if (this.#closed || this.#keyManager !== null) {
      return;
    }
    this.#self = self;
    for (const member of members) {
      this.#members.set(member.memberId, member);
    }
    const client = this.#client;
    // A key change's envelopes go out together (relayKeys), not one request each.
    const keyRelay = new KeyRelayBatcher({
      relay: (envelopes) => {
        if (client === null || client.closed) {
          return Promise.reject(new Error('not in a meeting'));
        }
        return client.relayKeys(envelopes);
      },
      isRetryable: (error) =>
        error instanceof MeetingError && (error.reason === 'rate-limited' || error.reason === 'busy'),
    });
    this.#keyRelay = keyRelay;
    const keyManager = this.#createKeyManager({
      self,
      identity: this.#identity,
      ...(this.#linkSecret !== null ? { linkSecret: this.#linkSecret } : {}),
      send: (to, envelope) => keyRelay.send(to, envelope),
      transport: mlsTransportOf(client!),
    });
    this.#keyManager = keyManager;
    // Keys in these events are ours: handed to the worker, then wiped here.
    this.#detach.push(
      keyManager.on('senderKey', ({ epoch, key }) => {
        this.#worker.setSenderKey(epoch, key);
        key.fill(0);
      }),
      keyManager.on('receiverKey', ({ memberId, senderIndex, epoch, key }) => {
        if (this.#members.has(memberId)) {
          this.#worker.setReceiverKey(memberId, senderIndex, epoch, key);
          if (this.#rejected.delete(memberId)) {
            this.#update();
          }
        }
        key.fill(0);
      }),
      keyManager.on('receiverRemoved', ({ memberId }) => this.#worker.removeReceiver(memberId)),
      keyManager.on('roomCode', (code) => {
        this.#groupRoomCode = true;
        if (code !== this.#roomCode) {
          this.#roomCode = code;
          this.#update();
        }
      }),
      keyManager.on('committeeSecret', ({ memberId, secret }) => {
        if (this.#members.has(memberId)) {
          this.emit('committeeSecret', { from: memberId, secret: Uint8Array.from(secret) });
        }
        secret.fill(0);
      }),
      keyManager.on('rejected', ({ memberId, reason }) => {
        if (memberId === self.memberId) {
          // Our own key agreement gave up (MLS: re-joined too often without catching up).
          this.#fail('the group keys could not be agreed');
          return;
        }
        // A late or replayed envelope, or one from a member who just left, is no attack sign.
        if (reason === 'stale' || reason === 'unknown-member' || !this.#members.has(memberId)) {
          this.#logger.debug(`e2ee: ${reason} from member ${memberId}`);
          return;
        }
        // Said once per member and reason: a refused member keeps asking for keys.
        if (this.#rejected.get(memberId) !== reason) {
          this.#logger.warn(`e2ee: ${reason} from member ${memberId}`);
          this.#rejected.set(memberId, reason);
          this.#update();
        }
      }),
    );
    keyManager.start([...this.#members.values()]).catch((error: unknown) => {
      this.#logger.error('e2ee key distribution failed to start', error);
      this.#fail('key distribution failed to start');
    });
    this.#pollTimer = setInterval(() => void this.#pollStats(), STATS_POLL_MS);
    this.#recomputeCodes();
    this.#update();
  }

  #memberJoined(member: MemberInfo): void {
    if (this.#closed || this.#self === null) {
      return;
    }
    this.#members.set(member.memberId, member);
    this.#keyManager?.memberJoined(member).catch((error: unknown) => {
      this.#logger.warn(`e2ee: could not add member ${member.memberId}`, error);
    });
    this.#recomputeCodes();
    this.#update();
  }

  #memberLeft(memberId: string): void {
    if (this.#closed) {
      return;
    }
    this.#members.delete(memberId);
    this.#rejected.delete(memberId);
    this.#linkChecks.delete(memberId);
    this.#pairCodes.delete(memberId);
    this.#keyRequestAt.delete(memberId);
    // At once here, whatever the KeyManager does: a leaver's frames are no longer accepted.
    this.#worker.removeReceiver(memberId);
    this.#keyManager?.memberLeft(memberId).catch((error: unknown) => {
      this.#logger.warn(`e2ee: could not remove member ${memberId}`, error);
    });
    this.#recomputeCodes();
    this.#update();
  }

  #requestKey(memberId: string, epoch: number): void {
    const keyManager = this.#keyManager;
    if (keyManager === null || !this.#members.has(memberId)) {
      return;
    }
    const now = this.#now();
    const last = this.#keyRequestAt.get(memberId);
    if (last !== undefined && now - last < KEY_REQUEST_MIN_INTERVAL_MS) {
      return;
    }
    this.#keyRequestAt.set(memberId, now);
    keyManager.requestKey(memberId, epoch).catch((error: unknown) => {
      this.#logger.warn(`e2ee: key request to ${memberId} failed`, error);
    });
  }

  // ---- transforms -------------------------------------------------------------

  #attachSender(sender: RTCRtpSender, source: MediaSource): void {
    const self = this.#self;
    if (this.#closed || this.#failure !== null || self === null) {
      // Thrown inside produce(): the producer is refused, nothing is sent.
      throw new Error(`no send transform: ${this.#failure ?? (self === null ? 'not joined' : 'closed')}`);
    }
    this.#worker.attachSender(sender, {
      kind: trackKindOf(source),
      codec: protectableCodecOf(SEND_CODEC_MIME_TYPES[source]),
      senderIndex: self.senderIndex,
    });
  }

  #attachReceiver(receiver: RTCRtpReceiver, info: RtpReceiverInfo): void {
    if (this.#closed) {
      throw new Error('no receive transform: the E2EE session is closed');
    }
    this.#worker.attachReceiver(receiver, {
      kind: trackKindOf(info.source),
      // A codec the worker cannot open gets a transform that drops everything.
      codec: info.mimeType === null ? null : protectableCodecOf(info.mimeType),
      memberId: info.memberId,
      senderIndex: info.senderIndex,
    });
  }

  // ---- chat -------------------------------------------------------------------

  #receiveChat(message: { from: string; ciphertext: string; sentAt: number }): void {
    const keyManager = this.#keyManager;
    if (keyManager === null) {
      return;
    }
    const fromName = this.#members.get(message.from)?.displayName ?? null;
    // One at a time, so messages show in the order they arrived.
    this.#chatQueue = this.#chatQueue
      .then(async () => {
        let opened: OpenChatResult;
        try {
          opened = await keyManager.openChat(message.from, message.ciphertext);
        } catch {
          opened = { ok: false, reason: 'error' };
        }
        if (this.#closed) {
          return;
        }
        const id = `chat-${++this.#chatSeq}`;
        this.#addChat(
          opened.ok
            ? {
                id,
                state: 'ok',
                from: message.from,
                fromName,
                own: false,
                text: receivedText(opened.text),
                sentAt: message.sentAt,
              }
            : {
                id,
                state: 'failed',
                from: message.from,
                fromName,
                own: false,
                reason: opened.reason,
                sentAt: message.sentAt,
              },
        );
      })
      .catch((error: unknown) => this.#logger.warn('chat message not processed', error));
  }

  #addChat(entry: ChatEntry): void {
    this.#chat = appendChat(this.#chat, entry);
    this.#update();
    this.emit('chat', entry);
  }

  // ---- state --------------------------------------------------------------------

  async #pollStats(): Promise<void> {
    if (this.#closed) {
      return;
    }
    try {
      this.#stats = await this.#worker.getStats();
    } catch (error) {
      if (!this.#closed) {
        this.#logger.debug('e2ee stats unavailable', error);
      }
      return;
    }
    const badTags = badTagTotal(this.#stats);
    this.#badTagDelta = Math.max(0, badTags - this.#badTagSeen);
    this.#badTagSeen = badTags;
    this.#update();
  }

  #recomputeCodes(): void {
    const generation = ++this.#codesGeneration;
    const own = this.#identity.publicKeys;
    const members = [...this.#members.values()];
    const linkSecret = this.#linkSecret;
    void (async () => {
      try {
        const room = await roomSafetyCode([own, ...members.map((m) => m.identity)]);
        const pairs = await Promise.all(members.map((m) => pairSafetyCode(own, m.identity)));
        const links = await Promise.all(
          members.map(async (m): Promise<LinkCheck> => {
            if (linkSecret === null) {
              return 'unchecked';
            }
            return (await verifyLinkMac(m.identity, linkSecret)) ? 'verified' : 'mismatch';
          }),
        );
        if (generation !== this.#codesGeneration || this.#closed) {
          return;
        }
        if (!this.#groupRoomCode) {
          this.#roomCode = room;
        }
        members.forEach((m, i) => {
          this.#pairCodes.set(m.memberId, pairs[i] ?? '');
          this.#linkChecks.set(m.memberId, links[i] ?? 'unchecked');
        });
        this.#update();
      } catch (error) {
        this.#logger.warn('safety codes could not be computed', error);
      }
    })();
  }

  #keyManagerStatus(): KeyManagerStatus | null {
    try {
      return this.#keyManager?.status ?? null;
    } catch {
      return null;
    }
  }

  #fail(message: string): void {
    if (this.#failure !== null || this.#closed) {
      return;
    }
    this.#failure = message;
    this.#update();
  }

  #buildSnapshot(): E2eeSnapshot {
    const stats = this.#stats;
    const transforms = stats?.transforms ?? [];
    const withKeys = new Set(
      (stats?.receivers ?? []).filter((r) => r.epochs.length > 0).map((r) => r.memberId),
    );
    const members = [...this.#members.values()].map((m): MemberE2ee => ({
      memberId: m.memberId,
      hasKey: withKeys.has(m.memberId),
      rejected: this.#rejected.get(m.memberId) ?? null,
      link: this.#linkChecks.get(m.memberId) ?? 'unchecked',
      safetyCode: this.#pairCodes.get(m.memberId) ?? null,
    }));
    const status = deriveE2eeStatus({
      failure: this.#failure !== null,
      started: this.#keyManager !== null,
      rejectedMembers: members.filter((m) => m.rejected !== null).length,
      sendTransforms: transforms.filter((t) => t.role === 'send' && !t.ended),
      remoteMemberIds: members.map((m) => m.memberId),
      membersWithKeys: withKeys,
      pendingAcks: this.#keyManagerStatus()?.pendingAcks ?? 0,
      badTagDelta: this.#badTagDelta,
    });
    return {
      mode: this.#worker.mode,
      linkSecret: this.#linkSecret !== null,
      started: this.#keyManager !== null,
      failure: this.#failure,
      status,
      counters: sumCounters(transforms),
      roomSafetyCode: this.#roomCode,
      members,
      chat: this.#chat,
    };
  }

  #update(): void {
    if (this.#closed) {
      return;
    }
    this.#snapshot = this.#buildSnapshot();
    this.emit('change', this.#snapshot);
  }
}
