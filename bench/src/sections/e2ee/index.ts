/**
 * Issue 13, item 3: E2EE cost in the browser. Per-frame SFrame encrypt and
 * decrypt with the real code (packages/e2ee, and the shipped worker's
 * transform streams) in a dedicated worker of Debian's Chromium, against raw
 * WebCrypto AES-GCM in the same worker (the limit), at Opus, VP8 delta and
 * VP8 key-frame sizes. And the E2EE worker's start, which a join waits for.
 */
import type { Browser } from '@playwright/test';
import type { BenchContext, Section } from '../../core/context.ts';
import type { Figure, SectionResult, Series } from '../../core/figure.ts';
import { median, ratioSummary, summarize } from '../../core/stats.ts';
import { launchChromium } from '../join/browser.ts';
import { bundleWorkers } from './bundle.ts';
import { runFrameBench, workerStarts } from './page.ts';
import { profileNotes } from './profile.ts';
import { servePage } from './server.ts';
import type { BenchResponse, CaseResult, FrameCase } from './worker/frameBench.ts';

export const RATIO_TARGET = 1.3;

const CASES: ReadonlyArray<FrameCase & { label: string }> = [
  { id: 'opus', bytes: 120, codec: 'opus', keyFrame: false, label: 'Opus frame (120 B)' },
  { id: 'vp8delta', bytes: 1_200, codec: 'vp8', keyFrame: false, label: 'VP8 delta frame (1,200 B)' },
  { id: 'keyframe', bytes: 30_000, codec: 'vp8', keyFrame: true, label: 'VP8 key frame (30,000 B)' },
];
const OPS = ['encrypt', 'decrypt'] as const;
type Op = (typeof OPS)[number];

const BENCH_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 15_000;

interface Plan {
  batch: number;
  batches: number;
  warmupBatches: number;
  profileBatches: number;
  starts: number;
}

type Level = 'frame' | 'pipeline';

function values(runs: readonly BenchResponse[], id: string, pick: (r: CaseResult) => number): number[] {
  return runs.map((run) => {
    const found = run.results.find((r) => r.id === id);
    return found ? pick(found) : Number.NaN;
  });
}

function frameFigures(runs: readonly BenchResponse[], level: Level): Figure[] {
  const figures: Figure[] = [];
  for (const c of CASES) {
    for (const op of OPS) {
      const ours = values(runs, c.id, (r) => (level === 'frame' ? r.ours : r.pipeline)[op]);
      const raw = values(runs, c.id, (r) => (level === 'frame' ? r.raw : r.pipelineRaw)[op]);
      const ratio = ratioSummary(ours, raw);
      figures.push({
        id: level === 'frame' ? `e2ee.${op}.${c.id}` : `e2ee.pipeline.${op}.${c.id}`,
        label:
          level === 'frame'
            ? `SFrame ${op}Frame, ${c.label}, per frame`
            : `Shipped transform stream, ${op}, ${c.label}, per frame`,
        unit: 'µs',
        ours: summarize(ours),
        reference: {
          name:
            level === 'frame'
              ? 'raw WebCrypto AES-GCM (same worker)'
              : 'raw AES-GCM in the same TransformStream',
          value: summarize(raw),
        },
        ratio,
        better: 'lower',
        target: { text: `≤ ${RATIO_TARGET}× raw`, met: ratio.median <= RATIO_TARGET },
      });
    }
  }
  return figures;
}

function perFrameSeries(runs: readonly BenchResponse[], level: Level): Series {
  const points: Series['points'] = [];
  const lines: Array<[string, (r: CaseResult) => number]> = OPS.flatMap((op: Op) => [
    [`ours ${op}`, (r: CaseResult) => (level === 'frame' ? r.ours : r.pipeline)[op]] as [
      string,
      (r: CaseResult) => number,
    ],
    [`raw AES-GCM ${op}`, (r: CaseResult) => (level === 'frame' ? r.raw : r.pipelineRaw)[op]] as [
      string,
      (r: CaseResult) => number,
    ],
  ]);
  for (const c of CASES) {
    for (const [name, pick] of lines) {
      const y = median(values(runs, c.id, pick).filter((v) => Number.isFinite(v)));
      points.push({
        series: name,
        x: Math.round(Math.log10(c.bytes) * 100) / 100,
        y: Math.round(y * 10) / 10,
      });
    }
  }
  return {
    id: level === 'frame' ? 'e2ee.perFrame' : 'e2ee.pipelinePerFrame',
    title:
      level === 'frame'
        ? 'µs per frame: SFrame encryptFrame/decryptFrame vs raw AES-GCM (Chromium worker)'
        : 'µs per frame through a TransformStream: shipped transform vs raw AES-GCM',
    xLabel: 'frame size, log10 bytes (2.08 = 120 B, 3.08 = 1.2 KB, 4.48 = 30 KB)',
    yLabel: 'µs per frame (median)',
    points,
    logY: true,
  };
}

async function measure(browser: Browser, context: BenchContext, plan: Plan, url: string) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => context.log(`page error: ${error.message}`));
  await page.goto(url, { timeout: 20_000 });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const frames: BenchResponse[] = [];
  const shipped: number[] = [];
  const frameOnly: number[] = [];
  for (let r = 0; r < context.runs; r++) {
    const response = await runFrameBench(
      page,
      { cases: CASES.map(({ label: _label, ...c }) => c), ...plan },
      BENCH_TIMEOUT_MS,
    );
    frames.push(response);
    const starts = await workerStarts(
      page,
      { shipped: '/shipped-worker.js', frameOnly: '/frame-only-worker.js' },
      plan.starts,
      START_TIMEOUT_MS,
    );
    shipped.push(median(starts['shipped'] ?? [Number.NaN]));
    frameOnly.push(median(starts['frameOnly'] ?? [Number.NaN]));
    const keyframe = response.results.find((x) => x.id === 'keyframe');
    context.log(
      `run ${r + 1}: key frame encrypt ${keyframe?.ours.encrypt.toFixed(1)} µs (raw ${keyframe?.raw.encrypt.toFixed(1)}), ` +
        `worker start ${shipped[r]?.toFixed(0)} ms (frame-only ${frameOnly[r]?.toFixed(0)} ms)`,
    );
  }
  return { isolated, frames, shipped, frameOnly };
}

async function run(context: BenchContext): Promise<SectionResult> {
  const plan: Plan = context.quick
    ? { batch: 20, batches: 30, warmupBatches: 5, profileBatches: 10, starts: 3 }
    : { batch: 20, batches: 100, warmupBatches: 10, profileBatches: 50, starts: 7 };
  context.log('bundling the worker scripts (Vite)');
  const bundles = await bundleWorkers(context.root);
  const server = await servePage({
    '/frame-bench.js': bundles.frameBench,
    '/shipped-worker.js': bundles.shippedWorker,
    '/frame-only-worker.js': bundles.frameOnlyWorker,
  });
  let browser: Browser | null = null;
  let measured;
  try {
    browser = await launchChromium();
    measured = await measure(browser, context, plan, server.url);
  } finally {
    await browser?.close().catch(() => undefined);
    await server.close();
  }
  const { isolated, frames, shipped, frameOnly } = measured;
  const startRatio = ratioSummary(shipped, frameOnly);
  const figures: Figure[] = [
    ...frameFigures(frames, 'frame'),
    ...frameFigures(frames, 'pipeline'),
    {
      id: 'e2ee.workerStart',
      label: 'E2EE worker start (new Worker → ready, nothing cached), as shipped',
      unit: 'ms',
      ours: summarize(shipped),
      reference: { name: 'same worker with frame-only imports (no zod)', value: summarize(frameOnly) },
      ratio: startRatio,
      better: 'lower',
    },
  ];
  const kb = (text: string): string => `${Math.round(text.length / 1024)} KB`;
  return {
    id: 'e2ee',
    title: 'E2EE cost in the browser',
    figures,
    series: [perFrameSeries(frames, 'frame'), perFrameSeries(frames, 'pipeline')],
    notes: [
      `In one dedicated module worker of Chromium (fresh per run), the real code bundled with Vite: ` +
        `encryptFrame/decryptFrame of packages/e2ee (SFrame header, key and CTR from SenderContext, AAD, ` +
        `AES_128_GCM_SHA256_128, output assembly, ReceiverKeyRing lookup, replay window), and the shipped worker's ` +
        `transform streams (apps/web FramePipeline.ts with SenderKeys / ReceiverKeys), against raw ` +
        `crypto.subtle AES-GCM (128-bit key, fresh 96-bit IV per frame, no AAD) on the same bytes in the same worker.`,
      `Sizes: ${CASES.map((c) => c.label).join(', ')}; random payloads (AES-GCM time does not depend on content). ` +
        `Each frame is awaited before the next (the latency a frame pays). Per run: ${plan.warmupBatches} warm-up ` +
        `batches, then ${plan.batches} batches of ${plan.batch} frames per size and way ` +
        `(${plan.batch * plan.batches} frames), ours and raw alternating batch by batch; a batch's time / ${plan.batch} ` +
        `is one sample, the run's figure their median; the ratio is taken per run.`,
      `Timer: the page is cross-origin isolated (COOP + COEP): ${isolated ? 'yes' : 'NO'}, so performance.now() ` +
        `in the worker has ${isolated ? '5 µs' : '100 µs'} resolution; a batch of ${plan.batch} frames lasts ` +
        `far longer than that.`,
      `Worker start: the shipped worker (apps/web/src/e2ee/worker/e2eeWorker.ts, bundled as is: ` +
        `${kb(bundles.shippedWorker)}) against the same worker with '@confidentiel/e2ee' narrowed to its frame ` +
        `modules (${kb(bundles.frameOnlyWorker)}, zod and @confidentiel/protocol left out), ${plan.starts} starts of ` +
        `each per run, alternating, each from a fresh URL (no HTTP or code cache: a new visitor's join pays this).`,
      ...profileNotes(frames, RATIO_TARGET),
    ],
    pinning: context.pinning.text,
  };
}

export const e2eeSection: Section = { id: 'e2ee', title: 'E2EE cost in the browser', run };
