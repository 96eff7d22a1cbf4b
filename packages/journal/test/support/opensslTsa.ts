// A real RFC 3161 authority for tests: openssl makes a throwaway CA and TSA certificate in a temp
// dir, and a node:http server on 127.0.0.1 answers each query with `openssl ts -reply`.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Largest query the test server reads (a TimeStampReq is under 100 bytes). */
const MAX_QUERY_BYTES = 4096;

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd, timeout: 20_000 });
  return stdout;
}

export interface TestCa {
  dir: string;
  certPath: string;
  keyPath: string;
  pem: string;
}

/** A self-signed EC P-256 CA, valid for 30 days. */
export async function createCa(dir: string, file: string, name: string): Promise<TestCa> {
  const certPath = join(dir, `${file}.pem`);
  const keyPath = join(dir, `${file}.key`);
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    `/O=Journal tests/CN=${name}`,
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, certPath, keyPath, pem: await readFile(certPath, 'utf8') };
}

export interface TestTsa {
  dir: string;
  url: string;
  ca: TestCa;
  /** The TSA's own certificate (PEM) and its path. */
  certPem: string;
  certPath: string;
  configPath: string;
  /** Queries answered so far. */
  readonly answered: number;
  /** Makes the next replies fail with this HTTP status (0: answer normally). */
  failWith(status: number): void;
  close(): Promise<void>;
}

/**
 * Starts the authority. Queries are answered one at a time: `openssl ts -reply` reads and
 * rewrites its serial file, which concurrent runs would race on.
 */
export async function startTsa(options: { usage?: string } = {}): Promise<TestTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'journal-tsa-'));
  const ca = await createCa(dir, 'ca', 'Test Root CA');
  const keyPath = join(dir, 'tsa.key');
  const csrPath = join(dir, 'tsa.csr');
  const certPath = join(dir, 'tsa.pem');
  const extPath = join(dir, 'tsa-ext.cnf');
  const configPath = join(dir, 'tsa.cnf');
  await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    csrPath,
    '-subj',
    '/O=Journal tests/CN=Test TSA',
  ]);
  await writeFile(
    extPath,
    [
      '[tsa_ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,nonRepudiation',
      `extendedKeyUsage = ${options.usage ?? 'critical,timeStamping'}`,
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    csrPath,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-set_serial',
    '2',
    '-out',
    certPath,
    '-days',
    '30',
    '-extfile',
    extPath,
    '-extensions',
    'tsa_ext',
  ]);
  await writeFile(join(dir, 'tsaserial'), '01\n');
  await writeFile(
    configPath,
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.55555.1.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );

  let answered = 0;
  let failStatus = 0;
  let counter = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const reply = async (query: Buffer): Promise<Buffer> => {
    const n = counter++;
    const queryPath = join(dir, `q${n}.tsq`);
    const replyPath = join(dir, `r${n}.tsr`);
    await writeFile(queryPath, query);
    await openssl(['ts', '-reply', '-config', configPath, '-queryfile', queryPath, '-out', replyPath]);
    return readFile(replyPath);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_QUERY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failStatus !== 0) {
        res.writeHead(failStatus, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('expected a POSTed timestamp-query');
        return;
      }
      const answer = queue.then(() => reply(Buffer.concat(chunks)));
      queue = answer.catch(() => undefined);
      answer.then(
        (body) => {
          answered++;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dir,
    url: `http://127.0.0.1:${port}/tsa`,
    ca,
    certPem: await readFile(certPath, 'utf8'),
    certPath,
    configPath,
    get answered() {
      return answered;
    },
    failWith(status: number) {
      failStatus = status;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
