import type { IdentityKeys } from '@confidentiel/protocol';
import { subtle } from '../webcrypto.ts';
import { compareBytes, concatBytes, utf8 } from './bytes.ts';
import { decodePublicKey } from './LocalIdentity.ts';

/**
 * Safety codes, read aloud to detect a server (or anyone else) substituting identity keys.
 *
 * Construction (one for pairs and rooms; a pair's code is the code of a room of those two):
 *
 *   m_i    = ecdh_raw_i || sign_raw_i                (65 + 65 bytes, raw uncompressed P-256)
 *   digest = SHA-256("confidentiel safety code v1" || uint32_be(n) || m_(1) || ... || m_(n))
 *
 * where m_(1) .. m_(n) are the members' m_i sorted in lexicographic byte order (so the code does
 * not depend on the order of the arguments). The code is 6 groups of 5 decimal digits: group k is
 * the big-endian integer of digest[5k .. 5k+5) (40 bits) modulo 100000, zero-padded. The link MAC
 * is not an input: it is a function of the keys. Changing any key of any member changes the
 * digest, hence (except with probability ~1e-30) the code.
 */
const LABEL = 'confidentiel safety code v1';
const GROUPS = 6;
const GROUP_BYTES = 5;

function memberBytes(keys: IdentityKeys): Uint8Array {
  const ecdh = decodePublicKey(keys.ecdh);
  const sign = decodePublicKey(keys.sign);
  if (ecdh === undefined || sign === undefined) {
    throw new TypeError('identity keys must be base64url raw uncompressed P-256 public keys');
  }
  return concatBytes(ecdh, sign);
}

async function safetyCode(members: readonly IdentityKeys[]): Promise<string> {
  const sorted = members.map(memberBytes).sort(compareBytes);
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, sorted.length);
  const digest = new Uint8Array(await subtle().digest('SHA-256', concatBytes(utf8(LABEL), count, ...sorted)));
  return digitGroups(digest);
}

/** 6 groups of 5 decimal digits from the first 30 bytes of a digest (see above). */
export function digitGroups(digest: Uint8Array): string {
  if (digest.length < GROUPS * GROUP_BYTES) {
    throw new TypeError(`a digest of at least ${GROUPS * GROUP_BYTES} bytes is needed`);
  }
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < GROUP_BYTES; i++) {
      value = value * 256 + digest[g * GROUP_BYTES + i]!;
    }
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** The safety code of two members, e.g. "01234 56789 ...": the same whichever order. */
export function pairSafetyCode(a: IdentityKeys, b: IdentityKeys): Promise<string> {
  return safetyCode([a, b]);
}

/** The safety code of a room's members (self included), independent of their order. */
export function roomSafetyCode(members: readonly IdentityKeys[]): Promise<string> {
  if (!Array.isArray(members) || members.length === 0) {
    return Promise.reject(new TypeError('roomSafetyCode needs at least one member'));
  }
  return safetyCode(members);
}
