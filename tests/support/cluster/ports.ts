/**
 * Free ports on loopback. Each is picked by the kernel (listen on port 0) and
 * remembered, so one test process never hands the same port out twice
 * (another process may still take it between the probe and its use: rare
 * with the kernel's ephemeral range, and the start then fails loudly).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const handedOut = new Set<number>();
/** Attempts at finding a port that is free and not handed out yet. */
const ATTEMPTS = 50;

async function probeTcp(port = 0): Promise<number | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

async function probeUdp(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1. */
export async function freeTcpPort(): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = await probeTcp();
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port on 127.0.0.1 after ${ATTEMPTS} attempts`);
}

/** A port free on 127.0.0.1 for both TCP and UDP (a mediasoup WebRtcServer binds both). */
export async function freeTcpUdpPort(): Promise<number> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = await probeTcp();
    if (port !== undefined && !handedOut.has(port) && (await probeUdp(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no port free for TCP and UDP on 127.0.0.1 after ${ATTEMPTS} attempts`);
}
