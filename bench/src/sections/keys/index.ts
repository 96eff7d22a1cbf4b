/**
 * Issue 13, item 4: key distribution as the room grows. Rooms of KeyBots
 * (the real KeyManager) on the real service count the envelopes and bytes
 * signaling relays on a join and on a leave, and what its rate limit
 * refuses; focal rooms in process give each member's CPU up to 1,000
 * members; the same focal rooms run in Chromium for the per-browser figure.
 */
import { join } from 'node:path';
import type { BenchContext, Section } from '../../core/context.ts';
import { ownCpuMs } from '../../core/cpu.ts';
import type { SectionResult } from '../../core/figure.ts';
import { startService } from '../../core/service.ts';
import { createOpenMeeting } from '../signaling/http.ts';
import { buildModel, TARGET_SIZE } from './analysis.ts';
import { openChromiumFocal } from './chromium.ts';
import { keysFigures, keysSeries } from './figures.ts';
import { runFocal, type FocalResult } from './focal.ts';
import { keysNotes } from './notes.ts';
import { RealRoom } from './realRoom.ts';
import type { KeysRuns, RealSize } from './runs.ts';

/** Rooms on the real service (members during the events). */
const REAL_SIZES = [10, 25, 50, 100];
const QUICK_REAL_SIZES = [10, 25];
/** Focal rooms in Node (the fits use every size here). */
const FOCAL_SIZES = [10, 25, 50, 100, 300];
const QUICK_FOCAL_SIZES = [10, 25, 50];
/** Focal rooms in Chromium, side by side with Node. */
const BROWSER_SIZES = [10, 100];

function push<T>(map: Map<number, T[]>, n: number, value: T): void {
  map.set(n, [...(map.get(n) ?? []), value]);
}

async function realRooms(context: BenchContext, runs: KeysRuns): Promise<void> {
  const service = await startService({
    root: context.root,
    pinning: context.pinning,
    workDir: context.workDir,
    webDist: join(context.root, 'apps/web/dist'),
  });
  try {
    const target = { baseUrl: service.url, origin: service.url };
    let index = 0;
    const next = (): number => index++;
    for (const n of context.quick ? QUICK_REAL_SIZES : REAL_SIZES) {
      const started = Date.now();
      const meeting = await createOpenMeeting(service.url, service.url);
      const room = await RealRoom.build(target, meeting, service.signalingPid, n - 1, next);
      const size: RealSize = { n, joins: [], leaves: [], setupSeconds: (Date.now() - started) / 1000 };
      try {
        for (let run = 0; run < context.runs; run++) {
          size.joins.push(await room.join(next()));
          size.leaves.push(await room.leave());
        }
      } finally {
        room.close();
      }
      runs.real.push(size);
      const leave = size.leaves[0];
      context.log(
        `room of ${n}: a leave relayed ${leave?.traffic.envelopesIn ?? 0} envelopes (${Date.now() - started} ms)`,
      );
    }
  } finally {
    await service.close();
  }
}

async function focalRooms(context: BenchContext, runs: KeysRuns): Promise<void> {
  const sizes = context.quick ? QUICK_FOCAL_SIZES : FOCAL_SIZES;
  // Warm-up (JIT, WebCrypto's first keys): not kept.
  await runFocal(10, ownCpuMs);
  for (let run = 0; run < context.runs; run++) {
    for (const n of sizes) {
      push(runs.focal, n, await runFocal(n, ownCpuMs));
    }
  }
  if (!context.quick) {
    runs.focal1000 = await runFocal(TARGET_SIZE, ownCpuMs);
    context.log(
      `focal room of ${TARGET_SIZE}: a member's leave ${runs.focal1000.memberLeave.cpuMs.toFixed(0)} ms CPU`,
    );
  }
}

async function browserRooms(context: BenchContext, runs: KeysRuns): Promise<void> {
  const sizes = context.quick ? BROWSER_SIZES.slice(0, 1) : BROWSER_SIZES;
  const wall = (): number => performance.now();
  const chromium = await openChromiumFocal();
  try {
    await runFocal(10, wall);
    // Interleaved, run by run: Node then Chromium on the same room size.
    for (let run = 0; run < context.runs; run++) {
      for (const n of sizes) {
        push<FocalResult>(runs.nodeWall, n, await runFocal(n, wall));
        push<FocalResult>(runs.chromium, n, await chromium.run(n));
      }
    }
  } finally {
    await chromium.close();
  }
}

async function run(context: BenchContext): Promise<SectionResult> {
  const started = Date.now();
  const runs: KeysRuns = {
    real: [],
    focal: new Map(),
    focal1000: null,
    chromium: new Map(),
    nodeWall: new Map(),
    chromiumError: null,
    runs: context.runs,
  };
  await realRooms(context, runs);
  await focalRooms(context, runs);
  try {
    await browserRooms(context, runs);
  } catch (error) {
    // Node's figures stand without it; the notes say why it is missing.
    runs.chromiumError = error instanceof Error ? error.message : String(error);
    runs.chromium.clear();
    runs.nodeWall.clear();
    context.log(`Chromium: ${runs.chromiumError}`);
  }
  const model = buildModel(runs);
  return {
    id: 'keys',
    title: 'Key distribution as the room grows',
    figures: keysFigures(runs, model),
    series: keysSeries(runs, model),
    notes: keysNotes(runs, model),
    pinning: context.pinning.text,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

export const keysSection: Section = { id: 'keys', title: 'Key distribution as the room grows', run };
