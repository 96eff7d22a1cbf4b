/**
 * Janus (Debian's janus 1.1.2) as the peer SFU: a generated configuration in
 * the section's scratch directory (the VideoRoom plugin and the HTTP
 * transport only, on loopback; no STUN, no public IP; an RTP port range),
 * pinned to the system-under-test core like our SFU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedCommand, type Pinning } from '../../core/pinning.ts';
import { freePort } from '../../core/ports.ts';

const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface JanusProcess {
  pid: number;
  /** http://127.0.0.1:<port>/janus */
  url: string;
  /** Its RTP port range (a socket per peer connection). */
  rtpPorts: { min: number; max: number };
  log: string;
  stop(): Promise<void>;
}

export function janusInstalled(): boolean {
  return existsSync('/usr/bin/janus') && existsSync(join(JANUS_LIB, 'plugins/libjanus_videoroom.so'));
}

export interface JanusOptions {
  root: string;
  pinning: Pinning;
  workDir: string;
  /** The interface whose address Janus gathers host candidates on (netns.ts). */
  iceInterface: string;
}

export async function startJanus(options: JanusOptions): Promise<JanusProcess> {
  const port = await freePort();
  const dir = join(options.workDir, `janus-${port}`);
  const plugins = join(dir, 'plugins');
  const transports = join(dir, 'transports');
  const empty = join(dir, 'empty');
  await Promise.all([plugins, transports, empty].map((d) => mkdir(d, { recursive: true })));
  // Only what is measured is loaded: the VideoRoom plugin and the HTTP transport.
  symlinkSync(join(JANUS_LIB, 'plugins/libjanus_videoroom.so'), join(plugins, 'libjanus_videoroom.so'));
  symlinkSync(join(JANUS_LIB, 'transports/libjanus_http.so'), join(transports, 'libjanus_http.so'));
  // A port range apart from the ephemeral ports the bots and our SFU take.
  const rtpBase = 20_000 + (port % 100) * 100;
  await writeFile(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${plugins}"
  transports_folder = "${transports}"
  events_folder = "${empty}"
  loggers_folder = "${empty}"
  debug_level = 3
  session_timeout = 0
}
media: {
  rtp_port_range = "${rtpBase}-${rtpBase + 99}"
}
nat: {
  nice_debug = false
  ice_enforce_list = "${options.iceInterface}"
  ignore_mdns = true
}
`,
  );
  await writeFile(
    join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
}
`,
  );
  await writeFile(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  const log = join(dir, 'janus.log');
  const out = createWriteStream(log);
  // stdbuf: Janus's log goes to a pipe, line by line (the bench counts its warnings per window).
  const [command, args] = pinnedCommand(options.pinning.sut, 'stdbuf', [
    '-oL',
    '/usr/bin/janus',
    '-F',
    dir,
    '-C',
    join(dir, 'janus.jcfg'),
    '--disable-colors',
    '--debug-timestamps',
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const url = `http://127.0.0.1:${port}/janus`;
  const stop = async (): Promise<void> => stopChild(child);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`janus exited with ${child.exitCode}; see ${log}`);
    }
    try {
      const res = await fetch(`${url}/info`);
      if (res.ok) {
        return { pid: child.pid as number, url, log, stop, rtpPorts: { min: rtpBase, max: rtpBase + 99 } };
      }
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`janus was not ready after ${READY_TIMEOUT_MS} ms; see ${log}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
}
