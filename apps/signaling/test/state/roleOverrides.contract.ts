import { beforeEach, expect, it } from 'vitest';
import type { RoleOverrides } from '../../src/rooms/RoleOverrides.ts';
import { T, type Clock, type Fixture } from './support.ts';

/** What every RoleOverrides does, whatever holds it. */
export function roleOverridesContract(
  make: () => Fixture<RoleOverrides> | Promise<Fixture<RoleOverrides>>,
): void {
  let overrides: RoleOverrides;
  let clock: Clock;

  beforeEach(async () => {
    ({ subject: overrides, clock } = await make());
  });

  it('gives the role a moderator set until the time given, then none', async () => {
    expect(await overrides.get('member-1')).toBeUndefined();
    await overrides.set('member-1', 'participant', clock.now() + 2 * T);
    expect(await overrides.get('member-1')).toBe('participant');
    expect(await overrides.get('member-2')).toBeUndefined();
    await clock.advance(T);
    expect(await overrides.get('member-1')).toBe('participant');
    await clock.advance(2 * T);
    expect(await overrides.get('member-1')).toBeUndefined();
  });

  it('replaces an earlier change by a later one, its time included', async () => {
    await overrides.set('member-1', 'co-host', clock.now() + 3 * T);
    await overrides.set('member-1', 'observer', clock.now() + T);
    expect(await overrides.get('member-1')).toBe('observer');
    await clock.advance(2 * T);
    expect(await overrides.get('member-1')).toBeUndefined();
  });
}
