import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRequestName } from '@confidentiel/protocol';
import { waitFor } from '../support/harness.ts';
import {
  must,
  parseJournal,
  refused,
  startCommitteeHarness,
  stateWhere,
  statesOf,
  type CommitteeHarness,
  type Entry,
} from './support.ts';

/** A valid payload of every committee request (the ids name nothing). */
const COMMITTEE_REQUESTS: Partial<Record<RoomRequestName, unknown>> = {
  committeeState: {},
  agendaOpen: { itemId: 'item-0000001' },
  agendaClose: { itemId: 'item-0000001' },
  agendaReorder: { itemIds: ['item-0000001'] },
  raiseHand: {},
  lowerHand: {},
  giveFloor: { memberId: 'someone-1' },
  withdrawFloor: {},
  setFreeDiscussion: { open: true },
  muteAll: {},
  openVote: { motion: 'Motion', secret: false },
  castVote: { voteId: 'vote-0000001', choice: 'pour' },
  closeVote: { voteId: 'vote-0000001' },
  saveMinutes: { itemId: 'item-0000001', revision: 1, sealed: 'A'.repeat(64) },
  getMinutes: {},
  setRecording: { on: false, recordingId: null },
};

describe('committee sessions and moderation', () => {
  let h: CommitteeHarness;

  beforeAll(async () => {
    h = await startCommitteeHarness();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  /** The meeting's journals once none is being written any more. */
  async function closedJournals(meetingId: string, count: number): Promise<Entry[][]> {
    const list = await waitFor(`${count} closed journal(s)`, async () => {
      const journals = await h.journals(meetingId);
      return journals.length === count && journals.every((j) => j.closed) ? journals : undefined;
    });
    return Promise.all(list.map(async (j) => parseJournal(await h.journalText(meetingId, j.sessionId))));
  }

  it('journals admissions, refusals, role changes, removals and the end of the meeting', async () => {
    const meetingId = await h.createMeeting();
    await h.putAgenda(meetingId, [{ title: 'Discipline' }]);
    const chair = await h.arrive(meetingId, 'host', 'Mme la Bâtonnière');
    const guest = await h.arrive(meetingId, 'participant', 'Gaston Invité', { lobby: true });
    const intruder = await h.arrive(meetingId, 'participant', 'Ivan Intrus', { lobby: true });
    expect([guest.status, intruder.status]).toEqual(['waiting', 'waiting']);
    expect(statesOf(guest)).toEqual([]);

    await must(chair, 'admit', { memberIds: [guest.memberId] });
    // Admitted, the guest gets the state like everyone in the room.
    const admitted = await stateWhere(guest, 'the state after admission', (s) => s.attendance.length === 2);
    expect(admitted.agenda.map((i) => i.title)).toEqual(['Discipline']);
    await must(chair, 'refuseEntry', { memberId: intruder.memberId });
    await must(chair, 'setMemberRole', { memberId: guest.memberId, role: 'observer' });
    const roles = await stateWhere(chair, 'two spans for the guest', (s) => s.attendance.length === 3);
    expect(
      roles.attendance.filter((a) => a.memberId === guest.memberId).map((a) => [a.role, a.leftAt === null]),
    ).toEqual([
      ['participant', false],
      ['observer', true],
    ]);
    const cohost = await h.arrive(meetingId, 'co-host', 'M. le Secrétaire');
    await must(chair, 'removeMember', { memberId: cohost.memberId });
    await must(chair, 'endMeeting', {});

    const [journal] = await closedJournals(meetingId, 1);
    const report = await h.verify(journal!.map((e) => JSON.stringify(e)).join('\n'));
    expect(report.ok).toBe(true);
    const seen = journal!
      .filter((e) => e.type.startsWith('member-') || e.type.endsWith('-ended'))
      .map((e) => [e.type, e.data.memberId ?? null]);
    expect(seen).toEqual([
      ['member-joined', chair.memberId],
      ['member-admitted', guest.memberId],
      ['member-joined', guest.memberId],
      ['member-refused', intruder.memberId],
      ['member-role-changed', guest.memberId],
      ['member-joined', cohost.memberId],
      ['member-removed', cohost.memberId],
      ['member-left', cohost.memberId],
      ['meeting-ended', null],
      ['member-left', guest.memberId],
      ['member-left', chair.memberId],
      ['session-ended', null],
    ]);
    const changed = journal!.find((e) => e.type === 'member-role-changed')!;
    expect(changed.data).toEqual({
      memberId: guest.memberId,
      displayName: 'Gaston Invité',
      role: 'observer',
      from: 'participant',
      by: chair.memberId,
    });
    expect(journal!.find((e) => e.type === 'member-admitted')!.data).toMatchObject({ by: chair.memberId });
    expect(journal!.find((e) => e.type === 'meeting-ended')!.data).toMatchObject({ by: chair.memberId });
    expect(journal![journal!.length - 1]!.data).toEqual({ reason: 'meeting-ended' });
    // The ended meeting's committee state is gone: the organiser may prepare the next agenda.
    await h.putAgenda(meetingId, [{ title: 'Prochaine séance' }]);
  });

  it('starts a new journal when people come back to an emptied room, resuming where it was', async () => {
    const meetingId = await h.createMeeting();
    const [budget] = await h.putAgenda(meetingId, [{ title: 'Budget' }, { title: 'Divers' }]);
    const chair = await h.arrive(meetingId, 'host', 'M. le Président');
    await must(chair, 'agendaOpen', { itemId: budget!.itemId });
    chair.socket.close();
    await closedJournals(meetingId, 1);
    // While paused, the agenda in use is not replaced from outside.
    const res = await h.api('PUT', `/organiser/meetings/${meetingId}/agenda`, { body: { items: [] } });
    expect(res.status).toBe(409);

    const back = await h.arrive(meetingId, 'host', 'M. le Président');
    const state = await stateWhere(back, 'the resumed state', (s) => s.attendance.length === 2);
    expect(state.currentItemId).toBe(budget!.itemId);
    await must(back, 'agendaClose', { itemId: budget!.itemId });
    back.socket.close();
    const [first, second] = await closedJournals(meetingId, 2);
    expect(first![0]!.sessionId).not.toBe(second![0]!.sessionId);
    expect(second![0]!).toMatchObject({
      type: 'session-started',
      data: { currentItemId: budget!.itemId },
    });
    for (const journal of [first!, second!]) {
      expect((await h.verify(journal.map((e) => JSON.stringify(e)).join('\n'))).ok).toBe(true);
    }
  });

  it('refuses every committee request in a meeting that is not a committee, and keeps no journal', async () => {
    const meetingId = await h.createMeeting('consultation');
    const host = await h.arrive(meetingId, 'host', 'Maître Conseil');
    const client = await h.arrive(meetingId, 'participant', 'Client');
    for (const [name, payload] of Object.entries(COMMITTEE_REQUESTS)) {
      for (const person of [host, client]) {
        const error = await refused(person, name as 'committeeState', payload as Record<string, never>);
        expect(error.reason, name).toBe('forbidden');
        expect(error.message).toContain('committee');
      }
    }
    expect(statesOf(host)).toEqual([]);
    host.socket.close();
    client.socket.close();
    expect(await h.journals(meetingId)).toEqual([]);
    expect(existsSync(join(h.dataDir, 'journals', meetingId))).toBe(false);
  });
});
