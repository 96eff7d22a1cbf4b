import type { MemberRole } from '@confidentiel/protocol';
import { createLocalIdentity, type LocalIdentity } from '../../src/index.ts';
import type { MlsGroup } from '../../src/mls/index.ts';
import {
  admissionCallback,
  generateMlsKeyPackage,
  mlsSuite,
  type AdmissionRefusal,
  type AdmittedMember,
  type MlsContext,
  type MlsKeyPackageBundle,
  type ProcessResult,
} from '../../src/mls/index.ts';

export const LINK_SECRET = 'c2VjcmV0LW9mLXRoZS1pbnZpdGUtbGluay0xMjM0NTY';

/** A member's browser, as the MLS part of it: identity, key package, group, the room as announced. */
export interface TestMember {
  readonly memberId: string;
  readonly senderIndex: number;
  readonly role: MemberRole;
  readonly identity: LocalIdentity;
  bundle: MlsKeyPackageBundle;
  group: MlsGroup | undefined;
  readonly refusals: AdmissionRefusal[];
}

/** `null`: a link without a secret (the checks then rest on the identity signature alone). */
export async function context(linkSecret: string | null = LINK_SECRET): Promise<MlsContext> {
  return { suite: await mlsSuite(), linkSecret: linkSecret ?? undefined };
}

export async function makeMember(
  memberId: string,
  senderIndex: number,
  role: MemberRole,
  linkSecret: string | null = LINK_SECRET,
): Promise<TestMember> {
  const identity = await createLocalIdentity(linkSecret === null ? {} : { linkSecret });
  const bundle = await generateMlsKeyPackage(
    { memberId, senderIndex, identity: identity.publicKeys },
    identity,
    await mlsSuite(),
  );
  return { memberId, senderIndex, role, identity, bundle, group: undefined, refusals: [] };
}

export function announced(members: readonly TestMember[]): Map<string, AdmittedMember> {
  return new Map(
    members.map((m) => [
      m.memberId,
      { memberId: m.memberId, senderIndex: m.senderIndex, identity: m.identity.publicKeys, role: m.role },
    ]),
  );
}

/** `member` processes a commit under the admission rules, with `admitted` as signaling announced it. */
export function processAs(
  member: TestMember,
  commit: string,
  admitted: ReadonlyMap<string, AdmittedMember>,
): Promise<ProcessResult> {
  const group = member.group!;
  const roster = new Map(group.roster().map((leaf) => [leaf.leafIndex, leaf.claim]));
  return group.process(
    commit,
    admissionCallback(
      () => ({ admitted, roster }),
      (reason) => member.refusals.push(reason),
    ),
  );
}

export function hex(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}
