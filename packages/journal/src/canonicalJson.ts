import canonicalize from 'canonicalize';
import { JournalError } from './JournalError.ts';

/** The JSON subset the journal stores: no `undefined`, no `NaN`/`Infinity`, no class instances. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Deeper data is refused: event payloads are shallow, and the check must stay bounded. */
export const MAX_JSON_DEPTH = 32;

/**
 * The RFC 8785 (JCS) form of `value`: members sorted by UTF-16 code units, no whitespace, numbers
 * as ECMAScript prints them, strings escaped as `JSON.stringify` does. Throws `JournalError`
 * ('not-json') for anything outside {@link JsonValue}, rather than silently dropping or
 * converting it as `JSON.stringify` would (an `undefined` member or a `Date` would otherwise
 * differ between what was appended and what was hashed). `-0` is written `0`, as JCS says.
 */
export function canonicalJson(value: unknown): string {
  assertJson(value, '$', 0, new Set());
  const text = canonicalize(value);
  if (text === undefined) {
    throw JournalError.notJson('$', 'the value');
  }
  return text;
}

/** `true` when `value` is a plain object (the only kind of object the journal accepts as `data`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function assertJson(value: unknown, path: string, depth: number, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) {
        throw JournalError.notJson(path, 'a string with a lone surrogate');
      }
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw JournalError.notJson(path, String(value));
      }
      return;
    case 'boolean':
      return;
    case 'object':
      break;
    default:
      throw JournalError.notJson(path, `a ${typeof value}`);
  }
  if (value === null) {
    return;
  }
  if (depth >= MAX_JSON_DEPTH) {
    throw JournalError.notJson(path, `nesting deeper than ${MAX_JSON_DEPTH}`);
  }
  if (ancestors.has(value)) {
    throw JournalError.notJson(path, 'a cycle');
  }
  ancestors.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) {
        throw JournalError.notJson(`${path}[${i}]`, 'a hole');
      }
      assertJson(value[i], `${path}[${i}]`, depth + 1, ancestors);
    }
  } else if (isPlainObject(value)) {
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw JournalError.notJson(path, 'an object with symbol keys');
    }
    for (const [key, member] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) {
        throw JournalError.notJson(path, 'a key with a lone surrogate');
      }
      assertJson(member, `${path}.${key}`, depth + 1, ancestors);
    }
  } else {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw JournalError.notJson(path, `an instance of ${name}`);
  }
  ancestors.delete(value);
}

/** A lone UTF-16 surrogate has no UTF-8 form: two writers could hash it differently. */
function hasLoneSurrogate(text: string): boolean {
  // With the u flag a surrogate pair is one code point; only a lone surrogate is in category Cs.
  return /\p{Cs}/u.test(text);
}
