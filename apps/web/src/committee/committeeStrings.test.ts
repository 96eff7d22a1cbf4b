import { describe, expect, it } from 'vitest';
import en from '../i18n/committee.en.json';
import fr from '../i18n/committee.fr.json';
import type { ProceedingsText } from './proceedingsText.ts';

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

describe('committee translations', () => {
  it('French and English have exactly the same keys', () => {
    expect(keysOf(en).sort()).toEqual(keysOf(fr).sort());
  });

  it('no translation is empty, and both languages use the same placeholders', () => {
    for (const key of keysOf(fr)) {
      // The label separator is spaces and a colon on purpose.
      if (key !== 'document.colon') {
        expect(String(valueAt(fr, key)).trim(), `fr:${key}`).not.toBe('');
        expect(String(valueAt(en, key)).trim(), `en:${key}`).not.toBe('');
      }
      expect(placeholders(String(valueAt(en, key))), key).toEqual(placeholders(String(valueAt(fr, key))));
    }
  });

  it('the document words are plain text, without placeholders or addresses', () => {
    const documents: ProceedingsText[] = [fr.document, en.document];
    const serialized = JSON.stringify(documents);
    expect(serialized).not.toMatch(/\{\{/);
    expect(serialized).not.toMatch(/https?:\/\//);
  });

  it('shows the recording notice in the words the brief asks for', () => {
    expect(fr.recording.on).toBe('Enregistrement en cours');
    expect(fr.export.html).toContain('Exporter le procès-verbal');
    expect(fr.vote.youVoted.toLowerCase()).toContain('vous avez voté');
  });
});
