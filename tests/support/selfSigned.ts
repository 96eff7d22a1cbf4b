import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSigned {
  certPath: string;
  keyPath: string;
  /** The certificate in PEM, to trust it from Node (`ca`). */
  certPem: string;
}

/**
 * A throwaway self-signed certificate for `localhost` and 127.0.0.1 (P-256,
 * valid 2 days), made with Debian's openssl in `dir`. The key file is 0600.
 */
export async function makeSelfSigned(dir: string): Promise<SelfSigned> {
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { timeout: 15_000 },
  );
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8') };
}
