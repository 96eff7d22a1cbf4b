import { describe, expect, it } from 'vitest';
import {
  createInviteResponseSchema,
  invalidPayloadBody,
  isWellFormedPasscode,
  normalisePasscode,
  passcodeSchema,
  redeemInviteRequestSchema,
} from '../src/index.ts';

describe('passcodes as people type them', () => {
  it.each([
    ['12345678', '12345678'],
    ['12 34 56 78', '12345678'],
    [' 1234 5678 ', '12345678'],
    ['12-34-56-78', '12345678'],
    ['12.34.56.78', '12345678'],
    ['1234/5678', '12345678'],
    ['12\u00a034\u202f56\t78', '12345678'],
    ['12–34—56‑78', '12345678'],
    ['１２３４５６７８', '12345678'],
    ['00 00 00 42', '00000042'],
  ])('reads %j as %s, on the client and on the server alike', (typed, digits) => {
    expect(normalisePasscode(typed)).toBe(digits);
    expect(isWellFormedPasscode(typed)).toBe(true);
    expect(passcodeSchema.parse(typed)).toBe(digits);
  });

  it.each(['', '12345', '1234567890123', '1234abcd', '12 34 56 7O', '12_34_56_78', '+33 12345678'])(
    'refuses %j',
    (typed) => {
      expect(isWellFormedPasscode(typed)).toBe(false);
      expect(passcodeSchema.safeParse(typed).success).toBe(false);
    },
  );

  it('refuses an input far longer than any passcode before looking at it', () => {
    const long = `${'1 '.repeat(40)}`;
    expect(normalisePasscode(long)).toMatch(/^1{40}$/);
    expect(isWellFormedPasscode(long)).toBe(false);
    expect(passcodeSchema.safeParse(long).success).toBe(false);
  });

  it('redeems an invite with a passcode typed with spaces and dashes', () => {
    const body = redeemInviteRequestSchema.parse({ displayName: 'Client Martin', passcode: '12 34-56 78' });
    expect(body.passcode).toBe('12345678');
  });

  it('names the passcode, not the name, when the passcode is malformed', () => {
    const result = redeemInviteRequestSchema.safeParse({ displayName: 'Client Martin', passcode: '12ab' });
    expect(result.success).toBe(false);
    const body = invalidPayloadBody(result.error!);
    expect(body).toMatchObject({ reason: 'invalid-payload', field: 'passcode' });
    const name = redeemInviteRequestSchema.safeParse({ displayName: '', passcode: '12345678' });
    expect(invalidPayloadBody(name.error!)).toMatchObject({ field: 'displayName' });
  });

  it('leaves the field out when the body itself is wrong', () => {
    const result = redeemInviteRequestSchema.safeParse('not an object');
    expect(invalidPayloadBody(result.error!).field).toBeUndefined();
  });

  it('still reads the passcode the server makes, shown once to the organiser', () => {
    expect(createInviteResponseSchema.shape.passcode.parse('00123456')).toBe('00123456');
  });
});
