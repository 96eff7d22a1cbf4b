import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';

/**
 * The web app's pages: its files, and its index for every page path the
 * app's router knows (apps/web/src/router/routes.ts). Any other path a
 * browser asks for gets the same index with HTTP 404, so a person sees the
 * app's own « Page introuvable » in their language, and a crawler or a link
 * checker sees the 404; API paths keep their JSON refusals (createApp).
 */

/** Page paths with an id: the ids the app makes (128 random bits, base64url), like meetingIdSchema. */
const PAGES_WITH_ID = ['/m/:id', '/i/:id', '/h/:id', '/organisateur/reunions/:id'];
const ID = /^[A-Za-z0-9_-]{22,64}$/;
const FIXED_PAGES = ['/', '/connexion', '/inscription', '/organisateur'];

/** Paths that are never pages: a miss there is the API's (JSON) or Socket.IO's. */
const NOT_PAGES = /^\/(api|socket\.io)(\/|$)/;
/**
 * Any spelling of /metrics is never a page either: it keeps the JSON 404, so the proxy's checks
 * (scripts/check-infra.sh) can tell a request the proxy refused (its HTML 404) from one that
 * reached signaling.
 */
const METRICS_LIKE = /metrics/i;

function isNeverAPage(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Malformed %-encoding: judged as written.
  }
  return NOT_PAGES.test(decoded) || METRICS_LIKE.test(decoded);
}

/** Whether `webDist` holds a built app (an API-only node has none). */
export function hasWebApp(webDist: string | undefined): webDist is string {
  return webDist !== undefined && existsSync(join(webDist, 'index.html'));
}

/** Serves the built app in `webDist`: its files, its pages (200), and its not-found page (404). */
export function webPages(webDist: string): express.Router {
  const index = join(webDist, 'index.html');
  const router = express.Router({ caseSensitive: true });
  const sendIndex = (res: Response, status: 200 | 404): void => {
    // No caching of a 404: the path may become a page with the next release.
    res.status(status).sendFile(index, status === 404 ? { headers: { 'Cache-Control': 'no-store' } } : {});
  };
  router.use(express.static(webDist, { index: false, maxAge: '1h' }));
  router.get(FIXED_PAGES, (_req, res) => sendIndex(res, 200));
  router.get(PAGES_WITH_ID, (req: Request<{ id: string }>, res) =>
    sendIndex(res, ID.test(req.params.id) ? 200 : 404),
  );
  router.get(/.*/, (req, res, next) => {
    if (isNeverAPage(req.path) || !req.accepts('html')) {
      next();
      return;
    }
    sendIndex(res, 404);
  });
  return router;
}
