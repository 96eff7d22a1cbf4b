/**
 * The network the media benchmark runs on: a private network namespace
 * (`unshare --net`) with loopback and a veth pair. Janus (libnice) gathers
 * no candidate on loopback, so both SFUs and every bot use the veth's
 * address; traffic to a local address never leaves the kernel, as on
 * loopback. Nothing is touched outside the namespace this process made.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** The interface Janus gathers on, and the address every SFU and bot binds. */
export const BENCH_INTERFACE = 'bench0';
export const BENCH_ADDRESS = '10.213.0.1';

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Inside the private namespace: loopback up, the veth pair up with BENCH_ADDRESS. */
export function setUpBenchNetwork(): void {
  ip(['link', 'set', 'lo', 'up']);
  ip(['link', 'add', BENCH_INTERFACE, 'type', 'veth', 'peer', 'name', 'bench1']);
  ip(['addr', 'add', `${BENCH_ADDRESS}/24`, 'dev', BENCH_INTERFACE]);
  ip(['link', 'set', BENCH_INTERFACE, 'up']);
  ip(['link', 'set', 'bench1', 'up']);
}

/** Whether this machine lets us make a network namespace with a veth pair (root or user namespaces). */
export function namespaceArgs(): string[] | null {
  for (const args of [['--net'], ['--user', '--map-root-user', '--net']]) {
    try {
      execFileSync(
        'unshare',
        [...args, 'sh', '-c', 'ip link add bench0 type veth peer name bench1 && ip link set bench0 up'],
        { stdio: 'ignore', timeout: 5_000 },
      );
      return args;
    } catch {
      // not allowed this way
    }
  }
  return null;
}

/** Starts `command` in a new network namespace made with `args` (from namespaceArgs). */
export function spawnInNamespace(
  args: readonly string[],
  command: string,
  commandArgs: readonly string[],
): ChildProcess {
  return spawn('unshare', [...args, '--', command, ...commandArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
}
