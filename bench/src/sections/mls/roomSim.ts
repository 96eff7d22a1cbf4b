/**
 * A room on the MLS path, simulated in one process with the product's MLS code
 * (@confidentiel/e2ee/mls over ts-mls): the host commits every change, as the design has it
 * (hosts first), signaling is a counting relay (DsRelay), and a few sampled members process
 * every commit exactly as a browser would (our admission rules, our credential checks with the
 * invite link's MAC) while the others are counted as recipients only. What each simulated
 * member does for a change runs alone under the meter, one await after another: nothing else
 * runs in the process meanwhile.
 *
 * The room is built in one commit (the host adding every key package at once), then settled by
 * one commit of the host with an UpdatePath (what its first Remove does): the tree has the shape
 * the design gives a room, the host's path filled and every other member's path blank. Then each
 * run is a join (a newcomer's key package, the host's Add, the Welcome) and the same member's
 * leave (the host's Remove), so every run starts from the same tree.
 */
import {
  MlsGroup,
  admissionCallback,
  decodeKeyPackage,
  verifyMlsCredential,
  type AdmittedMember,
  type MlsContext,
  type PreparedCommit,
} from '@confidentiel/e2ee/mls';
import { announce, makeKeyPackage, type SimIdentity, type SimMember } from './members.ts';
import { DsRelay, type RelayCount } from './relay.ts';

/** What a step costs, in ms, read before and after it (process CPU time: all threads). */
export type Meter = () => number;

/** One join or leave, measured. */
export interface EventCost {
  /** Members in the room during the change: after the join, before the leave. */
  readonly n: number;
  readonly traffic: RelayCount;
  /** The MLS messages of the change, encoded as the protocol carries them (base64url). */
  readonly wire: {
    readonly keyPackage: string | null;
    readonly commit: string;
    readonly welcome: string | null;
  };
  /** The member who committed (the host). */
  readonly committerId: string;
  /** The host: checks the key package, makes the commit, applies it once accepted. */
  readonly committerMs: number;
  /** Each sampled member: processes the commit under the admission rules. */
  readonly memberMs: readonly number[];
  /** The newcomer: makes its key package, joins from the Welcome (validating the whole tree). */
  readonly newcomerMs: number | null;
  /** One member deriving the SFrame keys of every sender at the new epoch. */
  readonly sframeMs: number;
  readonly senders: number;
}

interface Replica {
  readonly member: SimIdentity;
  readonly group: MlsGroup;
}

/** Indexes of `count` items spread over `length` (both ends included). */
export function spread(length: number, count: number): number[] {
  if (length <= count) {
    return Array.from({ length }, (_, i) => i);
  }
  if (count <= 1) {
    return count === 1 ? [Math.floor((length - 1) / 2)] : [];
  }
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (length - 1)) / (count - 1))))];
}

export class MlsRoomSim {
  readonly #context: MlsContext;
  readonly #meter: Meter;
  readonly #relay = new DsRelay();
  /** The room's admitted members as signaling announced them. */
  readonly #room = new Map<string, AdmittedMember>();
  readonly #host: Replica;
  readonly #sampled: readonly Replica[];
  #newcomer: Replica | undefined;

  private constructor(
    context: MlsContext,
    meter: Meter,
    host: Replica,
    sampled: Replica[],
    members: readonly SimMember[],
  ) {
    this.#context = context;
    this.#meter = meter;
    this.#host = host;
    this.#sampled = sampled;
    for (const member of members) {
      this.#room.set(member.memberId, announce(member));
    }
  }

  /**
   * The room of `members` (the first is the host), built in one commit (not measured), with
   * `samples` members spread over the tree joining from its Welcome.
   */
  static async build(
    members: readonly SimMember[],
    context: MlsContext,
    meter: Meter,
    samples: number,
  ): Promise<MlsRoomSim> {
    const [host, ...others] = members;
    if (host === undefined || host.role !== 'host') {
      throw new TypeError('a simulated room starts with its host');
    }
    const groupId = globalThis.crypto.getRandomValues(new Uint8Array(16));
    const hostGroup = await MlsGroup.create(context, groupId, host.bundle);
    const sampled: Replica[] = [];
    if (others.length > 0) {
      const prepared = await hostGroup.prepareCommit({
        add: others.map((m) => m.bundle.publicPackage),
        remove: [],
      });
      hostGroup.apply(prepared);
      for (const index of spread(others.length, samples)) {
        const member = others[index] as SimMember;
        sampled.push({
          member,
          group: await MlsGroup.join(context, prepared.welcome as string, member.bundle),
        });
      }
    }
    return new MlsRoomSim(context, meter, { member: host, group: hostGroup }, sampled, members);
  }

  /**
   * The host's empty commit (an UpdatePath only), processed by the sampled members; not
   * counted. Before it no parent node is filled, a tree no room has once the host removed
   * anyone (and one a newcomer validates much faster: ts-mls's parent-hash check).
   */
  async settle(): Promise<void> {
    const prepared = await this.#host.group.prepareCommit({ add: [], remove: [] });
    this.#host.group.apply(prepared);
    await this.#processAll(prepared.commit);
    await this.#checkConverged();
  }

  get size(): number {
    return this.#room.size;
  }

  /** The sampled members' ids (those who process every commit). */
  get sampledIds(): string[] {
    return this.#sampled.map((r) => r.member.memberId);
  }

  get hostId(): string {
    return this.#host.member.memberId;
  }

  /** `newcomer` is admitted, publishes its key package; the host adds it; it joins from the Welcome. */
  async join(newcomer: SimIdentity): Promise<EventCost> {
    if (this.#newcomer !== undefined) {
      throw new Error('the previous newcomer has not left yet');
    }
    const host = this.#host;
    const epoch = host.group.epoch;
    let started = this.#meter();
    const bundle = await makeKeyPackage(newcomer, this.#context);
    let newcomerMs = this.#meter() - started;
    this.#room.set(newcomer.memberId, announce(newcomer));
    this.#relay.request('mlsJoin', { keyPackage: bundle.encoded }, { create: false, epoch, keyPackages: [] });
    this.#relay.fanOut(
      'mlsKeyPackage',
      { memberId: newcomer.memberId, keyPackage: bundle.encoded },
      this.#others(newcomer.memberId),
    );

    started = this.#meter();
    const keyPackage = decodeKeyPackage(bundle.encoded);
    if (
      keyPackage === undefined ||
      !(await verifyMlsCredential(
        keyPackage.leafNode.credential,
        keyPackage.leafNode.signaturePublicKey,
        this.#context.linkSecret,
      ))
    ) {
      throw new Error('the newcomer’s key package does not verify');
    }
    const prepared = await host.group.prepareCommit({ add: [keyPackage], remove: [] });
    let committerMs = this.#meter() - started;
    const welcome = prepared.welcome;
    if (welcome === undefined) {
      throw new Error('an Add commit without a Welcome');
    }
    committerMs += this.#commitThrough(host, epoch, prepared, { welcome, added: [newcomer.memberId] });
    this.#relay.fanOut('mlsWelcome', { from: host.member.memberId, epoch: epoch + 1, welcome }, [
      newcomer.memberId,
    ]);

    const memberMs = await this.#processAll(prepared.commit);
    started = this.#meter();
    const group = await MlsGroup.join(this.#context, welcome, bundle);
    newcomerMs += this.#meter() - started;
    this.#newcomer = { member: newcomer, group };
    const sframeMs = await this.#sframe();
    await this.#checkConverged();
    return {
      n: this.#room.size,
      traffic: this.#relay.take(),
      wire: { keyPackage: bundle.encoded, commit: prepared.commit, welcome },
      committerId: host.member.memberId,
      committerMs,
      memberMs,
      newcomerMs,
      sframeMs,
      senders: this.#room.size,
    };
  }

  /**
   * The host's commit through signaling: the mlsCommit request (accepted), the host applying it
   * (timed: returned in ms) and the fan-out to everyone else.
   */
  #commitThrough(
    host: Replica,
    epoch: number,
    prepared: PreparedCommit,
    extra: { welcome?: string; added: string[] },
  ): number {
    this.#relay.request(
      'mlsCommit',
      { epoch, commit: prepared.commit, ...extra },
      { accepted: true, epoch: epoch + 1 },
    );
    const started = this.#meter();
    host.group.apply(prepared);
    const applyMs = this.#meter() - started;
    this.#relay.fanOut(
      'mlsCommit',
      { from: host.member.memberId, epoch, commit: prepared.commit },
      this.#others(host.member.memberId),
    );
    return applyMs;
  }

  /** The last newcomer leaves (signaling tells the room; no MLS message); the host removes its leaf. */
  async leave(): Promise<EventCost> {
    const leaver = this.#newcomer;
    if (leaver === undefined) {
      throw new Error('nobody joined to leave');
    }
    const n = this.#room.size;
    this.#room.delete(leaver.member.memberId);
    this.#newcomer = undefined;
    const host = this.#host;
    const epoch = host.group.epoch;
    const started = this.#meter();
    const leaf = host.group.roster().find((l) => l.claim.memberId === leaver.member.memberId);
    if (leaf === undefined) {
      throw new Error('the leaver has no leaf in the host’s group');
    }
    const prepared = await host.group.prepareCommit({ add: [], remove: [leaf.leafIndex] });
    let committerMs = this.#meter() - started;
    committerMs += this.#commitThrough(host, epoch, prepared, { added: [] });

    const memberMs = await this.#processAll(prepared.commit);
    const sframeMs = await this.#sframe();
    await this.#checkConverged();
    return {
      n,
      traffic: this.#relay.take(),
      wire: { keyPackage: null, commit: prepared.commit, welcome: null },
      committerId: host.member.memberId,
      committerMs,
      memberMs,
      newcomerMs: null,
      sframeMs,
      senders: this.#room.size,
    };
  }

  /** Every admitted member but `memberId`: the sockets of the room's channel a fan-out reaches. */
  #others(memberId: string): string[] {
    return [...this.#room.keys()].filter((id) => id !== memberId);
  }

  /** Each sampled member processes the commit as its browser would; the CPU of each. */
  async #processAll(commit: string): Promise<number[]> {
    const costs: number[] = [];
    for (const replica of this.#sampled) {
      const group = replica.group;
      const started = this.#meter();
      // The view is built when ts-mls asks (inside the measurement): the roster from the tree.
      const view = () => ({
        admitted: this.#room,
        roster: new Map(group.roster().map((leaf) => [leaf.leafIndex, leaf.claim])),
      });
      let refusal: string | undefined;
      const result = await group.process(
        commit,
        admissionCallback(view, (reason) => {
          refusal = reason;
        }),
      );
      costs.push(this.#meter() - started);
      if (!result.ok) {
        throw new Error(
          `member ${replica.member.memberId} refused a commit: ${result.reason} ${refusal ?? ''}`,
        );
      }
    }
    return costs;
  }

  /** One member (a sampled one, else the host) derives every sender's SFrame key of the new epoch. */
  async #sframe(): Promise<number> {
    const replica = this.#sampled[0] ?? this.#host;
    const indexes = [...this.#room.values()].map((m) => m.senderIndex);
    const started = this.#meter();
    const keys = await replica.group.senderKeys(indexes);
    const cost = this.#meter() - started;
    if (keys.size !== indexes.length) {
      throw new Error(`${keys.size} SFrame keys for ${indexes.length} senders`);
    }
    for (const key of keys.values()) {
      key.fill(0);
    }
    return cost;
  }

  /** Every simulated member is at the host's epoch with the same safety code (not measured). */
  async #checkConverged(): Promise<void> {
    const replicas = [this.#host, ...this.#sampled, ...(this.#newcomer ? [this.#newcomer] : [])];
    const codes = await Promise.all(replicas.map((r) => r.group.safetyCode()));
    const epochs = new Set(replicas.map((r) => r.group.epoch));
    if (new Set(codes).size !== 1 || epochs.size !== 1) {
      throw new Error(`the simulated members diverged: epochs ${[...epochs].join(', ')}`);
    }
  }
}
