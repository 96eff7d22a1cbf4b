import type { MemberRole } from '@confidentiel/protocol';
import type { MlsLeaf } from './MlsGroup.ts';

/** What the group should become: who to add (by their newest key package) and which leaves go. */
export interface CommitPlan {
  /** Members to add: not in the group, or re-added (they lost their state) with a newer package. */
  readonly add: readonly string[];
  /** Leaves to remove: members who left the room, and the old leaves of re-added members. */
  readonly remove: readonly number[];
}

export interface PlanInput {
  readonly roster: readonly MlsLeaf[];
  readonly selfId: string;
  /** Admitted members now (self included) and their roles, as signaling announced them. */
  readonly admitted: ReadonlyMap<string, { readonly role: MemberRole }>;
  /** Members with a key package waiting: member id -> whether it asks to be re-added. */
  readonly waiting: ReadonlyMap<string, { readonly readd: boolean }>;
}

const MODERATORS: ReadonlySet<MemberRole> = new Set(['host', 'co-host']);

/** The change the group needs now (empty when it matches the room). Pure. */
export function planCommit(input: PlanInput): CommitPlan {
  const inGroup = new Map<string, number>();
  for (const leaf of input.roster) {
    inGroup.set(leaf.claim.memberId, leaf.leafIndex);
  }
  const add: string[] = [];
  const remove: number[] = [];
  for (const [memberId, { readd }] of input.waiting) {
    if (memberId === input.selfId || !input.admitted.has(memberId)) {
      continue;
    }
    const leaf = inGroup.get(memberId);
    if (leaf === undefined) {
      add.push(memberId);
    } else if (readd) {
      add.push(memberId);
      remove.push(leaf);
    }
  }
  for (const leaf of input.roster) {
    if (leaf.claim.memberId !== input.selfId && !input.admitted.has(leaf.claim.memberId)) {
      remove.push(leaf.leafIndex);
    }
  }
  return { add, remove };
}

/**
 * Who commits a plan, in order: members of the group still in the room, hosts and co-hosts first
 * (an Add while one of them is in the group must be theirs: see mlsAdmission.ts), then by leaf
 * index. The first commits at once; each next one only if nothing came after its delay (the one
 * before left mid-commit, or its commit was lost), so one commit per change is the rule.
 */
export function committerRank(input: PlanInput, plan: CommitPlan): number | undefined {
  const present = input.roster.filter((leaf) => input.admitted.has(leaf.claim.memberId));
  const isModerator = (leaf: MlsLeaf) => MODERATORS.has(input.admitted.get(leaf.claim.memberId)!.role);
  const moderators = present.filter(isModerator);
  const candidates =
    plan.add.length > 0 && moderators.length > 0
      ? moderators
      : [...present].sort(
          (a, b) => Number(isModerator(b)) - Number(isModerator(a)) || a.leafIndex - b.leafIndex,
        );
  candidates.sort((a, b) => Number(isModerator(b)) - Number(isModerator(a)) || a.leafIndex - b.leafIndex);
  const rank = candidates.findIndex((leaf) => leaf.claim.memberId === input.selfId);
  return rank < 0 ? undefined : rank;
}

export function isEmptyPlan(plan: CommitPlan): boolean {
  return plan.add.length === 0 && plan.remove.length === 0;
}
