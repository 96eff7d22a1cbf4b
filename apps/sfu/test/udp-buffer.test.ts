/**
 * Every participant on a worker shares its one UDP socket: at the kernel's
 * default buffer (~208 KB) bursts overflow it (the media benchmark lost 5-10 %
 * of packets there, bench/src/sections/media). SFU_UDP_BUFFER_BYTES sets the
 * socket's SO_RCVBUF/SO_SNDBUF; the kernel caps it at net.core.rmem_max.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSfuConfig } from '../src/config.ts';
import { WorkerPool } from '../src/media/WorkerPool.ts';

const REQUESTED = 4 * 1024 * 1024;
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
const rmemDefault = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
const pools: WorkerPool[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The receive buffer the kernel gave the UDP socket bound to `port` (`ss` skmem rb). */
function receiveBuffer(port: number): number {
  const text = execFileSync('ss', ['-uamn', `sport = :${port}`], { encoding: 'utf8' });
  const match = /rb(\d+)/.exec(text);
  if (!match) {
    throw new Error(`no UDP socket on port ${port}: ${text}`);
  }
  return Number(match[1]);
}

async function pool(udpBufferBytes: number): Promise<number> {
  const basePort = await freePort();
  const created = await WorkerPool.create({
    count: 1,
    listenIp: '127.0.0.1',
    basePort,
    udpBufferBytes,
    logger: pino({ level: 'silent' }),
    onWorkerDied: () => undefined,
    workerBin: process.env.MEDIASOUP_WORKER_BIN,
  });
  pools.push(created);
  return basePort;
}

afterEach(() => {
  for (const p of pools.splice(0)) {
    p.close();
  }
});

describe("the media socket's buffer", () => {
  it('defaults to 4 MiB, 0 meaning the kernel default', () => {
    const secret = { SFU_CONTROL_SECRET: 'a'.repeat(64) };
    expect(loadSfuConfig(secret).SFU_UDP_BUFFER_BYTES).toBe(REQUESTED);
    expect(loadSfuConfig({ ...secret, SFU_UDP_BUFFER_BYTES: '0' }).SFU_UDP_BUFFER_BYTES).toBe(0);
    expect(() => loadSfuConfig({ ...secret, SFU_UDP_BUFFER_BYTES: '-1' })).toThrow();
  });

  // Meaningful only where the kernel lets a socket grow past its default.
  it.skipIf(rmemMax <= rmemDefault)(
    "is what SFU_UDP_BUFFER_BYTES asks (up to the kernel's cap), and the kernel's default without it",
    async () => {
      const large = await pool(REQUESTED);
      const plain = await pool(0);
      // The kernel doubles what a socket asks for (bookkeeping), after capping it at rmem_max.
      expect(receiveBuffer(large)).toBe(2 * Math.min(REQUESTED, rmemMax));
      expect(receiveBuffer(plain)).toBe(rmemDefault);
    },
  );
});
