/**
 * A real TURN server for tests (Debian's coturn, configured by the project's
 * own template infra/coturn/turnserver.conf through infra/coturn/render.sh),
 * and a minimal TURN client (RFC 5389 / RFC 5766 over UDP) to ask it for
 * allocations and permissions with long-term credentials. Every wait is
 * bounded; nothing here sends a packet anywhere but to the address given.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';

const run = promisify(execFile);

// ---- credentials (independent of signaling's own code) ----------------------

/**
 * A TURN REST credential as coturn's `use-auth-secret` checks it: username
 * `<expiry unix seconds>:<user>`, password base64(HMAC-SHA1(secret, username)),
 * the secret's characters being the key.
 */
export function restCredential(
  secret: string,
  user: string,
  expiresAt: number,
): { username: string; credential: string } {
  const username = `${expiresAt}:${user}`;
  const credential = createHmac('sha1', Buffer.from(secret, 'utf8')).update(username).digest('base64');
  return { username, credential };
}

// ---- STUN / TURN messages ----------------------------------------------------

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004, createPermission: 0x008 } as const;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  fingerprint: 0x8028,
} as const;

type Method = keyof typeof METHOD;

interface Attribute {
  type: number;
  value: Buffer;
}

export interface StunResponse {
  /** 'success' or 'error' (the class of the answer). */
  kind: 'success' | 'error';
  /** ERROR-CODE (401, 403, 438, ...) of an error answer. */
  code?: number;
  reason?: string;
  realm?: string;
  nonce?: string;
  /** XOR-RELAYED-ADDRESS of a successful Allocate. */
  relayed?: { address: string; port: number };
  /** XOR-MAPPED-ADDRESS (the client's address as the server saw it). */
  mapped?: { address: string; port: number };
  lifetime?: number;
}

function attribute(type: number, value: Buffer): Attribute {
  return { type, value };
}

function encode(type: number, transactionId: Buffer, attributes: Attribute[], key?: Buffer): Buffer {
  const body: Buffer[] = [];
  for (const a of attributes) {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(a.type, 0);
    header.writeUInt16BE(a.value.length, 2);
    const pad = Buffer.alloc((4 - (a.value.length % 4)) % 4);
    body.push(header, a.value, pad);
  }
  let payload = Buffer.concat(body);
  const header = (length: number): Buffer => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC_COOKIE, 4);
    transactionId.copy(h, 8);
    return h;
  };
  if (key) {
    // MESSAGE-INTEGRITY covers the message with the length counting itself.
    const hmac = createHmac('sha1', key)
      .update(Buffer.concat([header(payload.length + 24), payload]))
      .digest();
    const mi = Buffer.alloc(4);
    mi.writeUInt16BE(ATTR.messageIntegrity, 0);
    mi.writeUInt16BE(20, 2);
    payload = Buffer.concat([payload, mi, hmac]);
  }
  // FINGERPRINT: CRC-32 of the message (length counting it) XOR 0x5354554e.
  const crc = (crc32(Buffer.concat([header(payload.length + 8), payload])) ^ 0x5354554e) >>> 0;
  const fp = Buffer.alloc(8);
  fp.writeUInt16BE(ATTR.fingerprint, 0);
  fp.writeUInt16BE(4, 2);
  fp.writeUInt32BE(crc, 4);
  payload = Buffer.concat([payload, fp]);
  return Buffer.concat([header(payload.length), payload]);
}

function xorAddress(value: Buffer): { address: string; port: number } {
  const family = value.readUInt8(1);
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (family !== 0x01) {
    return { address: 'ipv6', port };
  }
  const raw = value.readUInt32BE(4) ^ MAGIC_COOKIE;
  return { address: [24, 16, 8, 0].map((s) => (raw >>> s) & 0xff).join('.'), port };
}

function xorPeer(address: string, port: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(0, 0);
  b.writeUInt8(0x01, 1);
  b.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const raw = address.split('.').reduce((acc, part) => (acc << 8) | Number(part), 0) >>> 0;
  b.writeUInt32BE((raw ^ MAGIC_COOKIE) >>> 0, 4);
  return b;
}

function decode(message: Buffer, transactionId: Buffer): StunResponse | undefined {
  if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) {
    return undefined;
  }
  if (!message.subarray(8, 20).equals(transactionId)) {
    return undefined;
  }
  const type = message.readUInt16BE(0);
  const cls = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
  if (cls !== 2 && cls !== 3) {
    return undefined;
  }
  const out: StunResponse = { kind: cls === 2 ? 'success' : 'error' };
  let offset = 20;
  const end = Math.min(message.length, 20 + message.readUInt16BE(2));
  while (offset + 4 <= end) {
    const attrType = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    const value = message.subarray(offset + 4, offset + 4 + length);
    switch (attrType) {
      case ATTR.errorCode:
        out.code = value.readUInt8(2) * 100 + value.readUInt8(3);
        out.reason = value.subarray(4).toString('utf8');
        break;
      case ATTR.realm:
        out.realm = value.toString('utf8');
        break;
      case ATTR.nonce:
        out.nonce = value.toString('utf8');
        break;
      case ATTR.xorRelayedAddress:
        out.relayed = xorAddress(value);
        break;
      case ATTR.xorMappedAddress:
        out.mapped = xorAddress(value);
        break;
      case ATTR.lifetime:
        out.lifetime = value.readUInt32BE(0);
        break;
      default:
        break;
    }
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return out;
}

/**
 * A TURN client over one UDP socket (one 5-tuple, so one allocation at most):
 * each request is retransmitted a bounded number of times (RFC 5389 style)
 * and answers are matched by transaction id.
 */
export class TurnClient {
  readonly #socket: UdpSocket;
  readonly #server: { host: string; port: number };
  #auth: { username: string; key: Buffer; realm: string; nonce: string } | undefined;

  private constructor(socket: UdpSocket, host: string, port: number) {
    this.#socket = socket;
    this.#server = { host, port };
  }

  /** Opens a UDP socket bound to `localAddress` (or any) for talking to host:port. */
  static async open(host: string, port: number, localAddress?: string): Promise<TurnClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: 0, ...(localAddress ? { address: localAddress } : {}) }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new TurnClient(socket, host, port);
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  /** Sends one request and waits for its answer (500 ms, 1 s, 2 s: 3.5 s at most). */
  async #transact(method: Method, attributes: Attribute[], key?: Buffer): Promise<StunResponse> {
    const transactionId = randomBytes(12);
    const message = encode(METHOD[method], transactionId, attributes, key);
    return new Promise<StunResponse>((resolve, reject) => {
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      const onMessage = (data: Buffer): void => {
        const answer = decode(data, transactionId);
        if (answer) {
          finish();
          resolve(answer);
        }
      };
      const onError = (error: Error): void => {
        finish();
        reject(error);
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.#socket.off('message', onMessage);
        this.#socket.off('error', onError);
      };
      const send = (): void => {
        if (attempt === 3) {
          finish();
          reject(new Error(`no answer to ${method} from ${this.#server.host}:${this.#server.port}`));
          return;
        }
        const wait = 500 * 2 ** attempt;
        attempt += 1;
        this.#socket.send(message, this.#server.port, this.#server.host, (error) => {
          if (error) {
            onError(error);
          }
        });
        timer = setTimeout(send, wait);
      };
      this.#socket.on('message', onMessage);
      this.#socket.on('error', onError);
      send();
    });
  }

  /** A STUN Binding request (no authentication): proves the server answers. */
  binding(): Promise<StunResponse> {
    return this.#transact('binding', []);
  }

  /**
   * Allocate with long-term credentials: first without them (expect 401 with
   * realm and nonce), then with them (once more on 438 stale nonce).
   * Returns the unauthenticated answer and the final one.
   */
  async allocate(
    username: string,
    password: string,
  ): Promise<{ challenge: StunResponse; answer: StunResponse }> {
    const transport = attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0]));
    const challenge = await this.#transact('allocate', [transport]);
    if (challenge.kind !== 'error' || challenge.code !== 401 || !challenge.realm || !challenge.nonce) {
      return { challenge, answer: challenge };
    }
    let realm = challenge.realm;
    let nonce = challenge.nonce;
    let answer: StunResponse | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const key = createHash('md5').update(`${username}:${realm}:${password}`).digest();
      this.#auth = { username, key, realm, nonce };
      answer = await this.#transact('allocate', [transport, ...this.#authAttributes()], key);
      if (answer.kind === 'error' && answer.code === 438 && answer.nonce) {
        nonce = answer.nonce;
        realm = answer.realm ?? realm;
        continue;
      }
      break;
    }
    return { challenge, answer: answer! };
  }

  #authAttributes(): Attribute[] {
    const auth = this.#auth;
    if (!auth) {
      throw new Error('allocate first');
    }
    return [
      attribute(ATTR.username, Buffer.from(auth.username, 'utf8')),
      attribute(ATTR.realm, Buffer.from(auth.realm, 'utf8')),
      attribute(ATTR.nonce, Buffer.from(auth.nonce, 'utf8')),
    ];
  }

  /** An authenticated request with the credentials of the last Allocate (new nonce once on 438). */
  async #authenticated(method: Method, attributes: Attribute[]): Promise<StunResponse> {
    let answer: StunResponse | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      answer = await this.#transact(method, [...attributes, ...this.#authAttributes()], this.#auth!.key);
      if (answer.kind === 'error' && answer.code === 438 && answer.nonce) {
        this.#auth!.nonce = answer.nonce;
        continue;
      }
      break;
    }
    return answer!;
  }

  /** Asks for a permission to exchange data with `peer` (403 if the server denies that peer). */
  createPermission(peer: string): Promise<StunResponse> {
    return this.#authenticated('createPermission', [attribute(ATTR.xorPeerAddress, xorPeer(peer, 0))]);
  }

  /** Refreshes the allocation; lifetime 0 releases it. */
  refresh(lifetimeSeconds: number): Promise<StunResponse> {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(lifetimeSeconds, 0);
    return this.#authenticated('refresh', [attribute(ATTR.lifetime, value)]);
  }
}

// ---- coturn ------------------------------------------------------------------

export interface CoturnOptions {
  /** Working directory for the rendered configuration, certificate and log. */
  dir: string;
  secret: string;
  listeningIp: string;
  relayIp: string;
  port: number;
  /** TURN over TLS port (default port + 1). */
  tlsPort?: number;
  /** Peers allowed despite the template's denied private ranges. */
  allowedPeerIps?: string[];
  /** Command prefix to run coturn on another test host, e.g. ['ip', 'netns', 'exec', 'ns']. */
  prefix?: string[];
  /** Relay port range (defaults to the template's). */
  minPort?: number;
  maxPort?: number;
}

export interface RunningCoturn {
  process: ChildProcess;
  configPath: string;
  logPath: string;
  realm: string;
  /** Lines coturn wrote so far (its log file). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '../..');
const RENDER = join(ROOT, 'infra/coturn/render.sh');
export const TURNSERVER = '/usr/bin/turnserver';

/** Fails loudly (never skips) when coturn is not installed. */
export function requireCoturn(): void {
  if (!existsSync(TURNSERVER)) {
    throw new Error('coturn is not installed: apt-get install -y coturn (gives /usr/bin/turnserver)');
  }
  if (!existsSync(RENDER)) {
    throw new Error(`the coturn template renderer is missing: ${RENDER}`);
  }
}

/**
 * Renders the project's coturn template for a test host and starts
 * `turnserver` with it, in the foreground; resolves when it answers a STUN
 * Binding request (bounded), so the caller must be able to reach `listeningIp`.
 */
export async function startCoturn(options: CoturnOptions): Promise<RunningCoturn> {
  requireCoturn();
  await mkdir(options.dir, { recursive: true });
  const certPath = join(options.dir, 'turn.crt');
  const keyPath = join(options.dir, 'turn.key');
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
      '1',
      '-subj',
      '/CN=turn.test',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { timeout: 15_000 },
  );
  const configPath = join(options.dir, 'turnserver.conf');
  const logPath = join(options.dir, 'turnserver.log');
  const realm = 'turn.test';
  await run('bash', [RENDER, configPath], {
    timeout: 15_000,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      TURN_REALM: realm,
      TURN_SECRET: options.secret,
      LISTENING_IP: options.listeningIp,
      RELAY_IP: options.relayIp,
      ALLOWED_PEER_IP: (options.allowedPeerIps ?? []).join(' '),
      TURN_PORT: String(options.port),
      TURNS_PORT: String(options.tlsPort ?? options.port + 1),
      MIN_PORT: String(options.minPort ?? 49152),
      MAX_PORT: String(options.maxPort ?? 65535),
      TLS_CERT: certPath,
      TLS_KEY: keyPath,
      TURN_LOG_FILE: logPath,
    },
  });
  const prefix = options.prefix ?? [];
  const argv = [
    ...prefix,
    TURNSERVER,
    '-c',
    configPath,
    '--pidfile',
    join(options.dir, 'turnserver.pid'),
    '--userdb',
    join(options.dir, 'turndb'),
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const log = async (): Promise<string> => readFile(logPath, 'utf8').catch(() => '');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  // Ready when it answers a Binding request: 40 tries, 250 ms apart plus the request's own wait.
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; attempt < 40 && Date.now() < deadline; attempt++) {
    if (child.exitCode !== null) {
      break;
    }
    const client = await TurnClient.open(options.listeningIp, options.port);
    try {
      const answer = await client.binding();
      if (answer.kind === 'success') {
        return { process: child, configPath, logPath, realm, log, stop };
      }
    } catch {
      // not answering yet
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(
    `coturn did not answer on ${options.listeningIp}:${options.port} (exit ${child.exitCode}); ` +
      `stderr: ${stderr}\nlog: ${(await log()).slice(-2000)}`,
  );
}
