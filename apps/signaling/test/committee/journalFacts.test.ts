import { describe, expect, it } from 'vitest';
import { authorityHost, journalFacts } from '../../src/committee/journalFacts.ts';

const line = (seq: number, type: string, data: Record<string, unknown>, keyId = 'aaaaaaaaaaaaaaaa'): string =>
  JSON.stringify({ seq, at: seq, sessionId: 'm/s', type, data, prev: '0', hash: '1', signature: 's', keyId });

describe('journalFacts', () => {
  it('counts tokens and failed checkpoints, and the entries the last token anchors', () => {
    const text = [
      line(0, 'session-started', {}),
      line(1, 'join', {}),
      line(2, 'timestamp', {
        anchor: { seq: 1, hash: 'h' },
        authority: 'https://tsa.example.fr/tsr',
        token: 'AAA=',
      }),
      line(3, 'vote', {}, 'bbbbbbbbbbbbbbbb'),
      line(4, 'timestamp', {
        anchor: { seq: 3, hash: 'h' },
        authority: 'https://tsa.example.fr/tsr',
        failure: { reason: 'unreachable', message: 'down' },
      }),
      'not json',
      '',
    ].join('\n');
    expect(journalFacts(text)).toEqual({
      keyIds: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'],
      timeStamps: { tokens: 1, failures: 1, anchoredEntries: 2, authorities: ['tsa.example.fr'] },
    });
  });

  it('reports nothing time-stamped for a journal without checkpoints', () => {
    expect(journalFacts(`${line(0, 'session-started', {})}\n`).timeStamps).toEqual({
      tokens: 0,
      failures: 0,
      anchoredEntries: 0,
      authorities: [],
    });
  });

  it('names an authority by its host', () => {
    expect(authorityHost('http://127.0.0.1:4318/')).toBe('127.0.0.1:4318');
    expect(authorityHost('not a url')).toBe('not a url');
  });
});
