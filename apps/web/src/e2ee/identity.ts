import type { IdentityKeys } from '@confidentiel/protocol';

/**
 * This browser's identity for one meeting: P-256 key pairs made here, whose
 * private halves never leave the page (not extractable). The public halves
 * are announced at join so the others can seal key envelopes to us and check
 * our signatures.
 */
export interface LocalIdentity {
  ecdh: CryptoKeyPair;
  sign: CryptoKeyPair;
  publicKeys: IdentityKeys;
}

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function createLocalIdentity(subtle: SubtleCrypto = crypto.subtle): Promise<LocalIdentity> {
  const ecdh = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const sign = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return {
    ecdh,
    sign,
    publicKeys: {
      ecdh: base64url(await subtle.exportKey('raw', ecdh.publicKey)),
      sign: base64url(await subtle.exportKey('raw', sign.publicKey)),
    },
  };
}
