/**
 * Measured joins. A join: a new visitor, on the join screen with the camera
 * preview running, clicks « Rejoindre »; the time until it decodes the
 * member's camera, and until the member decodes its camera. An admission: a
 * guest waits in the lobby, the host clicks « Admettre »; the same two times.
 * Times are taken in the pages (probe.ts) on the machine's wall clock. The
 * next visitor's page loads while the previous one leaves (outside any
 * measured interval), so a block of joins takes less wall time.
 */
import type { Browser } from '@playwright/test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuMeter } from '../../core/cpu.ts';
import {
  clickJoin,
  leaveAndClose,
  openPage,
  readProbe,
  readyToJoin,
  selfId,
  startPoll,
  stopPoll,
  UI_TIMEOUT_MS,
  waitFirstFrame,
  waitGone,
  type ProbedPage,
} from './pages.ts';
import { pollResolution, timeline, type Timeline } from './timeline.ts';

/** getStats poll interval in the pages (the resolution of a first frame). */
export const POLL_MS = 20;
/** A join whose frames do not come within this counts as failed (and is reported as such). */
export const FRAME_TIMEOUT_MS = 15_000;
/** After a leave: the member's key rotation and the SFU's clean-up end before the next join. */
const SETTLE_MS = 300;

export interface JoinSample {
  /** Click → the joiner decodes the member's camera, ms (NaN: not within the bound). */
  joinerDecodes: number;
  /** Click → the member decodes the joiner's camera, ms. */
  memberDecodes: number;
  /** Both decoding. */
  both: number;
  timeline: Timeline;
  /** Median spacing of the joiner's getStats polls, ms. */
  resolutionMs: number;
  /** The joiner's first decoded frame by the getStats poll alone, ms since the click. */
  pollFrame: number;
  /**
   * CPU ms of this process and its children (Chromium: every page, the workers, the GPU and
   * network processes) from just before the click until both first frames: what the join cost
   * the load core(s), member's page included.
   */
  cpuMs: number;
  /** Wall ms of that same interval. */
  wallMs: number;
}

/** The meeting a block of joins goes to, and the member already in it. */
export interface MeetingSide {
  baseUrl: string;
  /** Path (with the link secret) a visitor opens: the meeting's, or the lobby invite's. */
  path: string;
  member: ProbedPage;
  memberId: string;
  /** Joins through the lobby: the measure starts at the host's « Admettre ». */
  lobby: boolean;
}

interface Measured {
  sample: JoinSample | null;
  visitorId: string | null;
  error: string | null;
}

function sample(
  t: Timeline,
  resolutionMs: number,
  pollFrame: number,
  cpu: { cpuMs: number; wallMs: number },
): JoinSample {
  return {
    ...cpu,
    pollFrame,
    joinerDecodes: t.frame,
    memberDecodes: t.peerFrame,
    both: Math.max(t.frame, t.peerFrame),
    timeline: t,
    resolutionMs,
  };
}

async function prepare(browser: Browser, side: MeetingSide, name: string, log: (m: string) => void) {
  const visitor = await openPage(browser, side.baseUrl, name, log);
  try {
    await readyToJoin(visitor, side.path);
  } catch (error) {
    await visitor.context.close().catch(() => undefined);
    throw error;
  }
  return visitor;
}

/** Clicks (join, or admit after the guest waits), waits for both first frames, reads the probes. */
async function measure(side: MeetingSide, visitor: ProbedPage, result: Measured): Promise<JoinSample> {
  const { member } = side;
  const meter = new CpuMeter([process.pid]);
  let started: number;
  let clickName = 'click:join';
  if (side.lobby) {
    await clickJoin(visitor);
    await visitor.page.getByTestId('lobby-waiting').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const entry = member.page.getByTestId('lobby-entry').filter({ hasText: visitor.name });
    await entry.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    result.visitorId = await entry.getAttribute('data-member-id', { timeout: UI_TIMEOUT_MS });
    await Promise.all([startPoll(member.page, POLL_MS), startPoll(visitor.page, POLL_MS)]);
    meter.start();
    started = performance.now();
    await entry.getByTestId('lobby-admit').click({ timeout: UI_TIMEOUT_MS });
    clickName = 'click:admit';
  } else {
    await Promise.all([startPoll(member.page, POLL_MS), startPoll(visitor.page, POLL_MS)]);
    meter.start();
    started = performance.now();
    await clickJoin(visitor);
    result.visitorId = await selfId(visitor.page);
  }
  const visitorId = result.visitorId;
  if (visitorId === null) {
    throw new Error('the visitor has no member id');
  }
  await Promise.all([
    waitFirstFrame(visitor.page, side.memberId, FRAME_TIMEOUT_MS),
    waitFirstFrame(member.page, visitorId, FRAME_TIMEOUT_MS),
  ]);
  const cpu = { cpuMs: meter.stop(), wallMs: performance.now() - started };
  await Promise.all([stopPoll(member.page), stopPoll(visitor.page)]);
  const [joiner, peer] = await Promise.all([readProbe(visitor.page), readProbe(member.page)]);
  const clicks = (side.lobby ? peer : joiner).marks.filter((m) => m.name === clickName);
  const click = clicks[clicks.length - 1];
  if (!click) {
    throw new Error(`the click (${clickName}) was not time-stamped`);
  }
  const t = timeline({
    t0: click.t,
    joiner,
    member: peer,
    joinerId: visitorId,
    memberId: side.memberId,
    admitted: side.lobby,
  });
  return sample(t, pollResolution(joiner), (joiner.first[side.memberId]?.frame ?? Number.NaN) - click.t, cpu);
}

async function finish(side: MeetingSide, visitor: ProbedPage, visitorId: string | null): Promise<void> {
  await stopPoll(side.member.page).catch(() => undefined);
  await leaveAndClose(visitor).catch(() => undefined);
  if (visitorId !== null) {
    await waitGone(side.member.page, visitorId).catch(() => undefined);
  }
  await sleep(SETTLE_MS);
}

type Prepared = { ok: true; visitor: ProbedPage } | { ok: false; error: string };

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

export interface BlockResult {
  samples: JoinSample[];
  /** Joins that failed (an exception, or no frame within the bound), with why. */
  failures: string[];
}

/**
 * `count` joins (or admissions) one after the other into `side`'s meeting. A
 * failed join is counted and the block goes on (every wait is bounded).
 */
export async function joinBlock(
  browser: Browser,
  side: MeetingSide,
  count: number,
  label: string,
  log: (m: string) => void,
): Promise<BlockResult> {
  const samples: JoinSample[] = [];
  const failures: string[] = [];
  const start = (i: number): Promise<Prepared> =>
    prepare(browser, side, `${label}-${i + 1}`, log).then(
      (visitor): Prepared => ({ ok: true, visitor }),
      (error: unknown): Prepared => ({ ok: false, error: errorText(error) }),
    );
  let next: Promise<Prepared> | null = start(0);
  for (let i = 0; i < count && next !== null; i++) {
    const prepared: Prepared = await next;
    if (!prepared.ok) {
      failures.push(`page not ready: ${prepared.error}`);
      next = i + 1 < count ? start(i + 1) : null;
      continue;
    }
    const result: Measured = { sample: null, visitorId: null, error: null };
    try {
      result.sample = await measure(side, prepared.visitor, result);
    } catch (error) {
      result.error = errorText(error);
    }
    // The next page loads while this visitor leaves: neither is in a measured interval.
    next = i + 1 < count ? start(i + 1) : null;
    await finish(side, prepared.visitor, result.visitorId);
    const s = result.sample;
    if (s && Number.isFinite(s.both)) {
      samples.push(s);
    } else {
      failures.push(result.error ?? `no frame within ${FRAME_TIMEOUT_MS} ms`);
    }
  }
  if (failures.length > 0) {
    log(`${label}: ${failures.length} of ${count} joins failed: ${failures.join('; ')}`);
  }
  return { samples, failures };
}
