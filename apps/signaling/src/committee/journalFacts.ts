import { CHECKPOINT_TYPE } from '@confidentiel/journal';
import type { JournalTimeStamps } from '@confidentiel/protocol';

/** What the organiser's page says of one journal file: who signed it and what was time-stamped. */
export interface JournalFacts {
  keyIds: string[];
  timeStamps: JournalTimeStamps;
}

/** The host of an authority's URL as written in a checkpoint; the text itself if it is no URL. */
export function authorityHost(authority: string): string {
  try {
    return new URL(authority).host || authority;
  } catch {
    return authority;
  }
}

/**
 * Reads the facts off a journal's lines. It does not verify anything (the
 * offline verifier does, with the public key and the authority's
 * certificate): it only reports what the lines claim, so that the page can
 * say whether a time-stamp was even asked for. A line that is not an entry
 * is skipped; such a file fails verification anyway.
 */
export function journalFacts(text: string): JournalFacts {
  const keyIds = new Set<string>();
  const authorities = new Set<string>();
  let tokens = 0;
  let failures = 0;
  let anchoredEntries = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) {
      continue;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof entry !== 'object' || entry === null) {
      continue;
    }
    const { keyId, type, data } = entry as { keyId?: unknown; type?: unknown; data?: unknown };
    if (typeof keyId === 'string') {
      keyIds.add(keyId);
    }
    if (type !== CHECKPOINT_TYPE || typeof data !== 'object' || data === null) {
      continue;
    }
    const checkpoint = data as { anchor?: { seq?: unknown }; authority?: unknown; token?: unknown };
    if (typeof checkpoint.authority === 'string') {
      authorities.add(authorityHost(checkpoint.authority));
    }
    const anchored = checkpoint.anchor?.seq;
    if (typeof checkpoint.token === 'string') {
      tokens++;
      if (typeof anchored === 'number' && Number.isSafeInteger(anchored) && anchored >= 0) {
        // The token stamps entry `anchored`, whose hash chains every entry before it.
        anchoredEntries = Math.max(anchoredEntries, anchored + 1);
      }
    } else {
      failures++;
    }
  }
  return {
    keyIds: [...keyIds],
    timeStamps: { tokens, failures, anchoredEntries, authorities: [...authorities] },
  };
}
