import { useCallback, useRef, useState } from 'react';
import { MeetingError } from '../media/MeetingError.ts';

export interface CommitteeAction {
  /**
   * Runs a request; a refusal is kept in `error` for the section to show.
   * While one runs, others are ignored (a double click sends once).
   */
  run: (action: () => Promise<unknown>) => void;
  error: MeetingError | null;
  /** A request is on its way. */
  pending: boolean;
  clearError: () => void;
}

/*
 * Buttons are not disabled while a request runs: a focused button that
 * becomes disabled drops the keyboard focus to the page.
 */
export function useCommitteeAction(): CommitteeAction {
  const [error, setError] = useState<MeetingError | null>(null);
  const [pending, setPending] = useState(false);
  const running = useRef(false);
  const run = useCallback((action: () => Promise<unknown>) => {
    if (running.current) {
      return;
    }
    running.current = true;
    setError(null);
    setPending(true);
    const settle = (failure: MeetingError | null): void => {
      running.current = false;
      setPending(false);
      setError(failure);
    };
    action().then(
      () => settle(null),
      (failure: unknown) => settle(MeetingError.from(failure)),
    );
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, error, pending, clearError };
}
