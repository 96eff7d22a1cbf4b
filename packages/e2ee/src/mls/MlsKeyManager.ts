import { TypedEmitter } from '@confidentiel/events';
import type { MemberInfo } from '@confidentiel/protocol';
import type { CiphersuiteImpl } from 'ts-mls';
import { SerialQueue } from '../distribution/SerialQueue.ts';
import { E2eeError } from '../E2eeError.ts';
import type {
  KeyManagerEvents,
  KeyManagerStatus,
  OpenChatResult,
  RejectReason,
} from '../distribution/keyManagerContract.ts';
import type { LocalIdentity } from '../distribution/LocalIdentity.ts';
import { admissionCallback, admittedMember, type AdmittedMember } from './mlsAdmission.ts';
import { decodeKeyPackage } from './mlsCodec.ts';
import { committerRank, isEmptyPlan, planCommit, type PlanInput } from './commitPlan.ts';
import { EpochKeys } from './EpochKeys.ts';
import { generateMlsKeyPackage, MlsGroup, type MlsContext, type MlsKeyPackageBundle } from './MlsGroup.ts';
import { mlsSuite } from './mlsSuite.ts';
import { PeerChannels } from './PeerChannels.ts';
import { keysOfEpoch, settleWaiting, waitingPackage, type Waiting } from './groupEpoch.ts';
import { commitChange } from './commitChange.ts';
import {
  DEFAULT_BATCH_DELAY_MS,
  DEFAULT_BEHIND_GRACE_MS,
  DEFAULT_COMMITTER_STEP_MS,
  DEFAULT_SWITCH_DELAY_MS,
  DEFAULT_WELCOME_TIMEOUT_MS,
  MAX_REJOINS,
  type MlsKeyManagerOptions,
  type MlsTransport,
} from './mlsKeyManagerOptions.ts';
import { OneShotTimer } from './OneShotTimer.ts';

export * from './mlsKeyManagerOptions.ts';

export type MlsKeyManagerEvents = KeyManagerEvents;

/** Commits held while the Welcome that comes before them is opened. */
const MAX_HELD_COMMITS = 64;

/**
 * Group keys for one participation, agreed with MLS (RFC 9420) through signaling as the Delivery
 * Service (docs/adr/0013-mls-group-keys.md). Same events and calls as the pairwise KeyManager, so
 * the web app's E2EE session drives either: every operation runs in arrival order, one at a time.
 *
 * - Joining: publish a key package (`mlsJoin`); make the group when there is none, else wait for
 *   the Welcome a present member commits. Without one in time, publish a fresh package.
 * - Every change (a newcomer's package, a leave) is one commit by the first member in line
 *   (hosts first); the others follow it, under the admission rules, or step in if it never comes.
 * - A commit we cannot follow (missed, refused) means our state is behind: re-join with a fresh
 *   package (the others re-add us). Keys of an epoch go to the worker at once for receiving, and
 *   become our sending key `switchDelayMs` later.
 */
export class MlsKeyManager extends TypedEmitter<MlsKeyManagerEvents> {
  readonly #self: MemberInfo;
  readonly #identity: LocalIdentity;
  readonly #linkSecret: string | undefined;
  readonly #transport: MlsTransport;
  readonly #random: (n: number) => Uint8Array;
  readonly #committerStepMs: number;
  readonly #batchDelayMs: number;
  readonly #welcomeTimeoutMs: number;
  readonly #suite: Promise<CiphersuiteImpl>;
  readonly #admitted = new Map<string, AdmittedMember>();
  readonly #waiting = new Map<string, Waiting>();
  readonly #peers: PeerChannels;
  readonly #keys: EpochKeys;
  #group: MlsGroup | undefined;
  #bundle: MlsKeyPackageBundle | undefined;
  #held: Array<{ from: string; epoch: number; commit: string }> = [];
  #rejoins = 0;
  readonly #planTimer = new OneShotTimer();
  readonly #welcomeTimer = new OneShotTimer();
  readonly #behindTimer = new OneShotTimer();
  readonly #behindGraceMs: number;
  #started = false;
  readonly #queue = new SerialQueue('MlsKeyManager', () => this.#closed);
  #closed = false;

  constructor(options: MlsKeyManagerOptions) {
    super();
    this.#self = options.self;
    this.#identity = options.identity;
    this.#linkSecret = options.linkSecret;
    this.#transport = options.transport;
    this.#random = options.random ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    this.#committerStepMs = options.committerStepMs ?? DEFAULT_COMMITTER_STEP_MS;
    this.#batchDelayMs = options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS;
    this.#welcomeTimeoutMs = options.welcomeTimeoutMs ?? DEFAULT_WELCOME_TIMEOUT_MS;
    this.#behindGraceMs = options.behindGraceMs ?? DEFAULT_BEHIND_GRACE_MS;
    this.#suite = options.suite !== undefined ? Promise.resolve(options.suite) : mlsSuite();
    this.#suite.catch(() => undefined);
    this.#peers = new PeerChannels({
      self: options.self,
      identity: options.identity,
      linkSecret: options.linkSecret,
      send: options.send,
      random: this.#random,
      onRejected: (memberId, reason) => this.#reject(memberId, reason),
      onCommitteeSecret: (memberId, secret) => this.emit('committeeSecret', { memberId, secret }),
    });
    this.#keys = new EpochKeys({
      selfId: options.self.memberId,
      switchDelayMs: options.switchDelayMs ?? DEFAULT_SWITCH_DELAY_MS,
      ...(options.now ? { now: options.now } : {}),
      emit: (event, payload) => {
        if (!this.#closed) {
          (this.emit as (e: string, p: unknown) => void)(event, payload);
        }
      },
    });
    this.#admitted.set(options.self.memberId, admittedMember(options.self));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get status(): KeyManagerStatus {
    return {
      epoch: this.#keys.sendingEpoch ?? 0,
      pendingAcks: this.#group === undefined || this.#keys.switchPending ? 1 : 0,
      knownSenders: this.#keys.knownSenders,
    };
  }

  /** The MLS epoch of our group, or null while we wait for a Welcome. */
  get groupEpoch(): number | null {
    return this.#group?.epoch ?? null;
  }

  start(members: readonly MemberInfo[]): Promise<void> {
    const snapshot = [...members];
    return this.#enqueue(async () => {
      if (this.#started) {
        throw new TypeError('start() was already called');
      }
      this.#started = true;
      for (const member of snapshot) {
        await this.#addMember(member);
      }
      await this.#join();
    });
  }

  memberJoined(member: MemberInfo): Promise<void> {
    return this.#enqueue(async () => {
      await this.#addMember(member);
      this.#schedulePlan();
    });
  }

  /** A member's role changed (who commits Adds depends on it). */
  memberUpdated(member: MemberInfo): Promise<void> {
    return this.#enqueue(() => {
      if (this.#admitted.has(member.memberId)) {
        this.#admitted.set(member.memberId, admittedMember(member));
        this.#schedulePlan();
      }
    });
  }

  memberLeft(memberId: string): Promise<void> {
    return this.#enqueue(() => {
      if (memberId === this.#self.memberId) {
        return;
      }
      this.#admitted.delete(memberId);
      this.#waiting.delete(memberId);
      this.#peers.remove(memberId);
      this.#keys.forget(memberId);
      this.#schedulePlan();
    });
  }

  receiveKeyPackage(memberId: string, text: string): Promise<void> {
    return this.#enqueue(() => {
      const waiting = waitingPackage(memberId, text, this.#group);
      if (waiting === undefined) {
        this.#reject(memberId, 'malformed');
        return;
      }
      this.#waiting.set(memberId, waiting);
      this.#schedulePlan();
    }).catch(() => undefined);
  }

  receiveCommit(from: string, epoch: number, commit: string): Promise<void> {
    return this.#enqueue(() => this.#receiveCommit(from, epoch, commit)).catch(() => undefined);
  }

  receiveWelcome(from: string, welcome: string): Promise<void> {
    return this.#enqueue(async () => {
      const bundle = this.#bundle;
      if (this.#group !== undefined || bundle === undefined) {
        return;
      }
      let group: MlsGroup;
      try {
        group = await MlsGroup.join(await this.#context(), welcome, bundle);
      } catch {
        // Not for our current key package (an older one we replaced): the right one will come.
        return;
      }
      this.#throwIfClosed();
      this.#group = group;
      this.#bundle = undefined;
      this.#rejoins = 0;
      this.#welcomeTimer.clear();
      await this.#enterEpoch({ immediate: true });
      const held = this.#held.filter((c) => c.epoch >= group.epoch).sort((a, b) => a.epoch - b.epoch);
      this.#held = [];
      for (const commit of held) {
        await this.#receiveCommit(commit.from, commit.epoch, commit.commit);
      }
    }).catch(() => undefined);
  }

  /** Signaling's group was reset (its last member left before adding anyone): join anew. */
  reset(): Promise<void> {
    return this.#enqueue(async () => {
      this.#group = undefined;
      await this.#join();
    });
  }

  receiveEnvelope(from: string, envelope: string): Promise<void> {
    return this.#enqueue(() => this.#peers.receive(from, envelope)).catch(() => undefined);
  }

  /**
   * Frames from `memberId` under an epoch we lack. Keys follow the group, so there is nobody to
   * ask; but frames of an epoch beyond ours mean we missed a commit (a lost message): if our group
   * has not caught up after the sender's switch delay, re-join (the others re-add us).
   */
  requestKey(memberId: string, epoch?: number): Promise<void> {
    return this.#enqueue(() => {
      const group = this.#group;
      if (
        group === undefined ||
        epoch === undefined ||
        epoch <= group.epoch ||
        !this.#admitted.has(memberId)
      ) {
        return;
      }
      if (this.#behindTimer.armed) {
        return;
      }
      this.#behindTimer.arm(this.#behindGraceMs, () => {
        this.#enqueue(async () => {
          if (this.#group === group && group.epoch < epoch) {
            await this.#rejoin();
          }
        }).catch(() => undefined);
      });
    }).catch(() => undefined);
  }

  shareCommitteeSecret(memberId: string, secret: Uint8Array): Promise<boolean> {
    const copied = Uint8Array.from(secret);
    return this.#enqueue(async () => {
      try {
        return await this.#peers.shareCommitteeSecret(memberId, copied);
      } finally {
        copied.fill(0);
      }
    });
  }

  sealChat(text: string): Promise<string> {
    return this.#enqueue(() => this.#keys.sealChat(text, this.#identity, this.#random));
  }

  openChat(from: string, ciphertext: string): Promise<OpenChatResult> {
    return this.#enqueue(() => this.#keys.openChat(from, ciphertext, this.#peers, this.#identity)).catch(
      (error: unknown): OpenChatResult => ({
        ok: false,
        reason: error instanceof E2eeError && error.reason === 'closed' ? 'closed' : 'internal',
      }),
    );
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#planTimer.clear();
    this.#welcomeTimer.clear();
    this.#behindTimer.clear();
    this.#keys.close();
    this.#peers.close();
    this.#group = undefined;
    this.#bundle = undefined;
    this.#waiting.clear();
    this.#held = [];
  }

  // ---- internals ------------------------------------------------------------------

  #enqueue<T>(operation: () => T | Promise<T>): Promise<T> {
    return this.#queue.run(operation);
  }

  #throwIfClosed(): void {
    if (this.#closed) {
      throw E2eeError.closed('MlsKeyManager');
    }
  }

  #reject(memberId: string, reason: RejectReason): void {
    if (!this.#closed) {
      this.emit('rejected', { memberId, reason });
    }
  }

  async #context(): Promise<MlsContext> {
    return { suite: await this.#suite, linkSecret: this.#linkSecret };
  }

  async #addMember(member: MemberInfo): Promise<void> {
    if (member.memberId === this.#self.memberId) {
      return;
    }
    this.#admitted.set(member.memberId, admittedMember(member));
    await this.#peers.add(member);
    this.#throwIfClosed();
  }

  /** Publishes a fresh key package; makes the group if signaling has none. */
  async #join(): Promise<void> {
    const context = await this.#context();
    const bundle = await generateMlsKeyPackage(
      {
        memberId: this.#self.memberId,
        senderIndex: this.#self.senderIndex,
        identity: this.#identity.publicKeys,
      },
      this.#identity,
      context.suite,
    );
    this.#throwIfClosed();
    this.#bundle = bundle;
    const answer = await this.#transport.join(bundle.encoded);
    this.#throwIfClosed();
    if (!answer.create) {
      this.#armWelcomeTimer();
      return;
    }
    this.#group = await MlsGroup.create(context, this.#random(16), bundle);
    this.#bundle = undefined;
    for (const { memberId, keyPackage } of answer.keyPackages) {
      const decoded = decodeKeyPackage(keyPackage);
      if (decoded !== undefined && memberId !== this.#self.memberId) {
        this.#waiting.set(memberId, { keyPackage: decoded, readd: false });
      }
    }
    await this.#enterEpoch({ immediate: true });
    this.#schedulePlan();
  }

  /** Our state cannot follow the group any more: ask to be added again. Bounded. */
  async #rejoin(): Promise<void> {
    this.#group = undefined;
    if (++this.#rejoins > MAX_REJOINS) {
      this.emit('rejected', { memberId: this.#self.memberId, reason: 'stale' });
      return;
    }
    await this.#join();
  }

  async #receiveCommit(from: string, epoch: number, commit: string): Promise<void> {
    const group = this.#group;
    if (group === undefined) {
      if (this.#bundle !== undefined && this.#held.length < MAX_HELD_COMMITS) {
        this.#held.push({ from, epoch, commit });
      }
      return;
    }
    if (epoch < group.epoch) {
      return; // a duplicate, or one our Welcome already includes
    }
    if (epoch > group.epoch) {
      await this.#rejoin(); // we missed one
      return;
    }
    const roster = new Map(group.roster().map((leaf) => [leaf.leafIndex, leaf.claim]));
    const admitted = this.#admitted;
    let refusal: string | undefined;
    const result = await group.process(
      commit,
      admissionCallback(
        () => ({ admitted, roster }),
        (reason) => (refusal = reason),
      ),
    );
    this.#throwIfClosed();
    if (!result.ok) {
      this.#reject(from, 'refused-commit');
      void refusal;
      await this.#rejoin();
      return;
    }
    await this.#enterEpoch({ immediate: false });
    this.#schedulePlan();
  }

  /** The group moved to a new epoch: keys to the worker, waiting packages settled, the code. */
  async #enterEpoch(options: { immediate: boolean }): Promise<void> {
    const group = this.#group!;
    settleWaiting(group.roster(), this.#waiting);
    const epoch = await keysOfEpoch(group, this.#admitted);
    this.#throwIfClosed();
    await this.#keys.enterEpoch({ ...epoch, immediate: options.immediate || epoch.members.length <= 1 });
    const code = await group.safetyCode();
    if (!this.#closed && this.#group === group) {
      this.emit('roomCode', code);
    }
  }

  /** The group as it is and the room as signaling announced it: what a commit plan starts from. */
  #planInput(group: MlsGroup): PlanInput {
    return {
      roster: group.roster(),
      selfId: this.#self.memberId,
      admitted: this.#admitted,
      waiting: this.#waiting,
    };
  }

  #schedulePlan(): void {
    this.#planTimer.clear();
    const group = this.#group;
    if (group === undefined || this.#closed) {
      return;
    }
    const input = this.#planInput(group);
    const plan = planCommit(input);
    const rank = isEmptyPlan(plan) ? undefined : committerRank(input, plan);
    if (rank === undefined) {
      return;
    }
    this.#planTimer.arm(this.#batchDelayMs + rank * this.#committerStepMs, () => {
      this.#enqueue(() => this.#commit()).catch(() => undefined);
    });
  }

  async #commit(): Promise<void> {
    const group = this.#group;
    if (group === undefined) {
      return;
    }
    const plan = planCommit(this.#planInput(group));
    if (isEmptyPlan(plan)) {
      return;
    }
    const outcome = await commitChange(group, plan, this.#waiting, this.#transport);
    this.#throwIfClosed();
    if (outcome.kind === 'refused-packages') {
      // Packages ts-mls refuses (a credential that fails the checks): their owners may publish others.
      for (const memberId of plan.add) {
        this.#reject(memberId, 'malformed');
        this.#waiting.delete(memberId);
      }
      this.#schedulePlan();
      return;
    }
    if (outcome.kind === 'failed' || outcome.kind === 'stale') {
      // Not sent, or another commit came first (on its way to us): plan again after a step.
      this.#retryLater();
      return;
    }
    const { prepared } = outcome;
    if (this.#group !== group || group.epoch !== prepared.epoch) {
      return;
    }
    group.apply(prepared);
    await this.#enterEpoch({ immediate: false });
    this.#schedulePlan();
  }

  #retryLater(): void {
    this.#planTimer.arm(this.#committerStepMs, () => {
      this.#enqueue(() => this.#schedulePlan()).catch(() => undefined);
    });
  }

  #armWelcomeTimer(): void {
    this.#welcomeTimer.arm(this.#welcomeTimeoutMs, () => {
      this.#enqueue(async () => {
        if (this.#group === undefined) {
          await this.#rejoin();
        }
      }).catch(() => undefined);
    });
  }
}
