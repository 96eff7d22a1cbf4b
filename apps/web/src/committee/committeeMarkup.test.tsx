import type { CommitteeState, MemberInfo } from '@confidentiel/protocol';
import i18n from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../i18n/index.ts';
import type { CommitteeRequester } from './CommitteeRequester.ts';
import { CommitteeView } from './CommitteeView.tsx';
import type { MinutesModel, MinutesStatus } from './useMinutes.ts';
import {
  CHAIR,
  committeeState,
  member,
  MEMBER,
  MIN,
  OBSERVER,
  result,
  SECRETARY,
  T0,
} from './testFixtures.ts';

/*
 * The committee panel rendered to markup (no DOM in unit tests): which
 * controls each role gets, the test ids the browser tests use, labels on
 * every field, nothing left untranslated.
 */

const client: CommitteeRequester = {
  committeeRequest: () => Promise.reject(new Error('no server in this test')),
};

const people: Record<string, MemberInfo> = {
  host: member(CHAIR, 'Claire Président', 'host'),
  'co-host': member(SECRETARY, 'Sophie Secrétaire', 'co-host'),
  participant: member(MEMBER, 'Marc Membre', 'participant'),
  observer: member(OBSERVER, 'Olga Observatrice', 'observer'),
};
const names = new Map(Object.values(people).map((p) => [p.memberId, p.displayName]));

function minutesModel(status: MinutesStatus, texts: Record<string, string> = {}): MinutesModel {
  return {
    status,
    entries: new Map(Object.entries(texts).map(([itemId, text]) => [itemId, { revision: 1, text }])),
    save: () => Promise.reject(new Error('unused')),
    reload: () => Promise.resolve(),
  };
}

function render(
  role: MemberInfo['role'],
  committee: CommitteeState = committeeState(),
  minutes: MinutesModel = minutesModel('ready'),
): string {
  return renderToStaticMarkup(
    <CommitteeView
      client={client}
      committee={committee}
      self={people[role]!}
      names={names}
      meetingId="MeetingMeetingMeeting1"
      minutes={minutes}
      microphone={{ notice: null, error: null }}
      clock={() => T0 + 13 * MIN + 5_000}
    />,
  );
}

const testIds = (html: string): string[] => [...html.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]!);

/** Every visible input, select and textarea has a label naming it by `for`. */
function expectLabelledFields(html: string): void {
  const labelled = new Set([...html.matchAll(/<label[^>]*for="([^"]+)"/g)].map((m) => m[1]));
  const fields = [...html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)];
  for (const field of fields) {
    const id = /\bid="([^"]+)"/.exec(field[2] ?? '')?.[1];
    expect(id !== undefined && labelled.has(id), field[0]).toBe(true);
  }
}

beforeAll(async () => {
  await i18n.use(initReactI18next).init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

describe('committee panel markup', () => {
  it('shows everyone the current item with its running time, and the agenda with statuses', () => {
    const html = render('participant');
    expect(html).toContain('data-testid="committee-panel"');
    expect(html).toMatch(/data-testid="current-item" data-item-id="itemBudget000001"/);
    expect(html).toContain('2. Budget 2026');
    // 2 minutes before, plus 3 min 05 s since it was reopened at T0 + 10 min.
    expect(html).toContain('<time dateTime="PT5M5S" data-testid="current-item-elapsed">5:05</time>');
    expect(html.match(/data-testid="agenda-item"/g)).toHaveLength(3);
    expect(html).toContain('data-item-id="itemOpening00001" data-status="closed"');
    expect(html).toContain('data-item-id="itemBudget000001" data-status="open" aria-current="step"');
    expect(html).toContain('data-item-id="itemMisc00000001" data-status="pending"');
    expect(html).not.toMatch(/committee\.[a-z]/);
  });

  it('gives the chair the agenda, floor and vote controls', () => {
    const state = committeeState({
      floor: { speaker: MEMBER, since: T0 + 12 * MIN, queue: [SECRETARY], history: [] },
    });
    const html = render('host', state);
    const ids = testIds(html);
    for (const id of [
      'agenda-open',
      'agenda-close',
      'agenda-up',
      'agenda-down',
      'give-floor',
      'withdraw-floor',
    ]) {
      expect(ids, id).toContain(id);
    }
    for (const id of ['vote-motion-input', 'vote-secret', 'open-vote', 'minutes-editor', 'minutes-save']) {
      expect(ids, id).toContain(id);
    }
    // Pending opens, open closes, closed returns: one button each way per item.
    expect(ids.filter((id) => id === 'agenda-open')).toHaveLength(2);
    expect(html).toContain('aria-label="Revenir au point « Ouverture de la séance »"');
    expect(html).toMatch(
      /data-testid="agenda-up" aria-label="Monter le point « Ouverture de la séance »" aria-disabled="true"/,
    );
    expect(html).toContain('data-testid="floor-speaker" data-member-id="memberMemberMem1">Marc Membre');
    expect(html).toContain('data-testid="floor-queue-entry" data-member-id="secretarySecret1"');
    expect(html).toContain('aria-label="Donner la parole à Sophie Secrétaire"');
    expect(html).toContain('pour, contre, abstention');
    expectLabelledFields(html);
  });

  it('gives a member the raised hand and the ballot, not the chair controls', () => {
    const state = committeeState({
      vote: {
        voteId: 'voteVoteVote0001',
        motion: 'Approuver le budget',
        options: ['pour', 'contre', 'abstention'],
        secret: true,
        itemId: 'itemBudget000001',
        openedAt: T0 + 12 * MIN,
        eligible: 3,
        quorum: 2,
        voted: [CHAIR],
      },
    });
    const html = render('participant', state);
    const ids = testIds(html);
    expect(ids).toContain('raise-hand');
    expect(ids).not.toContain('lower-hand');
    for (const id of [
      'agenda-open',
      'agenda-close',
      'give-floor',
      'open-vote',
      'close-vote',
      'minutes-editor',
    ]) {
      expect(ids, id).not.toContain(id);
    }
    expect(html).toContain('data-testid="vote-option" data-option="pour">Pour</button>');
    expect(html).not.toMatch(/data-testid="vote-option"[^>]*disabled/);
    expect(html).toContain('Scrutin secret');
    expect(html).toContain('1 sur 3 ont voté');
  });

  it('disables the ballot once the member has voted and says so', () => {
    const state = committeeState({
      vote: {
        voteId: 'voteVoteVote0001',
        motion: 'Approuver le budget',
        options: ['pour', 'contre'],
        secret: false,
        itemId: null,
        openedAt: T0,
        eligible: 3,
        quorum: 2,
        voted: [MEMBER],
      },
    });
    const html = render('participant', state);
    expect(html.match(/data-testid="vote-option"[^>]*disabled=""/g)).toHaveLength(2);
    expect(html).toContain('data-testid="vote-cast">Vous avez voté.</p>');
    expect(render('host', state)).toContain('data-testid="close-vote"');
  });

  it('lets a member in the queue lower the hand', () => {
    const html = render(
      'participant',
      committeeState({ floor: { speaker: null, since: null, queue: [CHAIR, MEMBER], history: [] } }),
    );
    expect(testIds(html)).toContain('lower-hand');
    expect(testIds(html)).not.toContain('raise-hand');
    expect(html).toContain('vous êtes en position 2');
  });

  it('gives an observer neither hand nor ballot', () => {
    const html = render(
      'observer',
      committeeState({
        vote: {
          voteId: 'voteVoteVote0001',
          motion: 'Approuver le budget',
          options: ['pour', 'contre'],
          secret: false,
          itemId: null,
          openedAt: T0,
          eligible: 3,
          quorum: 2,
          voted: [],
        },
      }),
    );
    const ids = testIds(html);
    expect(ids).not.toContain('raise-hand');
    expect(ids).not.toContain('vote-option');
    expect(html).toContain('En tant qu&#x27;observateur, vous ne votez pas.');
    expect(ids).toContain('export-minutes-html');
    expect(ids).toContain('export-minutes-md');
  });

  it('shows the recording notice to everyone while recording', () => {
    const on = committeeState({ recording: { on: true, since: T0, recordingId: 'RecordingRecordingRec1' } });
    for (const role of ['host', 'participant', 'observer'] as const) {
      expect(render(role, on)).toMatch(
        /role="status" data-testid="recording-indicator">.*Enregistrement en cours/,
      );
    }
    expect(render('participant')).not.toContain('recording-indicator');
  });

  it('shows results with their outcome, and names only for an open ballot', () => {
    const state = committeeState({
      results: [result(), result({ voteId: 'voteSecret000001', secret: true, outcome: 'rejected' })],
    });
    const html = render('participant', state);
    expect(html).toContain(
      'data-testid="vote-result" data-vote-id="voteVoteVote0001" data-outcome="adopted"',
    );
    expect(html).toContain(
      'data-testid="vote-result" data-vote-id="voteSecret000001" data-outcome="rejected"',
    );
    expect(html.match(/Votes nominatifs/g)).toHaveLength(1);
  });

  it('renders the minutes for everyone, and the editor for the secretary', () => {
    const texts = { itemBudget000001: 'Le budget est présenté.\nDébat.' };
    const member = render('participant', committeeState(), minutesModel('ready', texts));
    expect(member).toContain(
      'data-testid="minutes-text" data-revision="1">Le budget est présenté.\nDébat.</div>',
    );
    expect(testIds(member)).not.toContain('minutes-editor');
    const secretary = render('co-host', committeeState(), minutesModel('ready', texts));
    expect(secretary).toMatch(/<textarea[^>]*data-testid="minutes-editor"[^>]*>Le budget est présenté/);
    expectLabelledFields(secretary);
  });

  it('explains that minutes need the committee key a host hands out, and disables the editor without it', () => {
    const html = render('host', committeeState(), minutesModel('waiting-key'));
    expect(html).toContain('data-testid="minutes-no-key"');
    expect(html).toContain('clé de la commission, qu&#x27;un hôte présent remet à chaque membre admis');
    expect(html).toMatch(/<textarea[^>]*data-testid="minutes-editor"[^>]*disabled=""/);
    expect(html).toMatch(/data-testid="minutes-save"[^>]*disabled=""/);
  });

  it('tells an observer the minutes are for the committee’s members', () => {
    const html = render('observer', committeeState(), minutesModel('not-entitled'));
    expect(html).toContain('data-status="not-entitled"');
    expect(html).toContain('réservés aux membres de la commission');
  });
});
