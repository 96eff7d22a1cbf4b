/**
 * The Janus API over HTTP, as janus.js speaks it: one session, plugin
 * handles, messages whose answers come back either at once (`success`) or
 * as an event on the session's long poll (`ack`, then `event` with the same
 * transaction).
 */
import { randomBytes } from 'node:crypto';

const REQUEST_TIMEOUT_MS = 15_000;
const POLL_EVENTS = 10;

interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface PluginAnswer {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  data?: { id: number };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  error?: { code: number; reason: string };
}

interface Waiter {
  resolve: (answer: PluginAnswer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class JanusClient {
  readonly #sessionUrl: string;
  readonly #waiters = new Map<string, Waiter>();
  readonly #abort = new AbortController();
  #polling: Promise<void> | null = null;

  private constructor(url: string, sessionId: number) {
    this.#sessionUrl = `${url}/${sessionId}`;
  }

  static async connect(url: string): Promise<JanusClient> {
    const created = await post(url, { janus: 'create' });
    const client = new JanusClient(url, (created.data as { id: number }).id);
    client.#polling = client.#poll();
    return client;
  }

  async attach(): Promise<number> {
    const attached = await post(this.#sessionUrl, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    return (attached.data as { id: number }).id;
  }

  /** A plugin request; its answer, whether Janus gives it at once or as an event. */
  async message(
    handle: number,
    body: Record<string, unknown>,
    jsep?: Jsep & { trickle?: boolean },
  ): Promise<PluginAnswer> {
    const transaction = randomBytes(8).toString('hex');
    const pending = new Promise<PluginAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(transaction);
        reject(new Error(`janus ${String(body.request)}: no answer in ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.#waiters.set(transaction, { resolve, reject, timer });
    });
    // Awaited below or not at all (a failed POST throws instead): never an unhandled rejection.
    void pending.catch(() => undefined);
    let reply: JanusMessage;
    try {
      reply = await post(
        `${this.#sessionUrl}/${handle}`,
        { janus: 'message', body, ...(jsep ? { jsep } : {}) },
        transaction,
      );
    } catch (error) {
      this.#settle(transaction, undefined, error as Error);
      throw error;
    }
    if (reply.janus === 'ack') {
      return pending;
    }
    // A synchronous answer (`success`, or an error): settles the waiter at once.
    try {
      this.#settle(transaction, answerOf(reply));
    } catch (error) {
      this.#settle(transaction, undefined, error as Error);
    }
    return pending;
  }

  async detach(handle: number): Promise<void> {
    await post(`${this.#sessionUrl}/${handle}`, { janus: 'detach' }).catch(() => undefined);
  }

  async close(): Promise<void> {
    await post(this.#sessionUrl, { janus: 'destroy' }).catch(() => undefined);
    this.#abort.abort();
    await this.#polling?.catch(() => undefined);
    for (const [transaction] of this.#waiters) {
      this.#settle(transaction, undefined, new Error('janus session closed'));
    }
  }

  #settle(transaction: string, answer?: PluginAnswer, error?: Error): void {
    const waiter = this.#waiters.get(transaction);
    if (!waiter) {
      return;
    }
    this.#waiters.delete(transaction);
    clearTimeout(waiter.timer);
    if (error) {
      waiter.reject(error);
    } else {
      waiter.resolve(answer as PluginAnswer);
    }
  }

  async #poll(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let events: JanusMessage[];
      try {
        const res = await fetch(`${this.#sessionUrl}?maxev=${POLL_EVENTS}&rid=${Date.now()}`, {
          signal: this.#abort.signal,
        });
        const body = (await res.json()) as JanusMessage | JanusMessage[];
        events = Array.isArray(body) ? body : [body];
      } catch {
        if (this.#abort.signal.aborted) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const event of events) {
        if (event.transaction === undefined || !this.#waiters.has(event.transaction)) {
          continue;
        }
        try {
          this.#settle(event.transaction, answerOf(event));
        } catch (error) {
          this.#settle(event.transaction, undefined, error as Error);
        }
      }
    }
  }
}

function answerOf(message: JanusMessage): PluginAnswer {
  const data = message.plugindata?.data ?? {};
  if (message.janus === 'error' || typeof data.error === 'string') {
    throw new Error(`janus error: ${message.error?.reason ?? String(data.error)}`);
  }
  return { data, ...(message.jsep ? { jsep: message.jsep } : {}) };
}

async function post(
  url: string,
  body: Record<string, unknown>,
  transaction = randomBytes(8).toString('hex'),
): Promise<JanusMessage> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, transaction }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const reply = (await res.json()) as JanusMessage;
  if (reply.janus === 'error') {
    throw new Error(`janus ${String(body.janus)}: ${reply.error?.reason ?? 'error'}`);
  }
  return reply;
}
