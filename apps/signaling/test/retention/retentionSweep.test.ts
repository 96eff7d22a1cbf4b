import { describe, expect, it } from 'vitest';
import {
  BACKLOG_PAUSE_MS,
  DAY_MS,
  RECORDINGS_PER_RUN,
  RetentionSweep,
  SWEEP_EVERY_MS,
  type RetainedKind,
  type SweepTimers,
} from '../../src/retention/RetentionSweep.ts';
import { captureLogger } from '../support/harness.ts';

const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);

/** Timers the test fires by hand: each scheduled run, with its delay. */
function manualTimers(): SweepTimers & { pending: Array<{ run: () => void; ms: number }>; fire(): void } {
  const pending: Array<{ run: () => void; ms: number }> = [];
  return {
    pending,
    setTimeout: (run, ms) => {
      const timer = { run, ms };
      pending.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      const i = pending.indexOf(handle as (typeof pending)[number]);
      if (i >= 0) {
        pending.splice(i, 1);
      }
    },
    fire() {
      pending.shift()?.run();
    },
  };
}

/** A kind of record that remembers the cutoffs it was asked for and deletes `answer` each time. */
function kind(days: number, answer: () => number | Promise<number> = () => 0) {
  const calls: Array<{ before: number; limit: number }> = [];
  const retained: RetainedKind & { calls: typeof calls } = {
    days,
    calls,
    deleteBefore: async (before, limit) => {
      calls.push({ before, limit });
      return answer();
    },
  };
  return retained;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the retention sweep', () => {
  it('runs at start then every hour, cutting off at now minus each retention, and logs counts only', async () => {
    const { logger, lines } = captureLogger('retention', 'info');
    const timers = manualTimers();
    let now = T0;
    const recordings = kind(30, () => 2);
    const journals = kind(365, () => 1);
    const sweep = new RetentionSweep({ recordings, journals, logger, now: () => now, timers });
    sweep.start();
    sweep.start();
    expect(timers.pending.map((t) => t.ms)).toEqual([0]);

    timers.fire();
    await settle();
    expect(recordings.calls).toEqual([{ before: T0 - 30 * DAY_MS, limit: RECORDINGS_PER_RUN }]);
    expect(journals.calls.map((c) => c.before)).toEqual([T0 - 365 * DAY_MS]);
    expect(timers.pending.map((t) => t.ms)).toEqual([SWEEP_EVERY_MS]);
    const report = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.msg?.toString().startsWith('retention sweep deleted'));
    expect(report).toMatchObject({ recordingsDeleted: 2, journalsDeleted: 1, backlog: false });

    now += SWEEP_EVERY_MS;
    timers.fire();
    await settle();
    expect(recordings.calls.map((c) => c.before)).toEqual([
      T0 - 30 * DAY_MS,
      T0 + SWEEP_EVERY_MS - 30 * DAY_MS,
    ]);

    await sweep.close();
    await sweep.close();
    expect(timers.pending).toEqual([]);
  });

  it('does nothing at all when no retention is set (the default: keep for ever)', async () => {
    const timers = manualTimers();
    const recordings = kind(0);
    const journals = kind(0);
    const sweep = new RetentionSweep({ recordings, journals, logger: captureLogger('r').logger, timers });
    expect(sweep.enabled).toBe(false);
    sweep.start();
    expect(timers.pending).toEqual([]);
    expect(await sweep.sweep()).toEqual({ recordings: 0, journals: 0 });
    expect(recordings.calls).toEqual([]);
    expect(journals.calls).toEqual([]);
  });

  it('sweeps only the kind that has a retention', async () => {
    const recordings = kind(0);
    const journals = kind(7, () => 3);
    const sweep = new RetentionSweep({
      recordings,
      journals,
      logger: captureLogger('r').logger,
      now: () => T0,
    });
    expect(await sweep.sweep()).toEqual({ recordings: 0, journals: 3 });
    expect(recordings.calls).toEqual([]);
    expect(journals.calls.map((c) => c.before)).toEqual([T0 - 7 * DAY_MS]);
  });

  it('comes back sooner while a backlog drains, and after a failure runs again in an hour', async () => {
    const { logger, lines } = captureLogger('retention', 'warn');
    const timers = manualTimers();
    let fail = false;
    const recordings = kind(1, () => {
      if (fail) {
        throw Object.assign(new Error(`ENOENT: /data/recordings/${'m'.repeat(22)}`), { code: 'ENOENT' });
      }
      return RECORDINGS_PER_RUN;
    });
    const sweep = new RetentionSweep({ recordings, journals: kind(0), logger, now: () => T0, timers });
    sweep.start();
    timers.fire();
    await settle();
    expect(timers.pending.map((t) => t.ms)).toEqual([BACKLOG_PAUSE_MS]);
    fail = true;
    timers.fire();
    await settle();
    expect(timers.pending.map((t) => t.ms)).toEqual([SWEEP_EVERY_MS]);
    const warning = lines.join('\n');
    expect(warning).toContain('"code":"ENOENT"');
    // No path, no meeting in the log.
    expect(warning).not.toContain('mmmmmm');
    await sweep.close();
  });

  it('gives a sweep asked for while one runs that same run, and close waits for it', async () => {
    let release: (n: number) => void = () => undefined;
    const recordings = kind(1, () => new Promise<number>((resolve) => (release = resolve)));
    const sweep = new RetentionSweep({ recordings, journals: kind(0), logger: captureLogger('r').logger });
    const first = sweep.sweep();
    const second = sweep.sweep();
    expect(second).toBe(first);
    await settle();
    let closed = false;
    const closing = sweep.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    release(4);
    await closing;
    expect(await first).toEqual({ recordings: 4, journals: 0 });
    expect(recordings.calls).toHaveLength(1);
  });

  it('refuses a negative or fractional retention', () => {
    const logger = captureLogger('r').logger;
    expect(() => new RetentionSweep({ recordings: kind(-1), journals: kind(0), logger })).toThrow(TypeError);
    expect(() => new RetentionSweep({ recordings: kind(0), journals: kind(1.5), logger })).toThrow(TypeError);
  });
});
