/**
 * A loopback HTTP server for the E2EE page: an empty page and the worker
 * scripts, served cross-origin isolated (COOP + COEP), so that the workers'
 * performance.now() is fine-grained (5 µs in Chromium instead of 100 µs),
 * and never cached (each worker start loads and compiles its script).
 */
import { createServer, type Server } from 'node:http';

export interface PageServer {
  url: string;
  close: () => Promise<void>;
}

const PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>E2EE bench</title></head><body></body></html>';

/** `scripts`: path (e.g. '/frame-bench.js') → JavaScript source. */
export async function servePage(scripts: Record<string, string>): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    const script = scripts[path];
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (script !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(script);
    } else {
      res.writeHead(404, headers);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
