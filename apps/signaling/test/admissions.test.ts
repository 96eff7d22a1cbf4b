import { describe, expect, it } from 'vitest';
import { ADMISSION_GRACE_MS, InMemoryAdmissions } from '../src/rooms/Admissions.ts';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('InMemoryAdmissions', () => {
  it('admits a member who entered, for that room only', () => {
    const c = clock();
    const admissions = new InMemoryAdmissions({ now: c.now });
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(false);
    admissions.entered('room-a', 'm1');
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(true);
    expect(admissions.isAdmitted('room-b', 'm1')).toBe(false);
    expect(admissions.isAdmitted('room-a', 'm2')).toBe(false);
    c.advance(365 * 24 * 3600 * 1000);
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });

  it('keeps a member who left admitted until the grace ends, then not', () => {
    const c = clock();
    const admissions = new InMemoryAdmissions({ now: c.now });
    admissions.entered('room-a', 'm1');
    admissions.left('room-a', 'm1', c.now() + ADMISSION_GRACE_MS);
    c.advance(ADMISSION_GRACE_MS - 1);
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(true);
    c.advance(1);
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(false);
    // Entering again admits again.
    admissions.entered('room-a', 'm1');
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });

  it('withdraws a removed or refused member at once, and a departure cannot bring them back', () => {
    const c = clock();
    const admissions = new InMemoryAdmissions({ now: c.now });
    admissions.entered('room-a', 'm1');
    admissions.withdrawn('room-a', 'm1');
    admissions.left('room-a', 'm1', c.now() + ADMISSION_GRACE_MS);
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(false);
    // A never-admitted member (the lobby) leaving is not admitted either.
    admissions.left('room-a', 'm2', c.now() + ADMISSION_GRACE_MS);
    expect(admissions.isAdmitted('room-a', 'm2')).toBe(false);
  });

  it('ignores a departure or withdrawal named with another room', () => {
    const admissions = new InMemoryAdmissions();
    admissions.entered('room-a', 'm1');
    admissions.withdrawn('room-b', 'm1');
    admissions.left('room-b', 'm1', 0);
    expect(admissions.isAdmitted('room-a', 'm1')).toBe(true);
  });
});
