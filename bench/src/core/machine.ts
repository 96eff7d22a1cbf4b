/** What ran the benchmarks: the machine, the versions, the date. Printed with every result. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  versions: Record<string, string>;
  commit: string;
}

/** A command's output, whatever its exit status (`janus --version` exits 1); 'absent' if it cannot run. */
function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
  });
  return result.error || result.stdout === null ? 'absent' : result.stdout.trim();
}

function packageVersion(root: string, name: string): string {
  try {
    const json = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    return json.version;
  } catch {
    return 'absent';
  }
}

function osName(): string {
  try {
    const line = readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('PRETTY_NAME='));
    return line ? line.slice('PRETTY_NAME='.length).replace(/"/g, '') : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineInfo(root: string, now: Date = new Date()): MachineInfo {
  const janus = run('janus', ['--version']).match(/\(([\d.]+)\)/)?.[1] ?? 'absent';
  const chromium =
    run('chromium', ['--version'])
      .replace(/^Chromium\s+/, '')
      .split(' ')[0] ?? 'absent';
  return {
    date: now.toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    // The machine's cores, not this process's affinity (the runner pins itself to the load cores).
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    os: osName(),
    node: process.version,
    versions: {
      mediasoup: packageVersion(root, 'mediasoup'),
      'socket.io': packageVersion(root, 'socket.io'),
      werift: packageVersion(root, 'werift'),
      janus,
      chromium,
      redis: run('redis-server', ['--version']).match(/v=([\d.]+)/)?.[1] ?? 'absent',
    },
    commit: run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  };
}
