import { describe, expect, it } from 'vitest';
import { BusyError } from '../../src/crypto/BusyError.ts';
import { HashGate, type HashGateOptions } from '../../src/crypto/HashGate.ts';
import {
  createHashGates,
  hashConcurrencyProblem,
  PASSCODE_QUEUE_PER_SLOT,
  PASSWORD_QUEUE_PER_SLOT,
} from '../../src/crypto/hashGates.ts';

/** Timers the test moves by hand. */
class FakeTimers {
  #now = 0;
  #next = 0;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  readonly set = (callback: () => void, ms: number): unknown => {
    const id = this.#next++;
    this.#pending.set(id, { at: this.#now + ms, callback });
    return id;
  };

  readonly clear = (handle: unknown): void => {
    this.#pending.delete(handle as number);
  };

  get pending(): number {
    return this.#pending.size;
  }

  advance(ms: number): void {
    this.#now += ms;
    for (const [id, timer] of [...this.#pending].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= this.#now) {
        this.#pending.delete(id);
        timer.callback();
      }
    }
  }
}

/** A task the test finishes by hand. */
interface Held {
  started: boolean;
  finish(value?: string): void;
  fail(error: Error): void;
  task: () => Promise<string>;
}

function held(): Held {
  let resolve!: (value: string) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const h: Held = {
    started: false,
    finish: (value = 'done') => resolve(value),
    fail: (error) => reject(error),
    task: () => {
      h.started = true;
      return promise;
    },
  };
  return h;
}

/** Lets settled promises run their callbacks. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
};

function gate(options: Partial<HashGateOptions>, timers = new FakeTimers()): HashGate {
  return new HashGate({
    concurrency: 1,
    maxQueue: 0,
    maxWaitMs: 1_000,
    setTimer: timers.set,
    clearTimer: timers.clear,
    ...options,
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('HashGate', () => {
  it('never runs more tasks at once than its concurrency, and runs every queued one', async () => {
    const g = gate({ concurrency: 3, maxQueue: 20 });
    let running = 0;
    let most = 0;
    const results = Array.from({ length: 20 }, (_, i) =>
      g.run(async () => {
        running++;
        most = Math.max(most, running);
        expect(g.active).toBeLessThanOrEqual(3);
        // Unequal lengths, so that slots free up in a mixed order.
        for (let turn = 0; turn < (i % 4) + 1; turn++) {
          await Promise.resolve();
        }
        running--;
        return i;
      }),
    );
    expect(g.active).toBe(3);
    expect(g.waiting).toBe(17);
    expect(await Promise.all(results)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(3);
    expect([g.active, g.waiting]).toEqual([0, 0]);
  });

  it('hands a freed slot to the oldest waiter', async () => {
    const g = gate({ concurrency: 1, maxQueue: 3 });
    const first = held();
    const order: string[] = [];
    const done = [
      g.run(first.task),
      ...['a', 'b', 'c'].map((name) => g.run(() => Promise.resolve(order.push(name)))),
    ];
    first.finish();
    await Promise.all(done);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('refuses at once, without running the task, when the queue is full', async () => {
    const timers = new FakeTimers();
    const g = gate({ concurrency: 1, maxQueue: 2, maxWaitMs: 2_500 }, timers);
    const running = held();
    const waiting = [held(), held()];
    const accepted = [g.run(running.task), ...waiting.map((w) => g.run(w.task))];
    const extra = held();
    const refused = await rejection(g.run(extra.task));
    expect(refused).toBeInstanceOf(BusyError);
    expect(refused).toMatchObject({ reason: 'busy', busyCause: 'queue-full', retryAfterMs: 2_500 });
    expect((refused as BusyError).retryAfterSeconds).toBe(3);
    expect((refused as BusyError).toBody()).toEqual({
      reason: 'busy',
      message: 'the server is busy, try again in a moment',
    });
    expect(extra.started).toBe(false);
    expect([g.active, g.waiting]).toEqual([1, 2]);
    running.finish();
    await flush();
    waiting.forEach((w) => w.finish());
    await Promise.all(accepted);
  });

  it('with no queue, refuses whatever finds every slot taken', async () => {
    const g = gate({ concurrency: 2, maxQueue: 0 });
    const a = held();
    const b = held();
    const runs = [g.run(a.task), g.run(b.task)];
    expect(await rejection(g.run(() => Promise.resolve('c')))).toMatchObject({ busyCause: 'queue-full' });
    a.finish();
    b.finish();
    await Promise.all(runs);
    expect(await g.run(() => Promise.resolve('later'))).toBe('later');
  });

  it('refuses a waiter after maxWaitMs, and never runs it afterwards', async () => {
    const timers = new FakeTimers();
    const g = gate({ concurrency: 1, maxQueue: 5, maxWaitMs: 1_000 }, timers);
    const running = held();
    const first = g.run(running.task);
    const late = held();
    const waited = rejection(g.run(late.task));
    timers.advance(999);
    await flush();
    expect(g.waiting).toBe(1);
    timers.advance(1);
    expect(await waited).toMatchObject({ reason: 'busy', busyCause: 'wait-timeout', retryAfterMs: 1_000 });
    expect(g.waiting).toBe(0);
    running.finish();
    await first;
    await flush();
    expect(late.started).toBe(false);
    expect(g.active).toBe(0);
  });

  it('clears the wait timer of a waiter that got its slot', async () => {
    const timers = new FakeTimers();
    const g = gate({ concurrency: 1, maxQueue: 1, maxWaitMs: 1_000 }, timers);
    const running = held();
    const first = g.run(running.task);
    const second = g.run(() => Promise.resolve('second'));
    expect(timers.pending).toBe(1);
    running.finish();
    expect(await second).toBe('second');
    await first;
    expect(timers.pending).toBe(0);
    // Well past the wait: nothing fires.
    timers.advance(5_000);
  });

  it('gives the slot back when a task fails, rejects or throws before returning a promise', async () => {
    const g = gate({ concurrency: 1, maxQueue: 2 });
    const failing = held();
    const failed = rejection(g.run(failing.task));
    const thrown = rejection(
      g.run(() => {
        throw new TypeError('sync');
      }),
    );
    const next = g.run(() => Promise.resolve('ran'));
    failing.fail(new Error('scrypt failed'));
    expect(await failed).toMatchObject({ message: 'scrypt failed' });
    expect(await thrown).toBeInstanceOf(TypeError);
    expect(await next).toBe('ran');
    expect([g.active, g.waiting]).toEqual([0, 0]);
  });

  it('rejects nonsense limits', () => {
    expect(() => gate({ concurrency: 0 })).toThrow(TypeError);
    expect(() => gate({ concurrency: 1.5 })).toThrow(TypeError);
    expect(() => gate({ maxQueue: -1 })).toThrow(TypeError);
    expect(() => gate({ maxWaitMs: 0 })).toThrow(TypeError);
  });
});

describe('the service hash gates', () => {
  it('scales each queue with its concurrency', async () => {
    const gates = createHashGates({ passwords: 2, passcodes: 1 });
    const passwords = Array.from({ length: 2 + 2 * PASSWORD_QUEUE_PER_SLOT }, () => held());
    const accepted = passwords.map((p) => gates.passwords.run(p.task));
    expect(await rejection(gates.passwords.run(() => Promise.resolve('x')))).toMatchObject({
      busyCause: 'queue-full',
    });
    // Passcode checks have their own slots: a full password gate does not hold them up.
    expect(await gates.passcodes.run(() => Promise.resolve('passcode'))).toBe('passcode');
    expect(gates.passcodes.active).toBe(0);
    passwords.forEach((p) => p.finish());
    await Promise.all(accepted);
    expect(PASSCODE_QUEUE_PER_SLOT).toBeGreaterThan(PASSWORD_QUEUE_PER_SLOT);
  });

  it('keeps two libuv threads out of reach of hashing', () => {
    expect(hashConcurrencyProblem({ passwords: 1, passcodes: 1 }, 4)).toBeUndefined();
    expect(hashConcurrencyProblem({ passwords: 2, passcodes: 1 }, 4)).toMatch(/at most 2/);
    expect(hashConcurrencyProblem({ passwords: 4, passcodes: 2 }, 8)).toBeUndefined();
  });
});
