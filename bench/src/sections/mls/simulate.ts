/**
 * The simulation's runs: one pool of members, then per room size a room built in one commit and,
 * per run, a newcomer joining and leaving again (MlsRoomSim). Shared by the bench section and
 * the standalone command (run.ts).
 */
import { loadavg } from 'node:os';
import { MLS_CIPHERSUITE, mlsSuite, type MlsContext } from '@confidentiel/e2ee/mls';
import { MemberPool } from './members.ts';
import { MlsRoomSim, type EventCost, type Meter } from './roomSim.ts';

export type SuiteName = NonNullable<Parameters<typeof mlsSuite>[0]>;

/** The post-quantum hybrid suite the issue asks to consider (X-Wing KEM: X25519 + ML-KEM-768). */
export const PQ_SUITE: SuiteName = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519';

/** Members processing every commit (spread over the tree), per room. */
export const DEFAULT_SAMPLES = 3;

export interface MlsSizeResult {
  /** Members during the changes (after the join, before the leave). */
  readonly n: number;
  readonly joins: EventCost[];
  readonly leaves: EventCost[];
  /** Building the room of n−1 in one commit, its sampled members joining, the settling commit (not measured), s. */
  readonly buildSeconds: number;
}

export interface MlsSimulation {
  readonly suite: SuiteName;
  readonly runs: number;
  readonly samples: number;
  readonly sizes: MlsSizeResult[];
  /** Making the pool's identities and key packages (not measured), s. */
  readonly poolSeconds: number;
  readonly seconds: number;
  /** The machine's 1-minute load average at the start and at the end (others' jobs show here). */
  readonly load: readonly [start: number, end: number];
  /** The process's CPU over the whole simulation, s: user and system (thread-pool hand-offs show here). */
  readonly cpu: { readonly user: number; readonly system: number };
}

export interface SimulateOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly meter: Meter;
  readonly log: (message: string) => void;
  readonly samples?: number;
  readonly suite?: SuiteName;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

export async function simulate(options: SimulateOptions): Promise<MlsSimulation> {
  const { sizes, runs, meter, log } = options;
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const suiteName = options.suite ?? MLS_CIPHERSUITE;
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 3)) {
    throw new RangeError(`room sizes must be integers of at least 3, not ${sizes.join(', ')}`);
  }
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`runs must be a positive integer, not ${runs}`);
  }
  const started = performance.now();
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const cpuAtStart = process.cpuUsage();
  const context: MlsContext = { suite: await mlsSuite(suiteName), linkSecret: MemberPool.linkSecret() };
  const largest = Math.max(...sizes);
  const pool = await MemberPool.create(largest - 1, context);
  const poolSeconds = seconds(started);
  log(`${suiteName}: ${largest - 1} identities and key packages in ${poolSeconds.toFixed(1)} s`);

  // Warm-up (JIT, the suite's first keys): not kept.
  const warm = await MlsRoomSim.build(pool.take(Math.min(10, largest - 1)), context, meter, samples);
  await warm.settle();
  await warm.join(await pool.newcomer());
  await warm.leave();

  const results: MlsSizeResult[] = [];
  for (const n of [...sizes].sort((a, b) => a - b)) {
    const building = performance.now();
    const room = await MlsRoomSim.build(pool.take(n - 1), context, meter, samples);
    await room.settle();
    const buildSeconds = seconds(building);
    const size: MlsSizeResult = { n, joins: [], leaves: [], buildSeconds };
    for (let run = 0; run < runs; run++) {
      size.joins.push(await room.join(await pool.newcomer()));
      size.leaves.push(await room.leave());
    }
    results.push(size);
    log(
      `room of ${n}: built in ${buildSeconds.toFixed(1)} s, ${runs} joins and leaves in ${seconds(building).toFixed(1)} s`,
    );
  }
  const cpuUsed = process.cpuUsage(cpuAtStart);
  return {
    suite: suiteName,
    runs,
    samples,
    sizes: results,
    poolSeconds,
    seconds: seconds(started),
    load: [loadAtStart, loadavg()[0] ?? Number.NaN],
    cpu: { user: cpuUsed.user / 1e6, system: cpuUsed.system / 1e6 },
  };
}

/** The simulation on `suite`, or why it cannot run (a suite whose implementation is not installed). */
export async function trySimulate(
  options: SimulateOptions,
): Promise<{ ok: true; simulation: MlsSimulation } | { ok: false; reason: string }> {
  try {
    await mlsSuite(options.suite ?? MLS_CIPHERSUITE);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, simulation: await simulate(options) };
}
