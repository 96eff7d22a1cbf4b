import { describe, expect, it } from 'vitest';
import { defaultOptionsText, parseVoteOptions } from './voteOptions.ts';

describe("the chair's vote options", () => {
  it("leaves the default options to the server's default", () => {
    expect(parseVoteOptions(defaultOptionsText())).toBeUndefined();
    expect(parseVoteOptions(' pour ,contre,\nabstention ')).toBeUndefined();
  });

  it('keeps options of its own, trimmed, empty ones dropped', () => {
    expect(parseVoteOptions('Projet A, Projet B,, ')).toEqual(['Projet A', 'Projet B']);
    expect(parseVoteOptions('pour\ncontre')).toEqual(['pour', 'contre']);
  });

  it('refuses fewer than two, more than ten, too long or repeated options', () => {
    expect(parseVoteOptions('pour')).toBeNull();
    expect(parseVoteOptions('')).toBeNull();
    expect(parseVoteOptions(Array.from({ length: 11 }, (_, i) => `o${i}`).join(','))).toBeNull();
    expect(parseVoteOptions(`${'x'.repeat(41)}, y`)).toBeNull();
    expect(parseVoteOptions('Oui, oui')).toBeNull();
  });
});
