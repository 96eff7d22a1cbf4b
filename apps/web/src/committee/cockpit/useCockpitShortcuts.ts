import { useEffect, useRef } from 'react';
import type { CommitteeState } from '@confidentiel/protocol';
import type { CommitteeRequester } from '../CommitteeRequester.ts';
import type { CommitteeAction } from '../useCommitteeAction.ts';
import type { CockpitTab } from './cockpitTabs.ts';
import { nextItemStep } from './nextItem.ts';
import { isTypingTarget, shortcutFor, type ShortcutAction } from './shortcuts.ts';

export interface CockpitShortcutHost {
  client: CommitteeRequester;
  committee: CommitteeState;
  selfId: string;
  chair: boolean;
  voter: boolean;
  /** Refusals show next to the summary. */
  action: CommitteeAction;
  /** Shows a tab; with focus, puts the keyboard focus on it. */
  selectTab: (tab: CockpitTab, focus: 'tab' | 'motion' | null) => void;
  openHelp: () => void;
}

/** Carries out one shortcut's action with the session as it is now. */
function perform(host: CockpitShortcutHost, action: ShortcutAction): void {
  const { client, committee } = host;
  const run = host.action.run;
  switch (action.type) {
    case 'nextItem': {
      const step = nextItemStep(committee);
      if (step !== null) {
        run(() =>
          client.committeeRequest(step.kind === 'open' ? 'agendaOpen' : 'agendaClose', {
            itemId: step.itemId,
          }),
        );
      }
      return;
    }
    case 'giveNext': {
      const memberId = committee.floor.queue[0];
      if (memberId !== undefined) {
        run(() => client.committeeRequest('giveFloor', { memberId }));
      }
      return;
    }
    case 'withdraw':
      if (committee.floor.speaker !== null) {
        run(() => client.committeeRequest('withdrawFloor', {}));
      }
      return;
    case 'vote': {
      const vote = committee.vote;
      if (vote !== null) {
        run(() => client.committeeRequest('closeVote', { voteId: vote.voteId }));
      } else {
        // A motion needs its words: the shortcut takes the chair to the form.
        host.selectTab('vote', 'motion');
      }
      return;
    }
    case 'muteAll':
      run(() => client.committeeRequest('muteAll', {}));
      return;
    case 'hand':
      if (committee.floor.speaker === host.selfId) {
        return;
      }
      run(() =>
        client.committeeRequest(committee.floor.queue.includes(host.selfId) ? 'lowerHand' : 'raiseHand', {}),
      );
      return;
    case 'help':
      host.openHelp();
      return;
    case 'tab':
      host.selectTab(action.tab, 'tab');
      return;
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/**
 * The cockpit's keyboard shortcuts (shortcuts.ts), listened to on the whole
 * page while the session is shown; ignored while typing in a field and while
 * a modal dialog (a confirmation) holds the page.
 */
export function useCockpitShortcuts(host: CockpitShortcutHost): void {
  // The latest state, read when a key is pressed: the listener is added once.
  const latest = useRef(host);
  latest.current = host;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.repeat || isTypingTarget(event.target)) {
        return;
      }
      if (document.querySelector('dialog[open]') !== null) {
        return;
      }
      const current = latest.current;
      const shortcut = shortcutFor(event, { chair: current.chair, voter: current.voter });
      if (shortcut === null) {
        return;
      }
      event.preventDefault();
      perform(current, shortcut.action);
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
