import type { MemberInfo } from '@confidentiel/protocol';
import type { CiphersuiteImpl } from 'ts-mls';
import type { LocalIdentity } from '../distribution/LocalIdentity.ts';

/** What the manager needs of signaling, the Delivery Service (`mlsJoin`, `mlsCommit`). */
export interface MlsTransport {
  join(keyPackage: string): Promise<{
    create: boolean;
    epoch: number | null;
    keyPackages: ReadonlyArray<{ memberId: string; keyPackage: string }>;
  }>;
  commit(request: { epoch: number; commit: string; welcome?: string; added: string[] }): Promise<{
    accepted: boolean;
    epoch: number;
  }>;
}

export interface MlsKeyManagerOptions {
  readonly self: MemberInfo;
  readonly identity: LocalIdentity;
  readonly linkSecret?: string;
  readonly transport: MlsTransport;
  /** Pairwise envelopes (the committee secret only). */
  readonly send: (to: string, envelope: string) => Promise<void>;
  readonly suite?: CiphersuiteImpl;
  readonly random?: (n: number) => Uint8Array;
  readonly now?: () => number;
  /** Receivers get a new epoch's keys at once; senders switch this long after. */
  readonly switchDelayMs?: number;
  /** The n-th committer in line commits after n times this (the ones before stayed silent). */
  readonly committerStepMs?: number;
  /** Changes arriving together (a burst of joins) go into one commit. */
  readonly batchDelayMs?: number;
  /** Asked to join and no Welcome came: publish a fresh key package after this. */
  readonly welcomeTimeoutMs?: number;
  /** Frames of a newer epoch than ours and no commit to follow for this long: re-join. */
  readonly behindGraceMs?: number;
}

export const DEFAULT_SWITCH_DELAY_MS = 1_000;
export const DEFAULT_COMMITTER_STEP_MS = 2_000;
export const DEFAULT_BATCH_DELAY_MS = 40;
export const DEFAULT_WELCOME_TIMEOUT_MS = 8_000;
export const DEFAULT_BEHIND_GRACE_MS = 2_000;
/** Re-joins (lost state, no Welcome) in a row before the manager gives up and says so. */
export const MAX_REJOINS = 6;
