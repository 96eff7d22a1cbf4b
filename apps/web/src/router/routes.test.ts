import { describe, expect, it } from 'vitest';
import { meetingLink, meetingPath, parseRoute } from './routes.ts';

describe('routes', () => {
  it('parses the home page', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
  });

  it('parses a meeting path, with or without a trailing slash', () => {
    expect(parseRoute('/m/AbCdEfGhIjKlMnOpQrStUv')).toEqual({
      name: 'meeting',
      meetingId: 'AbCdEfGhIjKlMnOpQrStUv',
    });
    expect(parseRoute('/m/AbCdEfGhIjKlMnOpQrStUv/')).toEqual({
      name: 'meeting',
      meetingId: 'AbCdEfGhIjKlMnOpQrStUv',
    });
  });

  it('sends anything else to not-found', () => {
    expect(parseRoute('/m/')).toEqual({ name: 'not-found' });
    expect(parseRoute('/m/a/b')).toEqual({ name: 'not-found' });
    expect(parseRoute('/admin')).toEqual({ name: 'not-found' });
    expect(parseRoute('/m/%E0%A4%A')).toEqual({ name: 'not-found' });
  });

  it('builds the join path and the invitation link', () => {
    expect(meetingPath('abc_DEF-123')).toBe('/m/abc_DEF-123');
    expect(meetingLink('https://visio.example.fr', 'abc')).toBe('https://visio.example.fr/m/abc');
  });

  it('puts the link secret in the fragment only, so that the path the server sees has none', () => {
    const secret = 'cCQJOjjToJ8tde6pQSgplg6MoG-W-SEHBCqV1Hyn6Os';
    const link = new URL(meetingLink('https://visio.example.fr', 'abc', secret));
    expect(link.pathname).toBe('/m/abc');
    expect(link.search).toBe('');
    expect(link.hash).toBe(`#k=${secret}`);
    expect(parseRoute(link.pathname)).toEqual({ name: 'meeting', meetingId: 'abc' });
  });
});
