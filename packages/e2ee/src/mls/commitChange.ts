import type { KeyPackage } from 'ts-mls';
import type { CommitPlan } from './commitPlan.ts';
import type { MlsGroup, PreparedCommit } from './MlsGroup.ts';
import type { MlsTransport } from './mlsKeyManagerOptions.ts';

export type CommitOutcome =
  /** Signaling accepted it: apply `prepared`, the group is at its epoch + 1. */
  | { kind: 'accepted'; prepared: PreparedCommit }
  /** Another commit came first for that epoch. */
  | { kind: 'stale' }
  /** Not delivered (socket down, refused): nothing changed anywhere. */
  | { kind: 'failed' }
  /** ts-mls refused to make it: a key package's credential fails the checks. */
  | { kind: 'refused-packages' };

/**
 * Makes the commit of `plan` and asks signaling to accept it (with the Welcome for the members it
 * adds). Applies nothing: the caller applies `prepared` once it is still current.
 */
export async function commitChange(
  group: MlsGroup,
  plan: CommitPlan,
  waiting: ReadonlyMap<string, { readonly keyPackage: KeyPackage }>,
  transport: MlsTransport,
): Promise<CommitOutcome> {
  const add = plan.add.map((memberId) => waiting.get(memberId)!.keyPackage);
  let prepared: PreparedCommit;
  try {
    prepared = await group.prepareCommit({ add, remove: plan.remove });
  } catch {
    return { kind: 'refused-packages' };
  }
  try {
    const answer = await transport.commit({
      epoch: prepared.epoch,
      commit: prepared.commit,
      ...(prepared.welcome !== undefined ? { welcome: prepared.welcome } : {}),
      added: prepared.welcome !== undefined ? [...plan.add] : [],
    });
    return answer.accepted ? { kind: 'accepted', prepared } : { kind: 'stale' };
  } catch {
    return { kind: 'failed' };
  }
}
