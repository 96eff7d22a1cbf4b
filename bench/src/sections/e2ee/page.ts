/**
 * What the E2EE section runs in its Chromium page: the per-frame benchmark
 * in a dedicated worker, and worker start times. Functions passed to
 * page.evaluate run in the page: self-contained, every wait bounded.
 */
import type { Page } from '@playwright/test';
import type { BenchRequest, BenchResponse } from './worker/frameBench.ts';

export async function runFrameBench(
  page: Page,
  request: BenchRequest,
  timeoutMs: number,
): Promise<BenchResponse> {
  return page.evaluate(
    async ({ request, timeoutMs }) => {
      const worker = new Worker('/frame-bench.js', { type: 'module', name: 'frame-bench' });
      try {
        return await new Promise<BenchResponse>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the frame benchmark timed out')), timeoutMs);
          worker.onerror = (event) => {
            clearTimeout(timer);
            reject(new Error(`frame benchmark worker: ${event.message}`));
          };
          worker.onmessage = (event: MessageEvent) => {
            const data = event.data as {
              ready?: boolean;
              ok?: boolean;
              response?: BenchResponse;
              error?: string;
            };
            if (data.ready) {
              worker.postMessage(request);
            } else if (data.ok && data.response) {
              clearTimeout(timer);
              resolve(data.response);
            } else {
              clearTimeout(timer);
              reject(new Error(`frame benchmark: ${data.error ?? 'failed'}`));
            }
          };
        });
      } finally {
        worker.terminate();
      }
    },
    { request, timeoutMs },
  );
}

/**
 * Starts each worker script `count` times (alternating, a fresh URL each time so nothing is
 * cached): ms from `new Worker` to its 'ready' message, per script.
 */
export async function workerStarts(
  page: Page,
  scripts: Record<string, string>,
  count: number,
  timeoutMs: number,
): Promise<Record<string, number[]>> {
  return page.evaluate(
    async ({ scripts, count, timeoutMs }) => {
      const times: Record<string, number[]> = {};
      const entries = Object.entries(scripts);
      for (let i = 0; i < count; i++) {
        for (const [name, url] of i % 2 === 0 ? entries : [...entries].reverse()) {
          const started = performance.now();
          const worker = new Worker(`${url}?start=${i}-${Math.random()}`, { type: 'module' });
          try {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`${name} did not start`)), timeoutMs);
              worker.onerror = (event) => {
                clearTimeout(timer);
                reject(new Error(`${name}: ${event.message}`));
              };
              worker.onmessage = (event: MessageEvent) => {
                if ((event.data as { type?: unknown } | null)?.type === 'ready') {
                  clearTimeout(timer);
                  resolve();
                }
              };
            });
          } finally {
            worker.terminate();
          }
          (times[name] ??= []).push(performance.now() - started);
        }
      }
      return times;
    },
    { scripts, count, timeoutMs },
  );
}
