/**
 * What the measured timeline says about the gaps, and what would close them:
 * the numbers come from this run's joins; the causes from the web client's
 * code (named here, so that the reader can check them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../../core/stats.ts';
import type { JoinSample } from './measure.ts';
import type { StepKey } from './timeline.ts';

function medianOf(samples: readonly JoinSample[], pick: (s: JoinSample) => number): number {
  const values = samples.map(pick).filter((v) => Number.isFinite(v));
  return values.length === 0 ? Number.NaN : median(values);
}

function step(samples: readonly JoinSample[], key: StepKey): number {
  return medianOf(samples, (s) => s.timeline[key]);
}

function gap(samples: readonly JoinSample[], from: StepKey, to: StepKey): number {
  return medianOf(samples, (s) => s.timeline[to] - s.timeline[from]);
}

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)} ms` : 'n/a');

/** The shipped worker chunk: its size, and whether zod (the protocol's schemas) is bundled in it. */
export function workerChunk(dist: string): { name: string; bytes: number; zod: boolean } | null {
  const assets = join(dist, 'assets');
  const name = readdirSync(assets).find((n) => n.startsWith('e2eeWorker') && n.endsWith('.js'));
  if (!name) {
    return null;
  }
  let zod: boolean;
  try {
    const map = JSON.parse(readFileSync(join(assets, `${name}.map`), 'utf8')) as { sources: string[] };
    zod = map.sources.some((s) => s.includes('node_modules/zod/'));
  } catch {
    // No source map: nothing to tell.
    zod = false;
  }
  return { name, bytes: statSync(join(assets, name)).size, zod };
}

export function gapNotes(
  e2ee: readonly JoinSample[],
  off: readonly JoinSample[],
  shippedDist: string,
  loadCores: number,
): string[] {
  const notes: string[] = [];
  const cpuOn = medianOf(e2ee, (s) => s.cpuMs);
  const cpuOff = medianOf(off, (s) => s.cpuMs);
  const busyOn = medianOf(e2ee, (s) => s.cpuMs / s.wallMs);
  const busyOff = medianOf(off, (s) => s.cpuMs / s.wallMs);
  const busy = Math.max(busyOn, busyOff) >= 0.8 * loadCores;
  notes.push(
    `CPU: from the click to both decoding, the browser (every page, worker, GPU and network process, and this ` +
      `bench process) used ${ms(cpuOn)} of CPU with E2EE and ${ms(cpuOff)} without (medians), that is ` +
      `${busyOn.toFixed(2)} and ${busyOff.toFixed(2)} CPU-seconds per second of the join, on ${loadCores} load ` +
      `core(s). ` +
      (busy
        ? "The browser kept its core(s) busy: it was CPU-bound, so E2EE's own work (the worker's start, the key " +
          'exchange, every frame through the transform workers of both pages) lengthens the other phases too.'
        : 'The browser used well under its core(s): it waited on the network and the service, or other processes ' +
          "held the CPU (on a shared machine the E2EE/off ratio then moves with their load; see the runs' min " +
          "and max). The member's page encodes all along, so CPU grows with the join's length."),
  );
  const session = step(e2ee, 'tokenStart');
  const sessionOff = step(off, 'tokenStart');
  const identity = step(e2ee, 'workerCreated');
  const workerStart = gap(e2ee, 'workerCreated', 'worker');
  const tokenTime = gap(e2ee, 'tokenStart', 'token');
  notes.push(
    `Gap 1, the E2EE session sits alone on the click path: MeetingSessionFlow.#join awaits createSession ` +
      `(identity key pairs, then new Worker and its 'ready') before it asks the room token, and the token before ` +
      `the socket. Measured: click → token asked ${ms(session)} with E2EE (identity keys ${ms(identity)}, ` +
      `worker created → ready ${ms(workerStart)}) against ${ms(sessionOff)} in the control (identity keys only). ` +
      `Neither depends on the token: making the session when the join page opens (the camera preview already runs ` +
      `there; close it if the person leaves) takes it off the click path; at least, asking the token while the ` +
      `session is made (Promise.all; detectTransformMode already tells synchronously that a browser cannot encrypt, ` +
      `so such a browser still never asks for a token) hides the token's round trip (${ms(tokenTime)}); the ` +
      `socket still waits for both, as the client is made with the session.`,
  );
  const chunk = workerChunk(shippedDist);
  if (chunk) {
    notes.push(
      `Gap 2, the worker's own start (${ms(workerStart)} from new Worker to 'ready', in a fresh context, nothing ` +
        `cached): ${chunk.name} is ${Math.round(chunk.bytes / 1024)} KB` +
        (chunk.zod
          ? `, zod included: e2eeWorker.ts → E2eeWorkerHost.ts imports the '@confidentiel/e2ee' index, which ` +
            're-exports distribution/, which imports @confidentiel/protocol, whose zod schemas are all built when ' +
            'the worker starts. Importing only the frame modules in the worker (FrameTransform, SenderContext, ' +
            'ReceiverKeyRing, ReplayWindow, KeyId, or a frame-only entry of the package) keeps zod and the ' +
            "protocol out of it (the e2ee section measures both workers' start)."
          : '.'),
    );
  }
  const produced = step(e2ee, 'produce');
  const micProduced = step(e2ee, 'produceFirst');
  const transports = step(e2ee, 'transports');
  const joinerSees = medianOf(e2ee, (s) => s.joinerDecodes);
  const memberSees = medianOf(e2ee, (s) => s.memberDecodes);
  notes.push(
    `Gap 3, the member sees the joiner ${ms(memberSees)} after the click (the joiner sees the member at ` +
      `${ms(joinerSees)}): the joiner's media start only once client.join() has resolved (both transports made; ` +
      `consumes go on in the background), and MeetingSessionFlow.#join awaits startMicrophone before it calls ` +
      `startCamera; mediasoup-client queues a transport's produce calls whole (SDP negotiation, then the produce ` +
      `request answered by the server), so the camera waits for the microphone's. Measured: transports at ` +
      `${ms(transports)}, microphone produced at ${ms(micProduced)}, camera produced at ${ms(produced)} (camera ` +
      `after microphone: ${ms(gap(e2ee, 'produceFirst', 'produce'))}). Producing the camera first would bring the ` +
      `first video forward by about that much, the microphone back by its own produce; calling both at once ` +
      `changes nothing, the queue orders them anyway.`,
  );
  const key = step(e2ee, 'key');
  const frame = step(e2ee, 'frame');
  notes.push(
    `The member's key is installed at ${ms(key)}, its first frame decoded at ${ms(frame)}: ` +
      (key < frame
        ? 'the key exchange is off the critical path; after the session, the time goes to the media set-up ' +
          'that a join without E2EE also pays (phases above).'
        : 'the key arrives after the media: the frames wait for it (key exchange on the critical path).'),
  );
  return notes;
}
