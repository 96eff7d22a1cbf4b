import type { Page } from '@playwright/test';
import type { BurstHooks } from './burst.ts';

/** A participant present in the room, as the convergence check sees it. */
export interface MeshMember {
  readonly name: string;
  readonly page: Page;
  readonly memberId: string;
}

/** One page's view at one instant: what it decoded of each camera, which keys it holds, its room code. */
interface PageSample {
  /** framesDecoded of each remote camera, by the sender's member id (inbound-rtp via getStats). */
  readonly decoded: Record<string, number>;
  readonly senderEpoch: number | null;
  /** Epochs of the receive keys the page's worker holds, by sender member id. */
  readonly epochs: Record<string, number[]>;
  readonly room: string | null;
}

async function sample(page: Page): Promise<PageSample> {
  return page.evaluate(async () => {
    const hooks = (window as unknown as { __meeting?: BurstHooks }).__meeting;
    if (!hooks) {
      throw new Error('window.__meeting is missing');
    }
    const [stats, e2ee] = await Promise.all([hooks.getStats(), hooks.getE2eeStats()]);
    const decoded: Record<string, number> = {};
    for (const s of stats) {
      if (s.source === 'camera' && s.kind === 'video') {
        decoded[s.memberId] = s.framesDecoded ?? 0;
      }
    }
    const epochs: Record<string, number[]> = {};
    for (const r of e2ee.receivers) {
      epochs[r.memberId] = r.epochs;
    }
    return { decoded, senderEpoch: e2ee.senderEpoch, epochs, room: hooks.getSafetyCodes().room };
  });
}

async function sampleAll(members: readonly MeshMember[]): Promise<Map<string, PageSample>> {
  const samples = await Promise.all(members.map((m) => sample(m.page)));
  return new Map(members.map((m, i) => [m.memberId, samples[i]!]));
}

/** Every ordered (receiver, sender) pair of distinct members. */
function pairsOf(members: readonly MeshMember[]): Array<[MeshMember, MeshMember]> {
  return members.flatMap((r) =>
    members.filter((s) => s !== r).map((s) => [r, s] as [MeshMember, MeshMember]),
  );
}

/** What still stands between the room and convergence, in words (empty: converged). */
function blockers(
  members: readonly MeshMember[],
  before: Map<string, PageSample>,
  now: Map<string, PageSample>,
): string[] {
  const problems: string[] = [];
  for (const [receiver, sender] of pairsOf(members)) {
    const a = before.get(receiver.memberId)!.decoded[sender.memberId] ?? 0;
    const b = now.get(receiver.memberId)!.decoded[sender.memberId] ?? 0;
    if (b <= a) {
      problems.push(`${receiver.name} decodes nothing of ${sender.name} (${a} -> ${b})`);
    }
    // The receiver holds the key the sender encrypts with now (not merely an older one still decoding).
    const senderEpoch = now.get(sender.memberId)!.senderEpoch;
    const held = now.get(receiver.memberId)!.epochs[sender.memberId] ?? [];
    if (senderEpoch === null || !held.includes(senderEpoch)) {
      problems.push(`${receiver.name} lacks ${sender.name}'s epoch ${senderEpoch} (holds ${held.join(',')})`);
    }
  }
  const rooms = new Set(members.map((m) => now.get(m.memberId)!.room));
  if (rooms.size !== 1 || rooms.has(null)) {
    problems.push(
      `room codes differ: ${members.map((m) => `${m.name}=${now.get(m.memberId)!.room}`).join(' ')}`,
    );
  }
  return problems;
}

export interface MeshOptions {
  /** When the clock starts (the last join or leave of the burst completed). */
  readonly since: number;
  /** Convergence must happen within this many milliseconds of `since`. */
  readonly boundMs: number;
  /** Between two samples (a pair must decode frames in between). Default 1000. */
  readonly sampleMs?: number;
  /** After convergence, every pair must keep decoding over this window. Default 4000. */
  readonly holdMs?: number;
  /**
   * Frames every pair must decode over the hold window. Default 5: the camera sends 10 fps, so
   * ~40 are expected; 5 still tells "decoding" from "stalled" on a starved machine.
   */
  readonly minFramesHeld?: number;
  readonly now?: () => number;
}

export interface MeshResult {
  /** Milliseconds from `since` to the first sample where every condition held. */
  readonly convergedMs: number;
  /** The room safety code every page showed. */
  readonly room: string;
  /** Fewest frames any pair decoded over the hold window, and which pair. */
  readonly slowest: { readonly pair: string; readonly frames: number };
  readonly pairs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the room has converged: in one sampling interval, every
 * (receiver, sender) pair decoded frames of the sender's camera, every
 * receiver holds the key of each sender's current epoch, and every page shows
 * the same room safety code. Then requires every pair to keep decoding over a
 * hold window (a key switch that leaves someone behind would show here).
 * Throws, naming the stuck pairs, when `boundMs` passes first.
 */
export async function awaitMesh(members: readonly MeshMember[], options: MeshOptions): Promise<MeshResult> {
  const now = options.now ?? Date.now;
  const sampleMs = options.sampleMs ?? 1_000;
  const holdMs = options.holdMs ?? 4_000;
  const minFramesHeld = options.minFramesHeld ?? 5;
  let previous = await sampleAll(members);
  for (;;) {
    await pause(sampleMs);
    const current = await sampleAll(members);
    const problems = blockers(members, previous, current);
    const at = now() - options.since;
    // BURST_TRACE=1 prints what held the room back at each sample (to see where the time goes).
    if (process.env.BURST_TRACE) {
      process.stdout.write(
        `    ${Math.round(at)} ms: ${problems.length} blockers; ${problems.slice(0, 4).join('; ')}\n`,
      );
    }
    if (problems.length === 0) {
      return hold(members, current, at, { holdMs, minFramesHeld });
    }
    if (at > options.boundMs) {
      throw new Error(
        `no convergence ${Math.round(at)} ms after the burst (bound ${options.boundMs} ms):\n  ${problems.join('\n  ')}`,
      );
    }
    previous = current;
  }
}

/** The hold window after convergence: every pair keeps decoding, the room code stays. */
async function hold(
  members: readonly MeshMember[],
  start: Map<string, PageSample>,
  convergedMs: number,
  options: { holdMs: number; minFramesHeld: number },
): Promise<MeshResult> {
  const { holdMs, minFramesHeld } = options;
  const room = start.get(members[0]!.memberId)!.room!;
  await pause(holdMs);
  const end = await sampleAll(members);
  let slowest = { pair: '', frames: Number.POSITIVE_INFINITY };
  for (const [receiver, sender] of pairsOf(members)) {
    const frames =
      (end.get(receiver.memberId)!.decoded[sender.memberId] ?? 0) -
      (start.get(receiver.memberId)!.decoded[sender.memberId] ?? 0);
    if (frames < slowest.frames) {
      slowest = { pair: `${receiver.name} <- ${sender.name}`, frames };
    }
  }
  if (slowest.frames < minFramesHeld) {
    throw new Error(
      `converged at ${Math.round(convergedMs)} ms, then ${slowest.pair} decoded only ${slowest.frames} frames in ${holdMs} ms`,
    );
  }
  const rooms = new Set(members.map((m) => end.get(m.memberId)!.room));
  if (rooms.size !== 1 || !rooms.has(room)) {
    throw new Error(`the room code changed during the hold window: ${[...rooms].join(' / ')}`);
  }
  return { convergedMs, room, slowest, pairs: pairsOf(members).length };
}
