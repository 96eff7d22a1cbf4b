import { beforeEach, expect, it } from 'vitest';
import type { Admissions } from '../../src/rooms/Admissions.ts';
import { T, type Clock, type Fixture } from './support.ts';

/** What every Admissions does, whatever holds it. */
export function admissionsContract(make: () => Fixture<Admissions> | Promise<Fixture<Admissions>>): void {
  let admissions: Admissions;
  let clock: Clock;

  beforeEach(async () => {
    ({ subject: admissions, clock } = await make());
  });

  it('admits a member who entered, for that room only', async () => {
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
    await admissions.entered('room-a', 'm1');
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
    expect(await admissions.isAdmitted('room-b', 'm1')).toBe(false);
    expect(await admissions.isAdmitted('room-a', 'm2')).toBe(false);
    await clock.advance(3 * T);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });

  it('keeps a member who left admitted until the grace ends, then not; entering again admits again', async () => {
    await admissions.entered('room-a', 'm1');
    await admissions.left('room-a', 'm1', clock.now() + 2 * T);
    await clock.advance(T);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
    await clock.advance(2 * T);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
    await admissions.entered('room-a', 'm1');
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });

  it('never lengthens a grace already running', async () => {
    await admissions.entered('room-a', 'm1');
    await admissions.left('room-a', 'm1', clock.now() + T);
    await admissions.left('room-a', 'm1', clock.now() + 4 * T);
    await clock.advance(2 * T);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
  });

  it('withdraws a removed or refused member at once, and a departure cannot bring them back', async () => {
    await admissions.entered('room-a', 'm1');
    await admissions.withdrawn('room-a', 'm1');
    await admissions.left('room-a', 'm1', clock.now() + 2 * T);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
    // A never-admitted member (the lobby) leaving is not admitted either.
    await admissions.left('room-a', 'm2', clock.now() + 2 * T);
    expect(await admissions.isAdmitted('room-a', 'm2')).toBe(false);
  });

  it('ignores a departure or withdrawal named with another room', async () => {
    await admissions.entered('room-a', 'm1');
    await admissions.withdrawn('room-b', 'm1');
    await admissions.left('room-b', 'm1', clock.now() - 1);
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });

  it('admits a member in one room at a time: entering another moves the admission', async () => {
    await admissions.entered('room-a', 'm1');
    await admissions.entered('room-b', 'm1');
    expect(await admissions.isAdmitted('room-a', 'm1')).toBe(false);
    expect(await admissions.isAdmitted('room-b', 'm1')).toBe(true);
  });
}
