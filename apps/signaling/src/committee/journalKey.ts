import { randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { generateKeyFiles, loadSigningKey } from '@confidentiel/journal';

/** Where the public half of the journal key is written, next to the private key. */
export function publicKeyPathOf(keyPath: string): string {
  return keyPath.endsWith('.pem') ? `${keyPath.slice(0, -4)}.pub.pem` : `${keyPath}.pub.pem`;
}

/**
 * The service's Ed25519 journal key at `keyPath`, made on first start when
 * missing (private key 0600, public key next to it for clerks). The new key is
 * written under a temporary name and linked into place, so two processes
 * starting at once end up with one key, never a half-written file.
 */
export async function ensureJournalKey(keyPath: string, logger: Logger): Promise<KeyObject> {
  await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 });
  if (!(await exists(keyPath))) {
    const suffix = randomBytes(6).toString('hex');
    const tmpPrivate = `${keyPath}.${suffix}.tmp`;
    const tmpPublic = `${publicKeyPathOf(keyPath)}.${suffix}.tmp`;
    await generateKeyFiles(tmpPrivate, tmpPublic);
    try {
      await link(tmpPrivate, keyPath);
      await rename(tmpPublic, publicKeyPathOf(keyPath));
      logger.info({ keyPath }, 'journal signing key created');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      // Another process made it first: theirs is the key.
    } finally {
      await unlink(tmpPrivate).catch(() => undefined);
      await unlink(tmpPublic).catch(() => undefined);
    }
  }
  const mode = (await stat(keyPath)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn(
      { keyPath, mode: mode.toString(8) },
      'the journal signing key is readable by others than its owner: chmod 600 it',
    );
  }
  return loadSigningKey(keyPath);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false;
    }
    throw error;
  }
}
