import type { WebCryptoKey } from '../webcrypto.ts';
import {
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  verifyEnvelope,
  type EnvelopeMessage,
} from './Envelope.ts';
import type { RejectReason } from './keyManagerContract.ts';
import type { RemoteMember } from './RemoteMember.ts';

/** A member whose messages can be verified (its identity passed the checks), or why they are refused. */
export function trustedMember(member: RemoteMember | undefined): RemoteMember | RejectReason {
  if (member === undefined) {
    return 'unknown-member';
  }
  switch (member.trust) {
    case 'trusted':
      return member;
    case 'bad-link-mac':
      return 'bad-link-mac';
    case 'malformed':
      return 'malformed';
    default: {
      const never: never = member.trust;
      return never;
    }
  }
}

/** Seals `message` from us to a trusted member (its pairwise channel; signed by our identity key). */
export function sealToMember(args: {
  readonly selfId: string;
  readonly member: RemoteMember;
  readonly message: EnvelopeMessage;
  readonly signingKey: WebCryptoKey;
  readonly iv: Uint8Array;
}): Promise<string> {
  return sealEnvelope({
    from: args.selfId,
    to: args.member.info.memberId,
    message: args.message,
    keys: args.member.channel!,
    signingKey: args.signingKey,
    iv: args.iv,
  });
}

/**
 * An envelope relayed from `from`: parsed, its sender trusted, its signature verified, addressed
 * from `from` to us (not replayed from another pair) and opened; or why it is refused.
 */
export async function openFromMember(args: {
  readonly selfId: string;
  readonly from: string;
  readonly member: RemoteMember | undefined;
  readonly text: string;
}): Promise<{ member: RemoteMember; message: EnvelopeMessage } | RejectReason> {
  const envelope = parseEnvelope(args.text);
  if (envelope === undefined) {
    return 'malformed';
  }
  const member = trustedMember(args.member);
  if (typeof member === 'string') {
    return member;
  }
  if (!(await verifyEnvelope(envelope, member.verifyKey!))) {
    return 'bad-signature';
  }
  // Signed by `from`, but perhaps for someone else or replayed from another relation.
  if (envelope.from !== args.from || envelope.to !== args.selfId) {
    return 'malformed';
  }
  const message = await openEnvelope(envelope, member.channel!);
  return typeof message === 'string' ? message : { member, message };
}
