import { describe, expect, it } from 'vitest';
import { KeyRelayBatcher, type RelayEnvelope } from '../../src/distribution/KeyRelayBatcher.ts';

class Busy extends Error {}

function harness(answers: Array<(envelopes: RelayEnvelope[]) => { undelivered: string[] } | Error> = []) {
  const requests: RelayEnvelope[][] = [];
  const waits: number[] = [];
  const batcher = new KeyRelayBatcher({
    relay: (envelopes) => {
      requests.push(envelopes);
      const answer = answers.shift()?.(envelopes) ?? { undelivered: [] };
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    isRetryable: (error) => error instanceof Busy,
    retryDelaysMs: [10, 20],
    maxEnvelopes: 3,
    maxChars: 1_000,
    windowMs: 0,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  return { batcher, requests, waits };
}

describe('KeyRelayBatcher', () => {
  it('sends the envelopes of one turn together, split by count and size', async () => {
    const { batcher, requests } = harness();
    await Promise.all([
      ...['a', 'b', 'c', 'd'].map((to) => batcher.send(to, 'E'.repeat(10))),
      batcher.send('e', 'F'.repeat(900)),
      batcher.send('f', 'G'.repeat(200)),
    ]);
    expect(requests.map((batch) => batch.map((e) => e.to))).toEqual([['a', 'b', 'c'], ['d', 'e'], ['f']]);
    await batcher.send('g', 'H'.repeat(10));
    expect(requests).toHaveLength(4);
  });

  it('rejects only the envelopes whose addressee the server could not reach', async () => {
    const { batcher } = harness([() => ({ undelivered: ['gone'] })]);
    const [here, gone] = await Promise.allSettled([batcher.send('here', 'E'), batcher.send('gone', 'E')]);
    expect(here.status).toBe('fulfilled');
    expect(gone).toMatchObject({
      status: 'rejected',
      reason: { message: 'member gone is not in the meeting' },
    });
  });

  it('sends a refused batch again after a wait, a bounded number of times', async () => {
    const retried = harness([() => new Busy(), () => ({ undelivered: [] })]);
    await retried.batcher.send('a', 'E');
    expect(retried.requests).toHaveLength(2);
    expect(retried.waits).toEqual([10]);

    const refused = harness([
      () => new Busy(),
      () => new Busy(),
      () => new Busy(),
      () => ({ undelivered: [] }),
    ]);
    await expect(refused.batcher.send('a', 'E')).rejects.toBeInstanceOf(Busy);
    expect(refused.requests).toHaveLength(3);
    expect(refused.waits).toEqual([10, 20]);

    const fatal = harness([() => new Error('not joined')]);
    await expect(fatal.batcher.send('a', 'E')).rejects.toThrow('not joined');
    expect(fatal.requests).toHaveLength(1);
  });

  it('gathers envelopes handed over within its window into one request', async () => {
    const requests: RelayEnvelope[][] = [];
    const batcher = new KeyRelayBatcher({
      relay: (envelopes) => {
        requests.push(envelopes);
        return Promise.resolve({ undelivered: [] });
      },
      isRetryable: () => false,
      windowMs: 30,
    });
    const first = batcher.send('a', 'E');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = batcher.send('b', 'E');
    await Promise.all([first, second]);
    expect(requests.map((batch) => batch.map((e) => e.to))).toEqual([['a', 'b']]);
  });

  it('drops what was not sent yet on close, and refuses after it', async () => {
    const { batcher, requests } = harness();
    const pending = batcher.send('a', 'E');
    batcher.close();
    batcher.close();
    await expect(pending).rejects.toThrow('closed');
    await expect(batcher.send('b', 'E')).rejects.toThrow('closed');
    expect(requests).toHaveLength(0);
  });
});
