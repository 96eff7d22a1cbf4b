import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  JournalSigner,
  generateKeyFiles,
  keyIdOf,
  loadPublicKey,
  loadSigningKey,
  verifyEntrySignature,
} from '../src/index.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'journal-keys-'));
  dirs.push(dir);
  return dir;
}

describe('JournalSigner', () => {
  it('names its key by the first 16 hex digits of SHA-256 of the raw public key', () => {
    const signer = JournalSigner.generate();
    const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
    // An Ed25519 SPKI is a 12-byte prefix followed by the 32 raw key bytes.
    const raw = spki.subarray(spki.length - 32);
    expect(signer.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
    expect(keyIdOf(signer.publicKey)).toBe(signer.keyId);
  });

  it('signs the hash bytes; the signature verifies only for that hash and key', () => {
    const signer = JournalSigner.generate();
    const hash = 'ab'.repeat(32);
    const signature = signer.sign(hash);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verifyEntrySignature(signer.publicKey, hash, signature)).toBe(true);
    expect(verifyEntrySignature(signer.publicKey, 'ac'.repeat(32), signature)).toBe(false);
    expect(verifyEntrySignature(JournalSigner.generate().publicKey, hash, signature)).toBe(false);
    expect(verifyEntrySignature(signer.publicKey, hash, `${signature}A`)).toBe(false);
    expect(() => signer.sign('AB'.repeat(32))).toThrow(TypeError);
  });

  it('refuses keys that are not Ed25519 private keys', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => new JournalSigner(privateKey)).toThrow(expect.objectContaining({ reason: 'invalid-key' }));
    expect(() => new JournalSigner(generateKeyPairSync('ed25519').publicKey)).toThrow(
      expect.objectContaining({ reason: 'invalid-key' }),
    );
    expect(() => keyIdOf(publicKey)).toThrow(expect.objectContaining({ reason: 'invalid-key' }));
  });
});

describe('key files', () => {
  it('generates a private key (mode 0600) and a public key that load back to the same key id', async () => {
    const dir = await tempDir();
    const privatePath = join(dir, 'journal.key');
    const publicPath = join(dir, 'journal-pub.pem');
    const { publicKey } = await generateKeyFiles(privatePath, publicPath);
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
    expect(await readFile(publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const signer = new JournalSigner(await loadSigningKey(privatePath));
    expect(signer.keyId).toBe(keyIdOf(publicKey));
    expect(keyIdOf(await loadPublicKey(publicPath))).toBe(signer.keyId);
    // A private key file also yields its public key (the CLI accepts either).
    expect(keyIdOf(await loadPublicKey(privatePath))).toBe(signer.keyId);
  });

  it('refuses to overwrite an existing key file', async () => {
    const dir = await tempDir();
    const privatePath = join(dir, 'journal.key');
    await writeFile(privatePath, 'keep me');
    await expect(generateKeyFiles(privatePath, join(dir, 'pub.pem'))).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(await readFile(privatePath, 'utf8')).toBe('keep me');
  });

  it('refuses files without an Ed25519 key', async () => {
    const dir = await tempDir();
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a key');
    await expect(loadSigningKey(garbage)).rejects.toMatchObject({ reason: 'invalid-key' });
    await expect(loadPublicKey(garbage)).rejects.toMatchObject({ reason: 'invalid-key' });
    const ec = join(dir, 'ec.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(ec, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadSigningKey(ec)).rejects.toMatchObject({ reason: 'invalid-key' });
    await expect(loadPublicKey(ec)).rejects.toMatchObject({ reason: 'invalid-key' });
  });
});
