import {
  openLobbyChannel,
  openLobbyMessage,
  sealLobbyMessage,
  type LobbyChannelResult,
  type LobbyOpenFailure,
  type LobbyPeerRefusal,
  type LocalIdentity,
} from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import { MAX_LOBBY_MESSAGES_PER_BATCH, type IdentityKeys } from '@confidentiel/protocol';
import { checkChatText, receivedText } from '../../e2ee/chatLog.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import type { MeetingClient, MeetingClientEvents } from '../../media/MeetingClient.ts';
import { MeetingError } from '../../media/MeetingError.ts';
import { isModeratorRole } from '../roles.ts';
import { tokenSubject } from './tokenSubject.ts';

/** Entries kept; the oldest go first. */
export const MAX_LOBBY_CHAT_ENTRIES = 200;
/**
 * Base64url characters of sealed messages in one request: well under the server's message size
 * limit (64 KiB) with the ids and the JSON around them.
 */
export const MAX_LOBBY_BATCH_CHARS = 48_000;

type LobbyMessageEvent = MeetingClientEvents['lobbyMessage'][0];
export type LobbySenderRole = LobbyMessageEvent['fromRole'];

/** Someone on the other side of the lobby chat. */
export interface LobbyPeer {
  readonly memberId: string;
  readonly name: string;
}

export type LobbyChatEntry =
  | {
      readonly id: string;
      readonly kind: 'sent';
      /** Everyone waiting, one person waiting, or (from the lobby) the hosts who wrote. */
      readonly to: 'all' | 'hosts' | LobbyPeer;
      readonly text: string;
      readonly sentAt: number;
      /** Those it did not reach (left the lobby meanwhile, or an identity that failed the checks). */
      readonly undelivered: readonly LobbyPeer[];
    }
  | {
      readonly id: string;
      readonly kind: 'received';
      readonly from: LobbyPeer;
      readonly fromRole: LobbySenderRole;
      readonly text: string;
      readonly sentAt: number;
    }
  /** A message that failed the identity check, the signature or decryption: never shown. */
  | {
      readonly id: string;
      readonly kind: 'failed';
      readonly from: LobbyPeer;
      readonly fromRole: LobbySenderRole;
      readonly reason: LobbyPeerRefusal | LobbyOpenFailure;
      readonly sentAt: number;
    };

export interface LobbyChatSnapshot {
  readonly entries: readonly LobbyChatEntry[];
  /** Hosts who wrote to us while we wait: whom an answer goes to. */
  readonly hosts: readonly LobbyPeer[];
}

export type LobbyChatEvents = {
  change: [LobbyChatSnapshot];
  /** A message for us arrived (opened or failed), for the live region. */
  received: [LobbyChatEntry];
};

export type LobbyChatClient = Pick<MeetingClient, 'on' | 'state' | 'token' | 'sendLobbyMessages'>;

export interface LobbyChatOptions {
  identity: LocalIdentity;
  /** The invite link's secret: every identity is checked against it, as in the meeting. */
  linkSecret: string | null;
  logger?: Logger;
}

interface Recipient extends LobbyPeer {
  readonly identity: IdentityKeys;
}

/**
 * The lobby chat of one participation: a host (or co-host) writes to the people waiting, each
 * copy sealed for its addressee (packages/e2ee LobbyMessage.ts); someone waiting reads them and
 * may answer the hosts who wrote. Senders' identities are checked against the invite link's
 * secret before anything is opened or sealed; a message that fails is kept as failed, its
 * content never shown. In memory only, gone with the page. `close()` is idempotent.
 */
export class LobbyChat extends TypedEmitter<LobbyChatEvents> {
  readonly #identity: LocalIdentity;
  readonly #linkSecret: string | undefined;
  readonly #logger: Logger;
  /** Per peer: the channel made from the identity keys it was made with. */
  readonly #channels = new Map<string, { keys: string; result: Promise<LobbyChannelResult> }>();
  readonly #seen = new Set<string>();
  readonly #hosts = new Map<string, Recipient>();
  #client: LobbyChatClient | null = null;
  #detach: (() => void) | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #seq = 0;
  #snapshot: LobbyChatSnapshot = { entries: [], hosts: [] };
  #closed = false;

  constructor(options: LobbyChatOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#identity = options.identity;
    this.#linkSecret = options.linkSecret ?? undefined;
    this.#logger = logger;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('change', onChange);
  readonly getSnapshot = (): LobbyChatSnapshot => this.#snapshot;

  /** Follows one meeting client (one join). */
  attach(client: LobbyChatClient): void {
    if (this.#client !== null || this.#closed) {
      throw new TypeError('a lobby chat follows one meeting client');
    }
    this.#client = client;
    this.#detach = client.on('lobbyMessage', (message) => {
      // One at a time: messages are shown in the order they came.
      this.#queue = this.#queue
        .then(() => this.#receive(message))
        .catch((error: unknown) => this.#logger.warn('lobby message not processed', error));
    });
  }

  /**
   * Seals `raw` for each addressee and sends it: a host to `to` (one waiting person's id), or to
   * everyone waiting when `to` is undefined; someone waiting to every host who wrote to them. Resolves with the entry
   * added; throws a TypeError for an empty or too long text, a MeetingError when nothing went out.
   */
  async send(raw: string, to?: string): Promise<LobbyChatEntry> {
    const checked = checkChatText(raw);
    if (!checked.ok) {
      throw new TypeError(`lobby message refused: ${checked.reason}`);
    }
    const client = this.#client;
    const selfId = client === null ? null : this.#selfId(client);
    if (this.#closed || client === null || selfId === null) {
      throw new MeetingError('not-joined', 'not in the meeting or its lobby');
    }
    const recipients = this.#recipients(client, to);
    if (recipients.length === 0) {
      throw new MeetingError('not-found', 'nobody to write to');
    }
    const sealed: Array<{ to: string; ciphertext: string }> = [];
    const undelivered: LobbyPeer[] = [];
    for (const recipient of recipients) {
      const channel = await this.#channel(selfId, recipient.memberId, recipient.identity);
      if (channel.ok) {
        sealed.push({
          to: recipient.memberId,
          ciphertext: await sealLobbyMessage(channel.channel, checked.text),
        });
      } else {
        undelivered.push({ memberId: recipient.memberId, name: recipient.name });
      }
    }
    if (sealed.length === 0) {
      throw new MeetingError('not-found', 'no addressee passed the identity checks');
    }
    let sentAt: number | null = null;
    let failure: unknown = null;
    for (const batch of batches(sealed)) {
      try {
        const answer = await client.sendLobbyMessages(batch);
        sentAt ??= answer.sentAt;
        undelivered.push(...recipients.filter((r) => answer.undelivered.includes(r.memberId)));
      } catch (error) {
        failure ??= error;
        undelivered.push(...recipients.filter((r) => batch.some((m) => m.to === r.memberId)));
      }
    }
    if (sentAt === null) {
      throw MeetingError.from(failure);
    }
    const single = to === undefined ? undefined : recipients[0];
    const fromLobby = client.state.phase.name === 'waiting';
    const entry: LobbyChatEntry = {
      id: `lobby-${++this.#seq}`,
      kind: 'sent',
      to: fromLobby
        ? 'hosts'
        : single === undefined
          ? 'all'
          : { memberId: single.memberId, name: single.name },
      text: checked.text,
      sentAt,
      undelivered: undelivered.map(({ memberId, name }) => ({ memberId, name })),
    };
    this.#add(entry);
    return entry;
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#detach?.();
    this.#detach = null;
    this.#channels.clear();
    this.removeAllListeners();
  }

  #selfId(client: LobbyChatClient): string | null {
    return client.state.self?.memberId ?? tokenSubject(client.token);
  }

  #recipients(client: LobbyChatClient, to: string | undefined): Recipient[] {
    const { state } = client;
    if (state.phase.name === 'waiting') {
      return [...this.#hosts.values()];
    }
    if (state.phase.name !== 'joined' || !state.self || !isModeratorRole(state.self.role)) {
      return [];
    }
    return state.lobby
      .filter((entry) => to === undefined || entry.memberId === to)
      .map((entry) => ({ memberId: entry.memberId, name: entry.displayName, identity: entry.identity }));
  }

  /** The channel with a peer, made once per identity keys (a new identity gets a new channel). */
  #channel(selfId: string, peerId: string, keys: IdentityKeys): Promise<LobbyChannelResult> {
    const id = JSON.stringify([keys.ecdh, keys.sign, keys.linkMac ?? null]);
    const known = this.#channels.get(peerId);
    if (known !== undefined && known.keys === id) {
      return known.result;
    }
    const result = openLobbyChannel({
      selfId,
      identity: this.#identity,
      peerId,
      peerKeys: keys,
      linkSecret: this.#linkSecret,
    });
    this.#channels.set(peerId, { keys: id, result });
    return result;
  }

  async #receive(message: LobbyMessageEvent): Promise<void> {
    const client = this.#client;
    const selfId = client === null ? null : this.#selfId(client);
    if (this.#closed || selfId === null) {
      return;
    }
    const from: LobbyPeer = { memberId: message.from, name: message.fromName };
    const base = { from, fromRole: message.fromRole, sentAt: message.sentAt };
    const channel = await this.#channel(selfId, message.from, message.identity);
    if (!channel.ok) {
      this.#received({ id: `lobby-${++this.#seq}`, kind: 'failed', reason: channel.reason, ...base });
      return;
    }
    const opened = await openLobbyMessage(channel.channel, message.ciphertext);
    if (!opened.ok) {
      this.#received({ id: `lobby-${++this.#seq}`, kind: 'failed', reason: opened.reason, ...base });
      return;
    }
    const seenId = `${message.from} ${opened.messageId}`;
    if (this.#seen.has(seenId)) {
      // The same sealed message again (a replay): shown once.
      return;
    }
    this.#seen.add(seenId);
    if (message.fromRole !== 'waiting') {
      this.#hosts.set(message.from, { ...from, identity: message.identity });
    }
    const text = receivedText(opened.text);
    this.#received({ id: `lobby-${++this.#seq}`, kind: 'received', text, ...base });
  }

  #received(entry: LobbyChatEntry): void {
    this.#add(entry);
    this.emit('received', entry);
  }

  #add(entry: LobbyChatEntry): void {
    if (this.#closed) {
      return;
    }
    const entries = [...this.#snapshot.entries, entry].slice(-MAX_LOBBY_CHAT_ENTRIES);
    const hosts = [...this.#hosts.values()].map(({ memberId, name }) => ({ memberId, name }));
    this.#snapshot = { entries, hosts };
    this.emit('change', this.#snapshot);
  }
}

/** Requests of at most MAX_LOBBY_MESSAGES_PER_BATCH messages and MAX_LOBBY_BATCH_CHARS characters. */
function batches<T extends { ciphertext: string }>(messages: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const message of messages) {
    const full =
      current.length === MAX_LOBBY_MESSAGES_PER_BATCH ||
      chars + message.ciphertext.length > MAX_LOBBY_BATCH_CHARS;
    if (full && current.length > 0) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(message);
    chars += message.ciphertext.length;
  }
  if (current.length > 0) {
    out.push(current);
  }
  return out;
}
