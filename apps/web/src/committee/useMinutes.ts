import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CommitteeState } from '@confidentiel/protocol';
import { MeetingError } from '../media/MeetingError.ts';
import type { CommitteeKeySnapshot } from './CommitteeKeyHolder.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { createMinutesCipher, type MinutesCipher } from './minutesCipher.ts';
import { loadMinutes, saveMinutes, type MinutesEntry, type SaveOutcome } from './minutesRequests.ts';

export type { MinutesEntry, SaveOutcome } from './minutesRequests.ts';

/**
 * `waiting-key`: the committee secret has not reached this browser yet (a
 * host present hands it to admitted members); `not-entitled`: an observer,
 * who gets no committee secret; `key-failed`: the secret is not usable;
 * `failed`: the minutes could not be fetched.
 */
export type MinutesStatus = 'waiting-key' | 'not-entitled' | 'key-failed' | 'loading' | 'ready' | 'failed';

export interface MinutesModel {
  status: MinutesStatus;
  entries: ReadonlyMap<string, MinutesEntry>;
  /** See saveMinutes: `conflict` means reloaded, the caller keeps its text. */
  save(itemId: string, baseRevision: number, text: string): Promise<SaveOutcome>;
  /** Fetches and opens every item's latest minutes. */
  reload(): Promise<void>;
}

/** The sealed text must fit the protocol's 60 000 base64url characters (IV and tag included). */
export const MAX_MINUTES_BYTES = 44_000;

export function minutesByteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The server's index of revisions, as one comparable string. */
function indexSignature(committee: CommitteeState | null): string {
  return Object.entries(committee?.minutes ?? {})
    .map(([itemId, { revision }]) => `${itemId}:${revision}`)
    .sort()
    .join(',');
}

/** Fetches, opens and saves the minutes of a committee session; reloads when the server's index moves. */
export function useMinutes(options: {
  client: CommitteeRequester;
  committee: CommitteeState | null;
  meetingId: string;
  /** The committee secret in this browser (CommitteeKeyHolder's snapshot). */
  committeeKey: CommitteeKeySnapshot;
}): MinutesModel {
  const { client, committee, meetingId } = options;
  const secret = options.committeeKey.secret;
  const missing: MinutesStatus =
    options.committeeKey.status === 'not-entitled' ? 'not-entitled' : 'waiting-key';
  const [cipher, setCipher] = useState<MinutesCipher | null>(null);
  const [status, setStatus] = useState<MinutesStatus>(secret === null ? missing : 'loading');
  const [entries, setEntries] = useState<ReadonlyMap<string, MinutesEntry>>(new Map());
  // Only the latest load may write its result: an older answer must not undo a newer one.
  const loads = useRef(0);
  const active = committee !== null;
  const signature = indexSignature(committee);

  useEffect(() => {
    setCipher(null);
    if (secret === null) {
      setStatus(missing);
      return undefined;
    }
    let live = true;
    setStatus('loading');
    createMinutesCipher(secret, meetingId).then(
      (made) => {
        if (live) {
          setCipher(made);
        }
      },
      () => {
        if (live) {
          setStatus('key-failed');
        }
      },
    );
    return () => {
      live = false;
    };
  }, [secret, missing, meetingId]);

  const reload = useCallback(async (): Promise<void> => {
    if (cipher === null || !active) {
      return;
    }
    const load = ++loads.current;
    try {
      const loaded = await loadMinutes(client, cipher);
      if (load === loads.current) {
        setEntries(loaded);
        setStatus('ready');
      }
    } catch (failure) {
      if (load === loads.current) {
        setStatus('failed');
      }
      throw MeetingError.from(failure);
    }
  }, [client, cipher, active]);

  useEffect(() => {
    if (cipher === null || !active) {
      return;
    }
    if (signature === '') {
      // Nothing saved yet: no need to ask.
      loads.current += 1;
      setEntries(new Map());
      setStatus('ready');
      return;
    }
    reload().catch(() => {
      // The status says so, with a button to try again.
    });
  }, [cipher, active, signature, reload]);

  const save = useCallback(
    async (itemId: string, baseRevision: number, text: string): Promise<SaveOutcome> => {
      if (cipher === null) {
        throw new MeetingError('forbidden', 'no minutes key');
      }
      const result = await saveMinutes(client, cipher, itemId, baseRevision, text);
      // Either way this is newer than any load still on its way.
      loads.current += 1;
      if (result.outcome === 'saved') {
        setEntries((previous) => new Map(previous).set(itemId, { revision: result.revision, text }));
      } else {
        setEntries(result.entries);
      }
      setStatus('ready');
      return result;
    },
    [client, cipher],
  );

  return useMemo(() => ({ status, entries, save, reload }), [status, entries, save, reload]);
}
