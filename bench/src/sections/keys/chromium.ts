/**
 * Per-browser CPU in a real Chromium: the focal room (focal.ts) run in a
 * page, bundled with the web app's bundler (Vite), served from loopback
 * (a secure context: WebCrypto), in Debian's Chromium launched as the
 * browser tests launch it (on the load core). A page has no CPU clock, so
 * the member's steps are timed by the wall clock there, and the same runs
 * in Node are timed by the wall clock too for the side-by-side.
 */
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launchChromium } from '../join/browser.ts';
import type { FocalResult } from './focal.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>keys</title>' +
  '<script type="module" src="/focal.js"></script></head><body></body></html>';
/** One focal run in the page may take this long (a room of 100: a few seconds). */
const RUN_TIMEOUT_MS = 120_000;

async function bundle(): Promise<string> {
  const entry = join(HERE, 'page/browserFocal.ts');
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    root: dirname(entry),
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry, formats: ['es'], fileName: 'focal' },
    },
  });
  const result = Array.isArray(output) ? output[0] : output;
  const chunk =
    result && 'output' in result ? result.output.find((o) => o.type === 'chunk' && o.isEntry) : undefined;
  if (!chunk || chunk.type !== 'chunk') {
    throw new Error('bundling the focal page gave no entry chunk');
  }
  return chunk.code;
}

async function serve(script: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const type = path === '/' ? 'text/html' : path === '/focal.js' ? 'text/javascript' : null;
    if (type === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': `${type}; charset=utf-8`,
      // Cross-origin isolated: performance.now() to 5 µs instead of 100 µs.
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    });
    res.end(path === '/' ? PAGE : script);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ChromiumFocal {
  /** One focal room of `n` in the page. */
  run: (n: number) => Promise<FocalResult>;
  close: () => Promise<void>;
}

/** A Chromium page ready to run focal rooms (warmed up with one room of 10, not kept). */
export async function openChromiumFocal(): Promise<ChromiumFocal> {
  const server = await serve(await bundle());
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const close = async (): Promise<void> => {
    await browser.close();
    await server.close();
  };
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.runFocal === 'function', undefined, { timeout: 30_000 });
    const run = (n: number): Promise<FocalResult> =>
      Promise.race([
        page.evaluate((size) => window.runFocal(size), n),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`focal room of ${n} in Chromium: over ${RUN_TIMEOUT_MS} ms`)),
            RUN_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
    // The page's JIT and WebCrypto warm up, as Node's do before its runs.
    await run(10);
    return { run, close };
  } catch (error) {
    await close();
    throw error;
  }
}
