/**
 * HTTP and addresses for the signaling bots. Each bot is a distinct user:
 * it comes from its own loopback address (127.0.0.0/8 is all loopback), as
 * distinct browsers come from distinct addresses. Signaling limits each
 * address (60 connections per 10 s, 200 requests per second): one address
 * for every bot would cap the load generator at 6 joins/s, a limit on the
 * bench and not on the service.
 */
import { request } from 'node:http';

/** How long one HTTP request of a bot may take. */
export const HTTP_TIMEOUT_MS = 10_000;

/** Addresses per third octet (the last octet runs 2..251, never .0, .1 or .255). */
const PER_BLOCK = 250;

/** The loopback source address of bot number `index` (127.20.0.2, 127.20.0.3, ...). */
export function botAddress(index: number): string {
  const block = Math.floor(index / PER_BLOCK);
  return `127.${20 + Math.floor(block / 256)}.${block % 256}.${(index % PER_BLOCK) + 2}`;
}

export interface PostOptions {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  path: string;
  body: unknown;
  /** The Origin a browser of the service's page sends. */
  origin: string;
  localAddress?: string;
  timeoutMs?: number;
}

/** A JSON POST; resolves with the status and the parsed body (a new connection each time, like a new browser). */
export function postJson(options: PostOptions): Promise<{ status: number; body: unknown }> {
  const url = new URL(options.path, options.baseUrl);
  const payload = JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          origin: options.origin,
        },
        timeout: options.timeoutMs ?? HTTP_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            // Not JSON: the caller reports the status.
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${options.path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** An open meeting (ALLOW_OPEN_MEETINGS=true), made by its organiser before the measured load. */
export async function createOpenMeeting(baseUrl: string, origin: string): Promise<string> {
  const { status, body } = await postJson({ baseUrl, path: '/api/meetings', body: {}, origin });
  if (status !== 201) {
    throw new Error(`create meeting: HTTP ${status}`);
  }
  return (body as { meetingId: string }).meetingId;
}

/** A room token for an open meeting, as the join page asks for it (`requestJoinToken`). */
export async function requestJoinToken(
  baseUrl: string,
  origin: string,
  meetingId: string,
  displayName: string,
  localAddress: string,
): Promise<string> {
  const { status, body } = await postJson({
    baseUrl,
    path: `/api/meetings/${meetingId}/join-tokens`,
    body: { displayName },
    origin,
    localAddress,
  });
  if (status !== 201) {
    throw new Error(`join token: HTTP ${status}`);
  }
  return (body as { token: string }).token;
}
