import {
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackageWithKey,
  joinGroup,
  processMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type IncomingMessageCallback,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
} from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { toLeafIndex } from 'ts-mls/treemath.js';
import type { LocalIdentity } from '../distribution/LocalIdentity.ts';
import { decodeMessage, decodeWelcome, encodeKeyPackage, encodeMessage, encodeWelcome } from './mlsCodec.ts';
import {
  makeMlsCredential,
  mlsAuthenticationService,
  parseMlsCredential,
  type MlsMemberClaim,
} from './MlsCredential.ts';
import { epochSafetyCode, sframeEpochSecret, sframeSenderKey } from './sframeKeys.ts';

/** A key package of this member, with its private keys (kept until the Welcome that uses it). */
export interface MlsKeyPackageBundle {
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
  /** base64url of the MLSMessage, for `mlsJoin`. */
  readonly encoded: string;
}

/** One leaf of the group and who its credential says it is. */
export interface MlsLeaf {
  readonly leafIndex: number;
  readonly claim: MlsMemberClaim;
  /** The leaf's MLS signature public key, hex: tells a member's current leaf from an older one. */
  readonly signatureKey: string;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A commit made but not yet applied: it counts only once the Delivery Service accepted it. */
export interface PreparedCommit {
  /** The epoch it was made in (what `mlsCommit` sends). */
  readonly epoch: number;
  readonly commit: string;
  readonly welcome: string | undefined;
  readonly next: ClientState;
}

export type ProcessResult =
  { ok: true } | { ok: false; reason: 'malformed' | 'refused' | 'invalid' | 'wrong-epoch' };

export interface MlsContext {
  readonly suite: CiphersuiteImpl;
  /** The invite link's secret: every credential must carry its MAC. */
  readonly linkSecret: string | undefined;
}

/**
 * A deep copy of a state: ts-mls changes parts of the state it is given in place while making or
 * processing a commit, so a commit prepared but refused, or one that fails verification, would
 * leave the group's state damaged (seen: the next commit no longer verifies). The configuration
 * (functions) is shared, not copied.
 */
function cloneState(state: ClientState): ClientState {
  const { clientConfig: config, ...rest } = state;
  return { ...structuredClone(rest), clientConfig: config };
}

function clientConfig(linkSecret: string | undefined): ClientConfig {
  return { ...defaultClientConfig, authService: mlsAuthenticationService(linkSecret) };
}

/** A fresh key package for this member: a new Ed25519 leaf key vouched for by the identity key. */
export async function generateMlsKeyPackage(
  claim: MlsMemberClaim,
  identity: LocalIdentity,
  suite: CiphersuiteImpl,
): Promise<MlsKeyPackageBundle> {
  const signatureKeys = await suite.signature.keygen();
  const credential = await makeMlsCredential(claim, identity, signatureKeys.publicKey);
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credential,
    defaultCapabilities(),
    defaultLifetime,
    [],
    signatureKeys,
    suite,
  );
  return { publicPackage, privatePackage, encoded: encodeKeyPackage(publicPackage) };
}

/**
 * This member's view of the room's MLS group (RFC 9420) over ts-mls: its state only moves forward,
 * by a commit the Delivery Service accepted (ours, `apply`) or relayed (others', `process`).
 */
export class MlsGroup {
  readonly #context: MlsContext;
  #state: ClientState;

  private constructor(context: MlsContext, state: ClientState) {
    this.#context = context;
    this.#state = state;
  }

  /** A new group with this member alone, at epoch 0. */
  static async create(
    context: MlsContext,
    groupId: Uint8Array,
    bundle: MlsKeyPackageBundle,
  ): Promise<MlsGroup> {
    const state = await createGroup(
      groupId,
      bundle.publicPackage,
      bundle.privatePackage,
      [],
      context.suite,
      clientConfig(context.linkSecret),
    );
    return new MlsGroup(context, state);
  }

  /** Wraps a state made elsewhere (the bench builds large groups in one commit; tests forge). */
  static fromState(context: MlsContext, state: ClientState): MlsGroup {
    return new MlsGroup(context, state);
  }

  /**
   * Joins from a Welcome (with the ratchet tree inside). Every leaf's credential is checked on the
   * way (ts-mls validates the tree with our authentication service). Throws when it does not open
   * with this key package or does not verify.
   */
  static async join(
    context: MlsContext,
    welcomeText: string,
    bundle: MlsKeyPackageBundle,
  ): Promise<MlsGroup> {
    const welcome = decodeWelcome(welcomeText);
    if (welcome === undefined) {
      throw new TypeError('not an MLS Welcome');
    }
    const state = await joinGroup(
      welcome,
      bundle.publicPackage,
      bundle.privatePackage,
      emptyPskIndex,
      context.suite,
      undefined,
      undefined,
      clientConfig(context.linkSecret),
    );
    return new MlsGroup(context, state);
  }

  get epoch(): number {
    return Number(this.#state.groupContext.epoch);
  }

  get ownLeafIndex(): number {
    return this.#state.privatePath.leafIndex;
  }

  /** Every leaf and its claim (leaves whose credential is not ours are left out: they cannot occur). */
  roster(): MlsLeaf[] {
    const leaves: MlsLeaf[] = [];
    this.#state.ratchetTree.forEach((node, nodeIndex) => {
      if (node?.nodeType === 'leaf') {
        const claim = parseMlsCredential(node.leaf.credential);
        if (claim !== undefined) {
          leaves.push({ leafIndex: nodeIndex / 2, claim, signatureKey: toHex(node.leaf.signaturePublicKey) });
        }
      }
    });
    return leaves;
  }

  /** A commit adding these key packages and removing these leaves (not applied: see PreparedCommit). */
  async prepareCommit(change: {
    add: readonly KeyPackage[];
    remove: readonly number[];
  }): Promise<PreparedCommit> {
    const proposals: Proposal[] = [
      ...change.remove.map((leaf): Proposal => ({
        proposalType: 'remove',
        remove: { removed: toLeafIndex(leaf) },
      })),
      ...change.add.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
    ];
    const result = await createCommit(
      { state: cloneState(this.#state), cipherSuite: this.#context.suite },
      // A PublicMessage (signed, membership-tagged, not encrypted): a commit the Delivery Service
      // refuses as stale is made again from the same state, and an encrypted one would reuse the
      // handshake key and nonce of that generation. Its content is public MLS data anyway (key
      // packages, HPKE-encrypted path secrets), and signaling knows the membership.
      { extraProposals: proposals, ratchetTreeExtension: true, wireAsPublicMessage: true },
    );
    result.consumed.forEach(zeroOutUint8Array);
    return {
      epoch: this.epoch,
      commit: encodeMessage(result.commit),
      welcome: result.welcome === undefined ? undefined : encodeWelcome(result.welcome),
      next: result.newState,
    };
  }

  /** Our commit was accepted by the Delivery Service: the group is now at its epoch + 1. */
  apply(prepared: PreparedCommit): void {
    if (prepared.epoch !== this.epoch) {
      throw new TypeError(`a commit of epoch ${prepared.epoch} cannot apply at epoch ${this.epoch}`);
    }
    this.#state = prepared.next;
  }

  /**
   * Another member's commit, relayed in order. `check` sees its proposals and committer before
   * anything changes and may refuse it (the admission rules); a refused or invalid commit changes
   * nothing. Never throws.
   */
  async process(commitText: string, check: IncomingMessageCallback): Promise<ProcessResult> {
    const message = decodeMessage(commitText);
    if (
      message === undefined ||
      (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message')
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const epoch =
      message.wireformat === 'mls_private_message'
        ? message.privateMessage.epoch
        : message.publicMessage.content.epoch;
    if (epoch !== this.#state.groupContext.epoch) {
      return { ok: false, reason: 'wrong-epoch' };
    }
    try {
      const result = await processMessage(
        message,
        cloneState(this.#state),
        emptyPskIndex,
        check,
        this.#context.suite,
      );
      result.consumed.forEach(zeroOutUint8Array);
      if (result.kind !== 'newState') {
        return { ok: false, reason: 'invalid' };
      }
      if (result.actionTaken === 'reject') {
        return { ok: false, reason: 'refused' };
      }
      this.#state = result.newState;
      return { ok: true };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
  }

  /** The SFrame base key of one sender in the current epoch (RFC 9605 §5.2). */
  async senderKeys(senderIndexes: readonly number[]): Promise<Map<number, Uint8Array>> {
    const secret = await sframeEpochSecret(this.#state, this.#context.suite);
    try {
      const keys = new Map<number, Uint8Array>();
      for (const index of senderIndexes) {
        keys.set(index, await sframeSenderKey(secret, index, this.#context.suite));
      }
      return keys;
    } finally {
      secret.fill(0);
    }
  }

  /** The room's safety code of this epoch (the same on every member's screen). */
  safetyCode(): Promise<string> {
    return epochSafetyCode(this.#state);
  }

  /** The underlying state, for measurements (bench) and tests. */
  get state(): ClientState {
    return this.#state;
  }
}
