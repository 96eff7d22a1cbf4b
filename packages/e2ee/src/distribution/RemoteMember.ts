import type { MemberInfo } from '@confidentiel/protocol';
import { subtle, type WebCryptoKey } from '../webcrypto.ts';
import { derivePairwiseKeys, type PairwiseKeys } from './Envelope.ts';
import { decodePublicKey, verifyLinkMac, type LocalIdentity } from './LocalIdentity.ts';

/**
 * Whether a member may receive our keys and be believed:
 * - `trusted`: valid identity keys (and a valid link MAC when the invite link has a secret);
 * - `bad-link-mac`: the link MAC is missing or wrong (perhaps keys substituted by the server);
 * - `malformed`: identity keys that are not P-256 points.
 */
export type MemberTrust = 'trusted' | 'bad-link-mac' | 'malformed';

/** Another member as the key manager sees it: identity, trust and pairwise envelope keys. */
export interface RemoteMember {
  readonly info: MemberInfo;
  readonly trust: MemberTrust;
  /** Set when trusted. */
  readonly verifyKey: WebCryptoKey | undefined;
  /** Set when trusted. */
  readonly channel: PairwiseKeys | undefined;
}

export async function admitMember(args: {
  readonly self: MemberInfo;
  readonly identity: LocalIdentity;
  readonly selfEcdhRaw: Uint8Array;
  readonly info: MemberInfo;
  readonly linkSecret: string | undefined;
}): Promise<RemoteMember> {
  const { info } = args;
  const untrusted = (trust: MemberTrust): RemoteMember => ({
    info,
    trust,
    verifyKey: undefined,
    channel: undefined,
  });
  const ecdhRaw = decodePublicKey(info.identity.ecdh);
  const signRaw = decodePublicKey(info.identity.sign);
  if (ecdhRaw === undefined || signRaw === undefined) {
    return untrusted('malformed');
  }
  if (args.linkSecret !== undefined && !(await verifyLinkMac(info.identity, args.linkSecret))) {
    return untrusted('bad-link-mac');
  }
  try {
    const [ecdhPublic, verifyKey] = await Promise.all([
      subtle().importKey('raw', ecdhRaw, { name: 'ECDH', namedCurve: 'P-256' }, false, []),
      subtle().importKey('raw', signRaw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']),
    ]);
    const channel = await derivePairwiseKeys({
      selfId: args.self.memberId,
      selfEcdhPrivate: args.identity.ecdh.privateKey,
      selfEcdhRaw: args.selfEcdhRaw,
      peerId: info.memberId,
      peerEcdhPublic: ecdhPublic,
      peerEcdhRaw: ecdhRaw,
    });
    return { info, trust: 'trusted', verifyKey, channel };
  } catch {
    // Not a point on the curve: WebCrypto refuses the import.
    return untrusted('malformed');
  }
}
