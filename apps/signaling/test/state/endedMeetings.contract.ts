import { beforeEach, expect, it } from 'vitest';
import type { EndedMeetings } from '../../src/rooms/EndedMeetings.ts';
import { T, type Clock, type Fixture } from './support.ts';

/** The TTL the subjects of this contract are made with. */
export const ENDED_TTL_MS = 2 * T;

/** What every EndedMeetings does, whatever holds it (made with a TTL of ENDED_TTL_MS). */
export function endedMeetingsContract(
  make: () => Fixture<EndedMeetings> | Promise<Fixture<EndedMeetings>>,
): void {
  let ended: EndedMeetings;
  let clock: Clock;

  beforeEach(async () => {
    ({ subject: ended, clock } = await make());
  });

  it('holds a meeting ended until it is reopened, and no other meeting', async () => {
    expect(await ended.isEnded('room-1')).toBe(false);
    await ended.end('room-1');
    expect(await ended.isEnded('room-1')).toBe(true);
    expect(await ended.isEnded('room-2')).toBe(false);
    await ended.reopen('room-1');
    expect(await ended.isEnded('room-1')).toBe(false);
    await ended.reopen('room-2');
    expect(await ended.isEnded('room-2')).toBe(false);
  });

  it('forgets an ended meeting nobody reopened once the TTL is over', async () => {
    await ended.end('room-1');
    await clock.advance(ENDED_TTL_MS / 2);
    expect(await ended.isEnded('room-1')).toBe(true);
    await clock.advance(ENDED_TTL_MS);
    expect(await ended.isEnded('room-1')).toBe(false);
  });

  it('counts the TTL from the last end', async () => {
    await ended.end('room-1');
    await clock.advance(ENDED_TTL_MS / 2);
    await ended.end('room-1');
    await clock.advance((ENDED_TTL_MS * 3) / 4);
    expect(await ended.isEnded('room-1')).toBe(true);
  });
}
