import { useEffect, useState } from 'react';

/** How often running clocks (the current item, the speaker) move on. */
export const TICK_MS = 1_000;

/**
 * The time, ticking each second while `running` (an item is open, someone
 * speaks); still otherwise, so an idle panel does not re-render.
 */
export function useNow(running: boolean, clock: () => number = Date.now): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    if (!running) {
      return undefined;
    }
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), TICK_MS);
    return () => clearInterval(timer);
  }, [running, clock]);
  return now;
}
