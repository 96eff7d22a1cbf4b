import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState } from '@confidentiel/protocol';
import { committeeChanges, type CommitteeChange } from './announcements.ts';
import type { FloorMicrophone } from './useFloorMicrophone.ts';

/** What the live region says when the session moves on (the screen shows it; screen readers hear it). */
export function useCommitteeAnnouncements(
  committee: CommitteeState,
  floor: FloorMicrophone['notice'],
): string {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const previous = useRef<CommitteeState | null>(null);

  useEffect(() => {
    const changes = committeeChanges(previous.current, committee);
    previous.current = committee;
    if (changes.length === 0) {
      return;
    }
    const say = (change: CommitteeChange): string => {
      switch (change.type) {
        case 'itemOpened':
          return t('committee.announce.itemOpened', { title: change.title });
        case 'itemClosed':
          return t('committee.announce.itemClosed', { title: change.title });
        case 'voteOpened':
          return t('committee.announce.voteOpened', { motion: change.motion });
        case 'voteClosed':
          return t('committee.announce.voteClosed', {
            motion: change.motion,
            outcome: t(`committee.vote.outcome.${change.outcome}`),
          });
        case 'recordingStarted':
          return t('committee.announce.recordingStarted');
        case 'recordingStopped':
          return t('committee.announce.recordingStopped');
        default: {
          const unreachable: never = change;
          return unreachable;
        }
      }
    };
    setText(changes.map(say).join(' '));
  }, [committee, t]);

  useEffect(() => {
    if (floor !== null) {
      setText(t(floor === 'given' ? 'committee.announce.floorGiven' : 'committee.announce.floorWithdrawn'));
    }
  }, [floor, t]);

  return text;
}
