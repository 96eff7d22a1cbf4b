import { describe, expect, it } from 'vitest';
import { groupSecret, passwordProblem, readEnrolmentToken } from './enrolment.ts';

describe('enrolment helpers', () => {
  it('reads the token from the #t= fragment only', () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345_-';
    expect(readEnrolmentToken(`#t=${token}`)).toBe(token);
    expect(readEnrolmentToken(`#x=1&t=${token}`)).toBe(token);
    expect(readEnrolmentToken('')).toBe(null);
    expect(readEnrolmentToken('#t=')).toBe(null);
    expect(readEnrolmentToken('#t=<script>')).toBe(null);
    expect(readEnrolmentToken('#k=AbCdEfGhIjKlMnOpQrStUv')).toBe(null);
  });

  it('groups a TOTP secret by 4 for copying by hand', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEH======')).toBe('JBSW Y3DP EH');
    expect(groupSecret('')).toBe('');
  });

  it('asks for 12 characters at least and the same password twice', () => {
    expect(passwordProblem('short', 'short')).toBe('too-short');
    expect(passwordProblem('été à Paris', 'été à Paris')).toBe('too-short');
    expect(passwordProblem('une phrase assez longue', 'une phrase assez longue!')).toBe('mismatch');
    expect(passwordProblem('x'.repeat(257), 'x'.repeat(257))).toBe('too-long');
    expect(passwordProblem('une phrase assez longue', 'une phrase assez longue')).toBe(null);
  });
});
