import { beforeEach, expect, it } from 'vitest';
import type { Revocations } from '../../src/rooms/Revocations.ts';
import { T, type Clock, type Fixture } from './support.ts';

/** What every Revocations does, whatever holds it. */
export function revocationsContract(make: () => Fixture<Revocations> | Promise<Fixture<Revocations>>): void {
  let revocations: Revocations;
  let clock: Clock;

  beforeEach(async () => {
    ({ subject: revocations, clock } = await make());
  });

  it('refuses a revoked value until the time given, then no more', async () => {
    expect(await revocations.isRevoked('jti', 'token-1')).toBe(false);
    await revocations.revoke('jti', 'token-1', clock.now() + 2 * T);
    expect(await revocations.isRevoked('jti', 'token-1')).toBe(true);
    await clock.advance(T);
    expect(await revocations.isRevoked('jti', 'token-1')).toBe(true);
    await clock.advance(2 * T);
    expect(await revocations.isRevoked('jti', 'token-1')).toBe(false);
  });

  it('keeps the later of two times, whichever comes first', async () => {
    await revocations.revoke('sub', 'member-1', clock.now() + 3 * T);
    await revocations.revoke('sub', 'member-1', clock.now() + T);
    await revocations.revoke('sub', 'member-2', clock.now() + T);
    await revocations.revoke('sub', 'member-2', clock.now() + 3 * T);
    await clock.advance(2 * T);
    expect(await revocations.isRevoked('sub', 'member-1')).toBe(true);
    expect(await revocations.isRevoked('sub', 'member-2')).toBe(true);
  });

  it('keeps token ids and member ids apart', async () => {
    await revocations.revoke('jti', 'same-value', clock.now() + 2 * T);
    expect(await revocations.isRevoked('sub', 'same-value')).toBe(false);
    expect(await revocations.isRevoked('jti', 'other-value')).toBe(false);
  });

  it('revokes nothing until a time already past', async () => {
    await revocations.revoke('jti', 'token-2', clock.now() - 1);
    expect(await revocations.isRevoked('jti', 'token-2')).toBe(false);
  });
}
