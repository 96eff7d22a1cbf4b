import { describe, expect, it } from 'vitest';
import en from '../i18n/recording.en.json';
import fr from '../i18n/recording.fr.json';
import { resources } from '../i18n/index.ts';

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) {
    return [prefix];
  }
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

function valueAt(root: unknown, path: string): string {
  return String(path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root));
}

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();

describe('recording strings', () => {
  it('French and English have the same keys, none empty, the same placeholders', () => {
    expect(keysOf(en).sort()).toEqual(keysOf(fr).sort());
    for (const key of keysOf(fr)) {
      expect(valueAt(fr, key).trim(), key).not.toBe('');
      expect(valueAt(en, key).trim(), key).not.toBe('');
      expect(placeholders(valueAt(en, key)), key).toEqual(placeholders(valueAt(fr, key)));
    }
  });

  it('are served under the `recording` key', () => {
    expect(resources.fr.translation.recording).toBe(fr);
    expect(resources.en.translation.recording).toBe(en);
  });
});
