import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import { AgendaSection } from './AgendaSection.tsx';
import { isChair, isSecretary, isVotingMember } from './committeeRoles.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { ExportSection } from './ExportSection.tsx';
import { FloorSection } from './FloorSection.tsx';
import { MinutesSection } from './MinutesSection.tsx';
import { RecordingBanner } from './RecordingBanner.tsx';
import { useCommitteeAnnouncements } from './useCommitteeAnnouncements.ts';
import type { FloorMicrophone } from './useFloorMicrophone.ts';
import type { MinutesModel } from './useMinutes.ts';
import { useNow } from './useNow.ts';
import { VoteSection } from './VoteSection.tsx';
import './committee.css';

export interface CommitteeViewProps {
  client: CommitteeRequester;
  committee: CommitteeState;
  self: MemberInfo;
  names: ReadonlyMap<string, string>;
  meetingId: string;
  minutes: MinutesModel;
  microphone: FloorMicrophone;
  /** The time source (tests). */
  clock?: () => number;
}

/** The committee session as one panel of the sidebar; what each role may do decides the controls. */
export function CommitteeView(props: CommitteeViewProps): ReactNode {
  const { t } = useTranslation();
  const headingId = useId();
  const { client, committee, self } = props;
  const running = committee.currentItemId !== null || committee.floor.speaker !== null;
  const now = useNow(running, props.clock);
  const announcement = useCommitteeAnnouncements(committee, props.microphone.notice);
  const chair = isChair(self.role);
  const voter = isVotingMember(self.role);
  return (
    <section className="committee-panel" aria-labelledby={headingId} data-testid="committee-panel">
      <h2 id={headingId}>{t('committee.title')}</h2>
      {committee.recording.on ? <RecordingBanner since={committee.recording.since} /> : null}
      <AgendaSection client={client} committee={committee} chair={chair} now={now} />
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
      <VoteSection client={client} committee={committee} self={self} chair={chair} voter={voter} />
      <MinutesSection committee={committee} minutes={props.minutes} secretary={isSecretary(self.role)} />
      <ExportSection
        committee={committee}
        minutes={props.minutes}
        names={props.names}
        meetingId={props.meetingId}
        {...(props.clock ? { clock: props.clock } : {})}
      />
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="committee-announcer">
        {announcement}
      </div>
    </section>
  );
}
