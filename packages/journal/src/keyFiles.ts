import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { JournalError } from './JournalError.ts';

/**
 * Creates a new Ed25519 key: the private key as PKCS#8 PEM (mode 0600) at `privatePath`, the
 * public key as SPKI PEM at `publicPath` (the file clerks verify with). Refuses to overwrite
 * either file: replacing the service key by accident would orphan every journal signed with it.
 */
export async function generateKeyFiles(
  privatePath: string,
  publicPath: string,
): Promise<{ publicKey: KeyObject }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeFile(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    flag: 'wx',
    mode: 0o600,
  });
  await writeFile(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx', mode: 0o644 });
  return { publicKey };
}

/** Reads an Ed25519 private key (PKCS#8 PEM) for `new JournalSigner(key)`. */
export async function loadSigningKey(path: string): Promise<KeyObject> {
  const key = parseKey(await readFile(path, 'utf8'), path, 'private');
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new JournalError('invalid-key', `${path}: not an Ed25519 key`);
  }
  return key;
}

/**
 * Reads an Ed25519 public key from PEM: an SPKI public key, or a private key whose public half
 * is taken (so a test or an operator may pass either).
 */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  return publicKeyFromPem(await readFile(path, 'utf8'), path);
}

export function publicKeyFromPem(pem: string, name = 'key'): KeyObject {
  const key = pem.includes('PRIVATE KEY')
    ? createPublicKey(parseKey(pem, name, 'private'))
    : parseKey(pem, name, 'public');
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new JournalError('invalid-key', `${name}: not an Ed25519 key`);
  }
  return key;
}

function parseKey(pem: string, name: string, type: 'private' | 'public'): KeyObject {
  try {
    return type === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (error) {
    throw new JournalError('invalid-key', `${name}: no ${type} key in PEM`, { cause: error });
  }
}
