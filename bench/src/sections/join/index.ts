/**
 * Issue 13, item 2: join time in a real browser. Click « Rejoindre » → first
 * remote frame decoded, with E2EE as shipped and, as the control, the same
 * web app built with E2EE off; and through a lobby, « Admettre » → both
 * decoding. Real Chromium (fake camera and microphone), the real service
 * (SFU + signaling), on loopback.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from '@playwright/test';
import type { BenchContext, Section } from '../../core/context.ts';
import type { SectionResult } from '../../core/figure.ts';
import { startService, type RunningService } from '../../core/service.ts';
import { median } from '../../core/stats.ts';
import { gapNotes } from './analysis.ts';
import { launchChromium } from './browser.ts';
import { prepareBuilds } from './builds.ts';
import { FRAME_TIMEOUT_MS, joinBlock, POLL_MS, type JoinSample, type MeetingSide } from './measure.ts';
import { openLobbyMeeting } from './organiser.ts';
import { createOpenMeeting, joinAndSettle, leaveAndClose, openPage, selfId } from './pages.ts';
import { phaseNotes } from './phases.ts';
import { joinFigures, joinSeries, stepNotes, type RunSamples } from './results.ts';

type Variant = 'e2ee' | 'off';

interface Plan {
  joins: number;
  admissions: number;
  /** Unmeasured joins before a variant's (or the lobby's) first block: the first join is cold. */
  warmups: number;
}

/** How many cores a `taskset -c` list names ('1', '1-3', '0,2'); all of them when not pinned. */
function loadCores(list: string | null): number {
  if (list === null) {
    return availableParallelism();
  }
  return list.split(',').reduce((sum, part) => {
    const [from, to] = part.split('-').map(Number);
    return sum + (to === undefined ? 1 : to - (from ?? to) + 1);
  }, 0);
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

/** The member's encoder settles (simulcast layers up) before the first join of a block. */
const MEMBER_SETTLE_MS = 1_500;

/**
 * One block: a member joins the variant's meeting, `warmups` unmeasured joins, `count` measured
 * ones, then the member leaves (one member's page at a time: each costs about half a core).
 */
async function variantBlock(
  browser: Browser,
  service: RunningService,
  path: string,
  label: string,
  warmups: number,
  count: number,
  log: (m: string) => void,
): Promise<{ samples: JoinSample[]; failures: string[] }> {
  const member = await openPage(browser, service.url, 'Membre', log);
  try {
    await joinAndSettle(member, path);
    const side: MeetingSide = {
      baseUrl: service.url,
      path,
      member,
      memberId: await selfId(member.page),
      lobby: false,
    };
    await sleep(MEMBER_SETTLE_MS);
    if (warmups > 0) {
      await joinBlock(browser, side, warmups, `${label}-warmup`, log);
    }
    return await joinBlock(browser, side, count, label, log);
  } finally {
    await leaveAndClose(member);
  }
}

async function lobbyRuns(
  browser: Browser,
  context: BenchContext,
  service: RunningService,
  plan: Plan,
  runs: RunSamples,
  failures: string[],
): Promise<void> {
  const { log } = context;
  const lobby = await openLobbyMeeting(browser, context.root, service.url, service.log, log);
  try {
    const side: MeetingSide = {
      baseUrl: service.url,
      path: lobby.invitePath,
      member: lobby.host,
      memberId: lobby.hostId,
      lobby: true,
    };
    await sleep(MEMBER_SETTLE_MS);
    if (plan.warmups > 0) {
      await joinBlock(browser, side, plan.warmups, 'lobby-warmup', log);
    }
    for (let r = 0; r < context.runs; r++) {
      const block = await joinBlock(browser, side, plan.admissions, `lobby-r${r + 1}`, log);
      runs.lobby[r] = block.samples;
      failures.push(...block.failures.map((f) => `lobby run ${r + 1}: ${f}`));
      log(`lobby run ${r + 1}: ${block.samples.map((s) => Math.round(s.both)).join(', ')} ms`);
    }
  } finally {
    await leaveAndClose(lobby.host);
  }
}

async function run(context: BenchContext): Promise<SectionResult> {
  const { log } = context;
  const plan: Plan = context.quick
    ? { joins: 2, admissions: 1, warmups: 0 }
    : { joins: 10, admissions: 3, warmups: 1 };
  const builds = await prepareBuilds(context.root, context.workDir, log);
  const runs: RunSamples = { e2ee: [], off: [], lobby: [] };
  const failures: string[] = [];
  const services: RunningService[] = [];
  let browser: Browser | null = null;
  try {
    const start = async (name: string, webDist: string): Promise<RunningService> => {
      const service = await startService({
        root: context.root,
        pinning: context.pinning,
        workDir: join(context.workDir, name),
        webDist,
      });
      services.push(service);
      return service;
    };
    const service: Record<Variant, RunningService> = {
      e2ee: await start('shipped', builds.shipped),
      off: await start('control', builds.control),
    };
    browser = await launchChromium();
    const paths: Record<Variant, string> = {
      e2ee: await createOpenMeeting(browser, service.e2ee.url),
      off: await createOpenMeeting(browser, service.off.url),
    };
    const warmed = new Set<Variant>();
    for (let r = 0; r < context.runs; r++) {
      // ours, peer, peer, ours...: neither variant always runs first.
      const order: Variant[] = r % 2 === 0 ? ['e2ee', 'off'] : ['off', 'e2ee'];
      for (const variant of order) {
        const label = `${variant}-r${r + 1}`;
        const warmups = warmed.has(variant) ? 0 : plan.warmups;
        warmed.add(variant);
        let block: { samples: JoinSample[]; failures: string[] };
        try {
          block = await variantBlock(
            browser,
            service[variant],
            paths[variant],
            label,
            warmups,
            plan.joins,
            log,
          );
        } catch (error) {
          // The member could not join: no figure for this variant in this run (nor a ratio).
          block = { samples: [], failures: [`member page: ${errorText(error)}`] };
        }
        runs[variant][r] = block.samples;
        failures.push(...block.failures.map((f) => `${label}: ${f}`));
        log(`${label}: ${block.samples.map((s) => Math.round(s.joinerDecodes)).join(', ')} ms`);
      }
    }
    try {
      await lobbyRuns(browser, context, service.e2ee, plan, runs, failures);
    } catch (error) {
      // The joins' figures stand without the lobby's.
      failures.push(`lobby: ${errorText(error)}`);
      log(`lobby failed: ${errorText(error)}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    for (const service of services) {
      await service.close();
    }
  }
  const all = [...runs.e2ee, ...runs.off, ...runs.lobby].flat();
  if (runs.e2ee.flat().length === 0 || runs.off.flat().length === 0) {
    throw new Error(`no join measured in a variant; failures: ${failures.join('; ')}`);
  }
  const resolution = median(all.map((s) => s.resolutionMs).filter((v) => Number.isFinite(v)));
  const byCallback = all.filter((s) => s.timeline.frame < s.pollFrame).length;
  const rvfcShare = `${byCallback} of ${all.length}`;
  const e2ee = runs.e2ee.flat();
  const off = runs.off.flat();
  return {
    id: 'join',
    title: 'Join time in a real browser',
    figures: joinFigures(runs),
    series: joinSeries(runs),
    notes: [
      `Each run: ${plan.joins} joins with E2EE as shipped, ${plan.joins} with E2EE off (control), the variants' ` +
        `order alternating between runs, then ${plan.admissions} admissions through a lobby (E2EE as shipped); ` +
        `${plan.warmups} unmeasured warm-up join(s) per variant and for the lobby. ${e2ee.length} + ${off.length} joins and ` +
        `${runs.lobby.flat().length} admissions measured, ${failures.length} failed` +
        (failures.length > 0 ? ` (${failures.slice(0, 5).join('; ')})` : '') +
        '.',
      'A join: an open meeting where one member (a Chromium page, fake camera at 1280×720, three-layer VP8 ' +
        'simulcast, and fake microphone) already is; the joiner is a fresh browser context (a new visitor, nothing ' +
        'cached), on the join screen with its name typed and its camera preview showing frames, then clicks ' +
        '« Rejoindre ». Lobby: an organiser (admin CLI account, password + one-time code) made the meeting and a ' +
        'shared level-3 invite; the guest opens it, joins and waits; the host clicks « Admettre ».',
      `Times are taken in the pages on the machine's wall clock (performance.timeOrigin + performance.now()): the ` +
        `click, by a capture listener; the first decoded frame, at the latest, by two bounds, whichever is ` +
        `earlier: the first getStats poll of the test hooks (window.__meeting, every ${POLL_MS} ms, one poll at a ` +
        `time) that sees framesDecoded > 0 on the other's camera (median poll spacing ${resolution.toFixed(0)} ms: ` +
        `a getStats call takes time on a busy core), and the decode end (receiveTime + processingDuration) of the ` +
        `first frame the tile's <video> presents (requestVideoFrameCallback; ${rvfcShare} of the first frames ` +
        `were timed this way). A join not decoded both ways within ${FRAME_TIMEOUT_MS / 1000} s counts as failed.`,
      "The steps are time-stamped by the bench's probe in each page (installed before the app's scripts): " +
        'fetch of the room token, Socket.IO frames (each request and its answer, each event), peer connection ' +
        "states, the E2EE worker's creation and ready message, and the keys posted to it.",
      `The control build (apps/web/dist-bench) differs only by VITE_BENCH_E2EE_OFF=true: no E2EE worker, no key ` +
        `exchange, no frame transforms (apps/web/src/meeting/benchE2eeOff.ts); the identity key pairs are still ` +
        `made, the join request carries them. ${builds.text}`,
      `Each variant runs on its own service (scripts/serve.ts: SFU + signaling, system-under-test core). All ` +
        `Chromium pages share the load core(s); the member's page alone costs about half a core (720p simulcast ` +
        `encoding), so the joiner's page competes with it: absolute times are above a desktop's, the E2EE/off ` +
        `ratio compares like with like.`,
      ...phaseNotes(
        e2ee.map((s) => s.timeline),
        off.map((s) => s.timeline),
      ),
      ...gapNotes(e2ee, off, builds.shipped, loadCores(context.pinning.load)),
      ...stepNotes(runs),
    ],
    pinning: context.pinning.text,
  };
}

export const joinSection: Section = { id: 'join', title: 'Join time in a real browser', run };
