import { expect, type Page } from '@playwright/test';

/**
 * The test's own instrument: every word a server said to a page that was
 * meant for developers (the `message` and `reason` of a refusal, over HTTP or
 * Socket.IO), so a test can check that none of it reaches what the person
 * reads. The page must put refusals in its own words, in its language.
 */
export interface ServerWords {
  /** `message` strings of every JSON answer and Socket.IO frame the page received. */
  messages: Set<string>;
  /** `reason` strings (room-not-found, invite-invalid...). */
  reasons: Set<string>;
  /** Reading of answers still in flight. */
  pending: Set<Promise<void>>;
}

const recorded = new WeakMap<Page, ServerWords>();

function collect(value: unknown, words: ServerWords, depth = 0): void {
  if (typeof value !== 'object' || value === null || depth > 6) {
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string') {
      if (key === 'message') {
        words.messages.add(child);
      } else if (key === 'reason') {
        words.reasons.add(child);
      }
    } else {
      collect(child, words, depth + 1);
    }
  }
}

/** A Socket.IO frame ("44{...}", "43[...]"...): its JSON part, if it has one. */
function frameJson(payload: string): unknown {
  const start = payload.search(/[[{]/);
  if (start < 0) {
    return undefined;
  }
  try {
    return JSON.parse(payload.slice(start));
  } catch {
    return undefined;
  }
}

/** Starts recording what servers tell `page`; call before its first navigation. */
export function recordServerWords(page: Page): ServerWords {
  const words: ServerWords = { messages: new Set(), reasons: new Set(), pending: new Set() };
  recorded.set(page, words);
  page.on('response', (response) => {
    if (!(response.headers()['content-type'] ?? '').includes('json')) {
      return;
    }
    const reading = response
      .json()
      .then((body: unknown) => collect(body, words))
      .catch(() => undefined)
      .finally(() => words.pending.delete(reading));
    words.pending.add(reading);
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', (frame) => collect(frameJson(String(frame.payload)), words));
  });
  return words;
}

/** What of the servers' words, or of JSON, the page shows now (empty when nothing). */
export async function serverWordsShown(page: Page): Promise<string[]> {
  const words = recorded.get(page);
  if (!words) {
    throw new Error('recordServerWords(page) was not called');
  }
  await Promise.all([...words.pending]);
  const text = await page.locator('body').innerText();
  const lower = text.toLowerCase();
  const shown: string[] = [];
  for (const message of words.messages) {
    // Short words ("ok") could be anyone's; a server message is a phrase.
    if (message.length >= 6 && lower.includes(message.toLowerCase())) {
      shown.push(`server message: ${message}`);
    }
  }
  for (const reason of words.reasons) {
    if (reason.includes('-') && lower.includes(reason)) {
      shown.push(`refusal reason: ${reason}`);
    }
  }
  const json = /[{[]\s*"[^"]{1,40}"\s*:/.exec(text);
  if (json) {
    shown.push(`JSON: ${text.slice(json.index, json.index + 80)}`);
  }
  return shown;
}

/** Fails when the page shows a server's developer words or JSON; returns how many were recorded. */
export async function expectNoServerWords(page: Page): Promise<number> {
  const shown = await serverWordsShown(page);
  expect(shown, `the page shows what a server said to developers: ${shown.join(' | ')}`).toEqual([]);
  return recorded.get(page)?.messages.size ?? 0;
}

/** The recorded `message` strings (for the negative control). */
export function recordedMessages(page: Page): string[] {
  return [...(recorded.get(page)?.messages ?? [])];
}
