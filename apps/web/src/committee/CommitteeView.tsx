import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import { ActionError } from './ActionError.tsx';
import { AgendaSection } from './AgendaSection.tsx';
import { CockpitSummary } from './cockpit/CockpitSummary.tsx';
import { COCKPIT_TABS, tabForKey, type CockpitTab } from './cockpit/cockpitTabs.ts';
import { ariaKeysFor } from './cockpit/shortcuts.ts';
import { ShortcutsDialog } from './cockpit/ShortcutsDialog.tsx';
import { useCockpitShortcuts } from './cockpit/useCockpitShortcuts.ts';
import { isChair, isSecretary, isVotingMember } from './committeeRoles.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { ExportSection } from './ExportSection.tsx';
import { FloorSection } from './FloorSection.tsx';
import { MinutesSection } from './MinutesSection.tsx';
import type { MeetingFacts } from './proceedings.ts';
import { useCommitteeAction } from './useCommitteeAction.ts';
import { useCommitteeAnnouncements } from './useCommitteeAnnouncements.ts';
import type { FloorMicrophone } from './useFloorMicrophone.ts';
import type { MinutesModel } from './useMinutes.ts';
import { useNow } from './useNow.ts';
import { VoteSection } from './VoteSection.tsx';
import './committee.css';
import './cockpit/cockpit.css';

export interface CommitteeViewProps {
  client: CommitteeRequester;
  committee: CommitteeState;
  self: MemberInfo;
  names: ReadonlyMap<string, string>;
  meetingId: string;
  minutes: MinutesModel;
  microphone: FloorMicrophone;
  /** The meeting's title and scheduled start (the room info), named by the procès-verbal. */
  meeting?: MeetingFacts;
  /** The chair's recording controls (the recording tab); the others see whether it records. */
  recording?: ReactNode;
  /** The tab shown first (tests). */
  initialTab?: CockpitTab;
  /** The time source (tests). */
  clock?: () => number;
}

type PendingFocus = 'tab' | 'motion' | 'ballot' | 'export' | null;

/**
 * The committee session's cockpit: a summary always in view (item, floor,
 * vote, recording), then one tab per task (agenda, floor, vote, minutes,
 * recording), sized to be run without scrolling beside the stage; keyboard
 * shortcuts for the chair's frequent actions. What each role may do decides
 * the controls. Every panel stays mounted (hidden when not shown), so a draft
 * motion or unsaved minutes survive a change of tab.
 */
export function CommitteeView(props: CommitteeViewProps): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const baseId = useId();
  const { client, committee, self } = props;
  const running = committee.currentItemId !== null || committee.floor.speaker !== null;
  const now = useNow(running, props.clock);
  const announcement = useCommitteeAnnouncements(committee, props.microphone.notice);
  const chair = isChair(self.role);
  const voter = isVotingMember(self.role);
  const action = useCommitteeAction();
  const [tab, setTab] = useState<CockpitTab>(props.initialTab ?? 'agenda');
  const [helpOpen, setHelpOpen] = useState(false);
  const pendingFocus = useRef<PendingFocus>(null);
  const root = useRef<HTMLElement>(null);
  const tabId = (name: CockpitTab): string => `${baseId}-tab-${name}`;
  const panelId = (name: CockpitTab): string => `${baseId}-panel-${name}`;

  const selectTab = useCallback((next: CockpitTab, focus: PendingFocus) => {
    pendingFocus.current = focus;
    setTab(next);
  }, []);

  // The focus moves once the tab's panel is shown (a hidden element cannot take it).
  useEffect(() => {
    const focus = pendingFocus.current;
    pendingFocus.current = null;
    const element = root.current;
    if (focus === null || element === null) {
      return;
    }
    const target =
      focus === 'tab'
        ? element.querySelector<HTMLElement>(`[data-testid="cockpit-tab-${tab}"]`)
        : focus === 'motion'
          ? element.querySelector<HTMLElement>('[data-testid="vote-motion-input"]')
          : focus === 'export'
            ? element.querySelector<HTMLElement>('[data-testid="export-minutes-html"]')
            : (element.querySelector<HTMLElement>('[data-testid="vote-option"]:not([disabled])') ??
              element.querySelector<HTMLElement>(`[data-testid="cockpit-panel-${tab}"]`));
    target?.focus();
  }, [tab]);

  useCockpitShortcuts({
    client,
    committee,
    selfId: self.memberId,
    chair,
    voter,
    action,
    selectTab,
    openHelp: () => setHelpOpen(true),
  });

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>): void => {
    const next = tabForKey(tab, event.key);
    if (next !== null) {
      event.preventDefault();
      selectTab(next, 'tab');
    }
  };

  const panels: Record<CockpitTab, ReactNode> = {
    agenda: <AgendaSection client={client} committee={committee} chair={chair} now={now} />,
    floor: (
      <FloorSection
        client={client}
        committee={committee}
        self={self}
        names={props.names}
        chair={chair}
        voter={voter}
        microphone={props.microphone}
        now={now}
      />
    ),
    vote: <VoteSection client={client} committee={committee} self={self} chair={chair} voter={voter} />,
    minutes: (
      <>
        <MinutesSection committee={committee} minutes={props.minutes} secretary={isSecretary(self.role)} />
        {/* The procès-verbal is exported with the recording (the session's record), one tab on. */}
        <button
          type="button"
          className="button button-small button-ghost"
          data-testid="cockpit-go-export"
          onClick={() => selectTab('record', 'export')}
        >
          {t('committee.cockpit.goExport')}
        </button>
      </>
    ),
    // What the session leaves behind: its recording and its procès-verbal.
    record: (
      <>
        {chair ? (
          props.recording
        ) : (
          <p className="hint" data-testid="cockpit-recording-state" data-on={committee.recording.on}>
            {t(committee.recording.on ? 'committee.cockpit.recordingOn' : 'committee.cockpit.recordingOff')}
          </p>
        )}
        <ExportSection
          committee={committee}
          minutes={props.minutes}
          names={props.names}
          meetingId={props.meetingId}
          {...(props.meeting ? { meeting: props.meeting } : {})}
          {...(props.clock ? { clock: props.clock } : {})}
        />
      </>
    ),
  };

  return (
    <section
      ref={root}
      className="committee-cockpit"
      aria-labelledby={headingId}
      data-testid="committee-cockpit"
      data-tab={tab}
    >
      <div className="cockpit-head">
        <h2 id={headingId}>{t('committee.title')}</h2>
        <button
          type="button"
          className="button button-small"
          data-testid="cockpit-shortcuts"
          aria-haspopup="dialog"
          aria-keyshortcuts={ariaKeysFor('help')}
          onClick={() => setHelpOpen(true)}
        >
          {t('committee.cockpit.keys.open')}
        </button>
      </div>
      <CockpitSummary
        client={client}
        committee={committee}
        self={self}
        names={props.names}
        chair={chair}
        voter={voter}
        now={now}
        action={action}
        onShowVote={() => selectTab('vote', 'ballot')}
      />
      <ActionError error={action.error} />
      <div className="cockpit-body" data-testid="committee-panel">
        <div className="cockpit-tabs" role="tablist" aria-label={t('committee.cockpit.tabsLabel')}>
          {COCKPIT_TABS.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              id={tabId(name)}
              className="cockpit-tab"
              data-testid={`cockpit-tab-${name}`}
              aria-selected={tab === name}
              aria-controls={panelId(name)}
              aria-keyshortcuts={ariaKeysFor('tab', name)}
              tabIndex={tab === name ? 0 : -1}
              onClick={() => selectTab(name, null)}
              onKeyDown={onTabKey}
            >
              {t(`committee.cockpit.tabs.${name}`)}
              {name === 'floor' && committee.floor.queue.length > 0 ? (
                <span className="badge badge-waiting cockpit-tab-count">{committee.floor.queue.length}</span>
              ) : null}
              {name === 'vote' && committee.vote !== null ? (
                <>
                  <span className="cockpit-tab-dot" aria-hidden="true" />
                  <span className="visually-hidden"> {t('committee.cockpit.voteRunning')}</span>
                </>
              ) : null}
            </button>
          ))}
        </div>
        {COCKPIT_TABS.map((name) => (
          <div
            key={name}
            role="tabpanel"
            id={panelId(name)}
            className={`cockpit-panel cockpit-panel-${name}`}
            aria-labelledby={tabId(name)}
            data-testid={`cockpit-panel-${name}`}
            hidden={tab !== name}
            tabIndex={0}
          >
            {panels[name]}
          </div>
        ))}
      </div>
      <ShortcutsDialog open={helpOpen} rights={{ chair, voter }} onClose={() => setHelpOpen(false)} />
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="committee-announcer">
        {announcement}
      </div>
    </section>
  );
}
