import { describe, expect, it } from 'vitest';
import { newLinkSecret } from '@confidentiel/e2ee';
import { linkFragment, parseLinkFragment } from './linkSecret.ts';

describe('invite link fragment', () => {
  it('round-trips a new secret through #k=', () => {
    const secret = newLinkSecret();
    expect(linkFragment(secret)).toBe(`#k=${secret}`);
    expect(parseLinkFragment(linkFragment(secret))).toEqual({ status: 'secret', secret });
  });

  it('reads k among other fragment parameters', () => {
    const secret = newLinkSecret();
    expect(parseLinkFragment(`#x=1&k=${secret}`)).toEqual({ status: 'secret', secret });
  });

  it('a link without a fragment or without k has no secret', () => {
    expect(parseLinkFragment('')).toEqual({ status: 'none' });
    expect(parseLinkFragment('#')).toEqual({ status: 'none' });
    expect(parseLinkFragment('#other=1')).toEqual({ status: 'none' });
  });

  it('a k that is not a usable secret is invalid, never used', () => {
    expect(parseLinkFragment('#k=')).toEqual({ status: 'invalid' });
    expect(parseLinkFragment('#k=short')).toEqual({ status: 'invalid' });
    expect(parseLinkFragment('#k=not base64url!!!!!!!!!!!!!!!!!!!!!!!!!!!')).toEqual({ status: 'invalid' });
  });

  it('no secret, no fragment', () => {
    expect(linkFragment(null)).toBe('');
  });
});
