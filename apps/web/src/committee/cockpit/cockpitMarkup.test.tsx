import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import i18n from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../i18n/index.ts';
import type { CommitteeRequester } from '../CommitteeRequester.ts';
import { CommitteeView } from '../CommitteeView.tsx';
import { CHAIR, committeeState, member, MEMBER, MIN, result, SECRETARY, T0 } from '../testFixtures.ts';
import type { CockpitTab } from './cockpitTabs.ts';

/*
 * The cockpit rendered to markup: a proper tab list (roles, selection, the
 * panels they control), the summary always there, the shortcuts announced on
 * the controls, and each test id the browser tests use present once.
 */

const client: CommitteeRequester = {
  committeeRequest: () => Promise.reject(new Error('no server in this test')),
};
const chair = member(CHAIR, 'Claire Président', 'host');
const participant = member(MEMBER, 'Marc Membre', 'participant');
const names = new Map([
  [CHAIR, 'Claire Président'],
  [MEMBER, 'Marc Membre'],
  [SECRETARY, 'Sophie Secrétaire'],
]);

function render(
  self: MemberInfo,
  committee: CommitteeState = committeeState(),
  initialTab?: CockpitTab,
): string {
  return renderToStaticMarkup(
    <CommitteeView
      client={client}
      committee={committee}
      self={self}
      names={names}
      meetingId="MeetingMeetingMeeting1"
      minutes={{
        status: 'ready',
        entries: new Map(),
        save: () => Promise.reject(new Error('unused')),
        reload: () => Promise.resolve(),
      }}
      microphone={{ notice: null, error: null }}
      recording={<p data-testid="recording-slot">recording controls</p>}
      {...(initialTab ? { initialTab } : {})}
      clock={() => T0 + 13 * MIN}
    />,
  );
}

/** The opening tag of the element with that test id. */
function tagOf(html: string, testId: string): string {
  const match = new RegExp(`<[a-z]+[^>]*data-testid="${testId}"[^>]*>`).exec(html);
  expect(match, testId).not.toBeNull();
  return match![0];
}

const attribute = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

beforeAll(async () => {
  await i18n.use(initReactI18next).init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

const running = committeeState({
  floor: { speaker: MEMBER, since: T0 + 12 * MIN, queue: [SECRETARY], history: [] },
  vote: {
    voteId: 'voteVoteVote0001',
    motion: 'Approuver le budget',
    options: ['pour', 'contre'],
    secret: false,
    itemId: null,
    openedAt: T0,
    eligible: 3,
    quorum: 2,
    voted: [CHAIR],
  },
});

describe('the committee cockpit', () => {
  it('is a tab list whose tabs control their panels, the first one shown', () => {
    const html = render(chair);
    expect(html).toContain('role="tablist"');
    for (const tab of ['agenda', 'floor', 'vote', 'minutes', 'record']) {
      const button = tagOf(html, `cockpit-tab-${tab}`);
      const panel = tagOf(html, `cockpit-panel-${tab}`);
      expect(attribute(button, 'role')).toBe('tab');
      expect(attribute(panel, 'role')).toBe('tabpanel');
      expect(attribute(button, 'aria-controls')).toBe(attribute(panel, 'id'));
      expect(attribute(panel, 'aria-labelledby')).toBe(attribute(button, 'id'));
      const shown = tab === 'agenda';
      expect(attribute(button, 'aria-selected'), tab).toBe(String(shown));
      // Roving focus: only the shown tab is in the tab order; the arrows move between them.
      expect(attribute(button, 'tabindex'), tab).toBe(shown ? '0' : '-1');
      expect(panel.includes(' hidden=""'), tab).toBe(!shown);
    }
    expect(attribute(tagOf(html, 'cockpit-tab-vote'), 'aria-keyshortcuts')).toBe('Alt+Shift+3');
  });

  it('shows another tab first when asked', () => {
    const html = render(chair, committeeState(), 'vote');
    expect(attribute(tagOf(html, 'cockpit-tab-vote'), 'aria-selected')).toBe('true');
    expect(tagOf(html, 'cockpit-panel-vote')).not.toContain('hidden');
    expect(tagOf(html, 'cockpit-panel-agenda')).toContain('hidden=""');
  });

  it('keeps the item, the speaker and the running vote in the summary, outside every tab', () => {
    const html = render(participant, running);
    const summary = html.slice(html.indexOf('data-testid="cockpit-summary"'), html.indexOf('role="tablist"'));
    expect(summary).toMatch(/data-testid="current-item" data-item-id="itemBudget000001"/);
    expect(summary).toContain('2/3. Budget 2026');
    expect(summary).toContain('data-testid="cockpit-speaker" data-member-id="memberMemberMem1"');
    expect(summary).toContain('Marc Membre (vous)');
    expect(summary).toContain('1 main levée');
    expect(summary).toContain('data-testid="cockpit-vote" data-vote-id="voteVoteVote0001"');
    expect(summary).toContain('Approuver le budget');
    expect(summary).toContain('1 sur 3 ont voté');
    // A voter who has not voted is invited to.
    expect(summary).toMatch(/data-testid="cockpit-show-vote"[^>]*>Voter</);
  });

  it('gives the chair the next item with its shortcut, and the recording controls; not a member', () => {
    const html = render(chair, running);
    expect(attribute(tagOf(html, 'cockpit-next-item'), 'aria-keyshortcuts')).toBe('Alt+Shift+N');
    expect(html).toMatch(/data-testid="cockpit-next-item" data-step="open"[^>]*>Point suivant</);
    expect(html).toContain('data-testid="recording-slot"');
    const memberHtml = render(participant, running);
    expect(memberHtml).not.toContain('cockpit-next-item');
    expect(memberHtml).not.toContain('recording-slot');
    expect(memberHtml).toContain('data-testid="cockpit-recording-state" data-on="false"');
  });

  it('has each test id of the browser tests once, whichever tab is shown', () => {
    const html = render(chair, running);
    for (const id of [
      'committee-cockpit',
      'committee-panel',
      'cockpit-summary',
      'current-item',
      'current-item-elapsed',
      'cockpit-speaker',
      'floor-speaker',
      'current-vote',
      'close-vote',
      'export-minutes-html',
      'cockpit-shortcuts',
      'committee-announcer',
    ]) {
      expect(html.split(`data-testid="${id}"`).length - 1, id).toBe(1);
    }
    expect(html).not.toMatch(/committee\.[a-z]/);
  });

  it('shows the latest result in the summary once no vote runs, the results themselves in the vote tab', () => {
    const html = render(participant, committeeState({ results: [result()] }));
    const summary = html.slice(html.indexOf('data-testid="cockpit-summary"'), html.indexOf('role="tablist"'));
    expect(summary).toContain('data-testid="cockpit-last-result" data-outcome="adopted"');
    expect(summary).toContain('Adoptée');
    expect(summary).not.toContain('data-testid="vote-result"');
    const panel = html.slice(html.indexOf('data-testid="cockpit-panel-vote"'));
    expect(panel).toMatch(/<details class="committee-results-details"><summary>Résultat du vote clos \(1\)/);
    expect(panel).toContain('data-testid="vote-result"');
  });

  it('lists in its help only the shortcuts this person may use', () => {
    const chairHtml = render(chair);
    const memberHtml = render(participant);
    const keys = (html: string): string[] =>
      [...html.matchAll(/data-testid="cockpit-shortcut" data-keys="([^"]+)"/g)].map((m) => m[1]!);
    expect(keys(chairHtml)).toContain('Alt+Shift+N');
    expect(keys(chairHtml)).toContain('Alt+Shift+M');
    expect(keys(memberHtml)).not.toContain('Alt+Shift+N');
    expect(keys(memberHtml)).toContain('Alt+Shift+R');
    expect(keys(memberHtml)).toContain('Alt+Shift+1');
  });
});
