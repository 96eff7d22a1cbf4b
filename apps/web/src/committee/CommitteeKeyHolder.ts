import { committeeSecretBytes, committeeSecretText, newCommitteeSecret } from '@confidentiel/e2ee';
import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo, MemberRole } from '@confidentiel/protocol';
import { silentLogger, type Logger } from '../logger.ts';
import type { MeetingClient } from '../media/MeetingClient.ts';
import type { E2eeSession } from '../e2ee/E2eeSession.ts';

/** Roles that receive the committee secret: the committee's members, not its observers. */
const ENTITLED: ReadonlySet<MemberRole> = new Set<MemberRole>(['host', 'co-host', 'participant']);
/** Roles that hand it out (to members a host let in). */
const KEEPERS: ReadonlySet<MemberRole> = new Set<MemberRole>(['host', 'co-host']);
/**
 * A host whose browser has no committee secret waits this long for a host
 * or co-host present to hand it one, before making a new one (the same
 * organiser may be in the meeting from another device that holds it).
 */
export const GENERATE_AFTER_MS = 3_000;

/**
 * - `not-committee`: not a committee session (no committee state).
 * - `not-entitled`: an observer: the record is for the committee's members.
 * - `waiting`: entitled, but no host holding the secret has handed it yet.
 * - `held`: the secret is here; minutes and recordings can be opened.
 */
export type CommitteeKeyStatus = 'not-committee' | 'not-entitled' | 'waiting' | 'held';

export interface CommitteeKeySnapshot {
  readonly status: CommitteeKeyStatus;
  /** base64url; null unless `held`. */
  readonly secret: string | null;
}

export type CommitteeKeyHolderEvents = { change: [CommitteeKeySnapshot] };

/** Where the organiser's browser keeps each meeting's committee secret (none for guests). */
export interface CommitteeSecretKeeping {
  load(): string | null;
  save(secret: string): void;
}

export interface CommitteeKeyHolderOptions {
  client: Pick<MeetingClient, 'state' | 'committee' | 'on'>;
  session: Pick<E2eeSession, 'shareCommitteeSecret' | 'on'>;
  /** The organiser's keeping (their `/h/` page); null for anyone else, who keeps it in memory only. */
  keeping: CommitteeSecretKeeping | null;
  logger?: Logger;
  newSecret?: () => string;
  setTimer?: (callback: () => void, ms: number) => () => void;
}

const defaultTimer = (callback: () => void, ms: number): (() => void) => {
  const timer = setTimeout(callback, ms);
  return () => clearTimeout(timer);
};

/**
 * The committee secret of one meeting in this browser: the key of its
 * minutes and recordings, never in a link and never on the server.
 *
 * - The organiser's browser made it (and keeps it: `keeping`). Any host or
 *   co-host holding it hands it, sealed end to end in a pairwise envelope
 *   (E2eeSession), to every member with a committee role present in the
 *   room — signaling delivers envelopes to admitted members only, so nobody
 *   in the lobby or refused at the door ever gets it — and to each member
 *   admitted later, and to an observer made participant.
 * - It is taken only from a member whose role is host or co-host and whose
 *   identity passed the link check; a second, different secret is refused
 *   (logged): the first one stays.
 * - A host with no secret here waits GENERATE_AFTER_MS for one, then makes
 *   one and keeps it (a meeting created before committee secrets existed,
 *   or prepared on another device).
 *
 * Plain object; React renders `snapshot`. `close()` is idempotent.
 */
export class CommitteeKeyHolder extends TypedEmitter<CommitteeKeyHolderEvents> {
  readonly #options: CommitteeKeyHolderOptions;
  readonly #logger: Logger;
  readonly #shared = new Set<string>();
  readonly #detach: Array<() => void> = [];
  #secret: string | null = null;
  #snapshot: CommitteeKeySnapshot = { status: 'not-committee', secret: null };
  #cancelTimer: (() => void) | null = null;
  #joined = false;
  #closed = false;

  constructor(options: CommitteeKeyHolderOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error(`listener of ${String(event)} threw`, error));
    this.#options = options;
    this.#logger = logger;
    const loaded = options.keeping?.load() ?? null;
    if (loaded !== null && committeeSecretBytes(loaded) !== undefined) {
      this.#secret = loaded;
    }
    const { client, session } = options;
    this.#detach.push(
      client.on('joined', () => {
        this.#joined = true;
        this.#refresh();
      }),
      client.on('memberJoined', () => this.#refresh()),
      client.on('state', () => this.#refresh()),
      client.on('committeeState', () => this.#refresh()),
      session.on('committeeSecret', ({ from, secret }) => this.#received(from, secret)),
    );
    this.#refresh();
  }

  get snapshot(): CommitteeKeySnapshot {
    return this.#snapshot;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (onChange: () => void): (() => void) => this.on('change', onChange);
  readonly getSnapshot = (): CommitteeKeySnapshot => this.#snapshot;

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    for (const off of this.#detach.splice(0)) {
      off();
    }
    this.#secret = null;
    this.#shared.clear();
    this.removeAllListeners();
  }

  #selfRole(): MemberRole | null {
    return this.#options.client.state.self?.role ?? null;
  }

  #status(): CommitteeKeyStatus {
    const role = this.#selfRole();
    if (this.#options.client.committee === null) {
      return 'not-committee';
    }
    if (role !== null && !ENTITLED.has(role)) {
      return 'not-entitled';
    }
    return this.#secret === null ? 'waiting' : 'held';
  }

  #refresh(): void {
    if (this.#closed) {
      return;
    }
    const status = this.#status();
    const secret = status === 'held' ? this.#secret : null;
    if (status !== this.#snapshot.status || secret !== this.#snapshot.secret) {
      this.#snapshot = { status, secret };
      this.emit('change', this.#snapshot);
    }
    if (status === 'held') {
      this.#shareWithMembers();
    } else if (status === 'waiting') {
      this.#maybeGenerateLater();
    }
  }

  /** Hands the secret to every entitled member present who has not had it from us. */
  #shareWithMembers(): void {
    const role = this.#selfRole();
    const bytes = this.#secret === null ? undefined : committeeSecretBytes(this.#secret);
    if (role === null || !KEEPERS.has(role) || bytes === undefined) {
      return;
    }
    const present = new Set<string>();
    for (const member of this.#options.client.state.members) {
      present.add(member.memberId);
      if (!ENTITLED.has(member.role) || this.#shared.has(member.memberId)) {
        continue;
      }
      this.#shared.add(member.memberId);
      this.#options.session.shareCommitteeSecret(member.memberId, bytes).then(
        (sent) => {
          if (!sent) {
            // Not a peer yet (its join is still being processed) or not trusted: tried again later.
            this.#shared.delete(member.memberId);
          }
        },
        (error: unknown) => {
          this.#shared.delete(member.memberId);
          this.#logger.warn(`committee secret not sent to ${member.memberId}`, error);
        },
      );
    }
    for (const memberId of this.#shared) {
      if (!present.has(memberId)) {
        this.#shared.delete(memberId);
      }
    }
  }

  #received(from: string, bytes: Uint8Array): void {
    try {
      if (this.#closed) {
        return;
      }
      const sender: MemberInfo | undefined = this.#options.client.state.members.find(
        (m) => m.memberId === from,
      );
      if (sender === undefined || !KEEPERS.has(sender.role)) {
        this.#logger.warn(`committee secret refused: ${from} is not a host or co-host`);
        return;
      }
      const role = this.#selfRole();
      if (role !== null && !ENTITLED.has(role)) {
        return;
      }
      const text = committeeSecretText(bytes);
      if (this.#secret !== null) {
        if (this.#secret !== text) {
          this.#logger.warn(`a second committee secret from ${from} was refused; the first one stays`);
        }
        return;
      }
      this.#secret = text;
      this.#cancelTimer?.();
      this.#cancelTimer = null;
      // The organiser keeps it to read the record later, even when it came from another device.
      this.#options.keeping?.save(text);
      this.#refresh();
    } finally {
      bytes.fill(0);
    }
  }

  #maybeGenerateLater(): void {
    if (
      this.#cancelTimer !== null ||
      !this.#joined ||
      this.#options.keeping === null ||
      this.#selfRole() !== 'host'
    ) {
      return;
    }
    const setTimer = this.#options.setTimer ?? defaultTimer;
    this.#cancelTimer = setTimer(() => {
      this.#cancelTimer = null;
      if (this.#closed || this.#secret !== null || this.#status() !== 'waiting') {
        return;
      }
      const secret = (this.#options.newSecret ?? newCommitteeSecret)();
      this.#secret = secret;
      this.#options.keeping?.save(secret);
      this.#logger.info('no committee secret was handed to this host: a new one was made and kept');
      this.#refresh();
    }, GENERATE_AFTER_MS);
  }
}
