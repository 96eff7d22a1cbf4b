import {
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type CiphersuiteName,
} from 'ts-mls';

/**
 * The MLS cipher suite of every group: X25519 (HPKE), AES-128-GCM, SHA-256, Ed25519 (suite 1,
 * RFC 9420 §17.1). The one every MLS implementation must support, small keys, and its primitives
 * are in WebCrypto in Chromium, Firefox ESR and Node (docs/adr/0013-mls-group-keys.md).
 */
export const MLS_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

const suites = new Map<CiphersuiteName, Promise<CiphersuiteImpl>>();

/** The suite's implementation, made once per name (the bench may ask for another suite). */
export function mlsSuite(name: CiphersuiteName = MLS_CIPHERSUITE): Promise<CiphersuiteImpl> {
  let suite = suites.get(name);
  if (suite === undefined) {
    suite = getCiphersuiteImpl(getCiphersuiteFromName(name));
    suites.set(name, suite);
    suite.catch(() => suites.delete(name));
  }
  return suite;
}
