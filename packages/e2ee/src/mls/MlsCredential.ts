import { identityKeysSchema, memberIdSchema, type IdentityKeys } from '@confidentiel/protocol';
import type { AuthenticationService, Credential } from 'ts-mls';
import { z } from 'zod';
import { subtle } from '../webcrypto.ts';
import { fromBase64url, toBase64url } from '../distribution/base64url.ts';
import { concatBytes, utf8, type Bytes } from '../distribution/bytes.ts';
import { decodePublicKey, verifyLinkMac, type LocalIdentity } from '../distribution/LocalIdentity.ts';

/**
 * Who an MLS leaf is, bound to the identity the member joined the room with.
 *
 * The credential is an MLS "basic" credential whose identity bytes are this JSON:
 * `{v: 1, memberId, senderIndex, identity: {ecdh, sign, linkMac?}, sig}` where `sig` is the
 * member's identity ECDSA P-256 signature (SHA-256) over
 * `"confidentiel mls credential v1" || 0x00 || JSON([memberId, senderIndex, ecdh, sign, linkMac])
 * || 0x00 || mls_signature_public_key`. So the leaf's MLS key is vouched for by the identity key,
 * and the identity key by the invite link's secret (linkMac): a server that lacks the secret
 * cannot make a credential that other members accept, even with key packages of its own.
 */
export interface MlsMemberClaim {
  readonly memberId: string;
  /** The room's sender index of this member: the SFrame KID carries it. */
  readonly senderIndex: number;
  readonly identity: IdentityKeys;
}

const LABEL = 'confidentiel mls credential v1';
/** A credential is small; anything longer is refused before parsing. */
const MAX_CREDENTIAL_BYTES = 2048;

const credentialJsonSchema = z.strictObject({
  v: z.literal(1),
  memberId: memberIdSchema,
  senderIndex: z.number().int().min(0).max(0xfffff),
  identity: identityKeysSchema,
  sig: z.string().min(16).max(200),
});

function signedBytes(claim: MlsMemberClaim, signaturePublicKey: Uint8Array): Bytes {
  const { memberId, senderIndex, identity } = claim;
  const fields = JSON.stringify([
    memberId,
    senderIndex,
    identity.ecdh,
    identity.sign,
    identity.linkMac ?? '',
  ]);
  return concatBytes(utf8(LABEL), new Uint8Array([0]), utf8(fields), new Uint8Array([0]), signaturePublicKey);
}

const ECDSA = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The credential of this member for a leaf whose MLS signature public key is `signaturePublicKey`. */
export async function makeMlsCredential(
  claim: MlsMemberClaim,
  identity: LocalIdentity,
  signaturePublicKey: Uint8Array,
): Promise<Credential> {
  if (claim.identity.ecdh !== identity.publicKeys.ecdh || claim.identity.sign !== identity.publicKeys.sign) {
    throw new TypeError('the claim must carry this identity’s public keys');
  }
  const sig = new Uint8Array(
    await subtle().sign(ECDSA, identity.sign.privateKey, signedBytes(claim, signaturePublicKey)),
  );
  const json = {
    v: 1,
    memberId: claim.memberId,
    senderIndex: claim.senderIndex,
    identity: claim.identity,
    sig: toBase64url(sig),
  };
  return { credentialType: 'basic', identity: utf8(JSON.stringify(json)) };
}

/** The claim a credential makes, without checking it (undefined when it is not ours). Synchronous. */
export function parseMlsCredential(
  credential: Credential,
): (MlsMemberClaim & { readonly sig: string }) | undefined {
  if (credential.credentialType !== 'basic' || credential.identity.length > MAX_CREDENTIAL_BYTES) {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(credential.identity));
  } catch {
    return undefined;
  }
  const parsed = credentialJsonSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether the credential's identity key signed this leaf's MLS signature key, and (when the link
 * has a secret) whether the identity carries the link's MAC. Never throws.
 */
export async function verifyMlsCredential(
  credential: Credential,
  signaturePublicKey: Uint8Array,
  linkSecret: string | undefined,
): Promise<boolean> {
  try {
    const claim = parseMlsCredential(credential);
    const signRaw = claim && decodePublicKey(claim.identity.sign);
    const sig = claim && fromBase64url(claim.sig);
    if (claim === undefined || signRaw === undefined || sig === undefined) {
      return false;
    }
    const key = await subtle().importKey('raw', signRaw, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'verify',
    ]);
    if (!(await subtle().verify(ECDSA, key, sig, signedBytes(claim, signaturePublicKey)))) {
      return false;
    }
    return linkSecret === undefined || (await verifyLinkMac(claim.identity, linkSecret));
  } catch {
    return false;
  }
}

/** The check ts-mls runs on every leaf it meets (key packages, commit paths, a Welcome's tree). */
export function mlsAuthenticationService(linkSecret: string | undefined): AuthenticationService {
  return {
    validateCredential: (credential, signaturePublicKey) =>
      verifyMlsCredential(credential, signaturePublicKey, linkSecret),
  };
}
