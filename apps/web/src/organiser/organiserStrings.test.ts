import { describe, expect, it } from 'vitest';
import en from '../i18n/organiser.en.json';
import fr from '../i18n/organiser.fr.json';

function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) {
    return [prefix];
  }
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

function valueAt(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? '').sort();
}

describe('organiser translations', () => {
  it('French and English have exactly the same keys', () => {
    expect(keysOf(en).sort()).toEqual(keysOf(fr).sort());
  });

  it('no translation is empty, and both languages use the same placeholders', () => {
    for (const key of keysOf(fr)) {
      expect(String(valueAt(fr, key)).trim(), `fr:${key}`).not.toBe('');
      expect(String(valueAt(en, key)).trim(), `en:${key}`).not.toBe('');
      expect(placeholders(String(valueAt(en, key))), key).toEqual(placeholders(String(valueAt(fr, key))));
    }
  });

  it('no translation points to another origin', () => {
    expect(JSON.stringify([fr, en])).not.toMatch(/https?:\/\//);
  });
});
