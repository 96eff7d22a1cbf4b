import { expect, it } from 'vitest';
import type { AgendaItemInput } from '@confidentiel/protocol';
import type { MinutesRevision } from '../../../src/committee/MinutesStore.ts';
import type { StoreEngine } from '../../support/storeEngines.ts';

const MEETING = 'meeting-000000000001';

function item(title: string, overrides: Partial<AgendaItemInput> = {}): AgendaItemInput {
  return { title, presenter: null, plannedMinutes: 10, notes: '', ...overrides };
}

function revision(itemId: string, n: number, savedAt = n): MinutesRevision {
  return {
    meetingId: MEETING,
    itemId,
    revision: n,
    sealed: `sealed-${itemId}-${n}`,
    sha256: String(n % 10).repeat(64),
    savedAt,
  };
}

/** The AgendaStore, MinutesStore and RecordingIndex part of the store contract. */
export function committeeAndRecordingContract(engine: StoreEngine): void {
  const open = async () => (await engine.newDatabase()).open();

  it('replaces an agenda whole, with new item ids, in order, per meeting', async () => {
    const { agenda } = await open();
    expect(await agenda.get(MEETING)).toEqual([]);
    const first = await agenda.replace(MEETING, [
      item('Opening', { presenter: 'Chair', plannedMinutes: 5, notes: 'n1' }),
      item('Budget'),
    ]);
    expect(first.map((i) => i.title)).toEqual(['Opening', 'Budget']);
    expect(first[0]).toMatchObject({ presenter: 'Chair', plannedMinutes: 5, notes: 'n1' });
    expect(first[0]!.itemId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await agenda.get(MEETING)).toEqual(first);
    await agenda.replace('meeting-000000000002', [item('Elsewhere')]);

    const second = await agenda.replace(MEETING, [item('Budget'), item('Opening'), item('AOB')]);
    expect(await agenda.get(MEETING)).toEqual(second);
    expect(second.map((i) => i.itemId)).not.toContain(first[1]!.itemId);
    expect((await agenda.get('meeting-000000000002')).map((i) => i.title)).toEqual(['Elsewhere']);
    expect(await agenda.replace(MEETING, [])).toEqual([]);
    expect(await agenda.get(MEETING)).toEqual([]);
  });

  it('leaves one whole agenda of concurrent replacements, never a mix', async () => {
    const { agenda } = await open();
    const versions = Array.from({ length: 8 }, (_, v) =>
      Array.from({ length: 4 }, (_, i) => item(`v${v} item ${i}`)),
    );
    const results = await Promise.all(versions.map((items) => agenda.replace(MEETING, items)));
    const stored = await agenda.get(MEETING);
    expect(results).toContainEqual(stored);
  });

  it('stores a revision of minutes only when it follows the latest one', async () => {
    const { minutes } = await open();
    expect(await minutes.latestRevision(MEETING, 'item-a')).toBe(0);
    expect(await minutes.save(revision('item-a', 2))).toBe(false);
    expect(await minutes.save(revision('item-a', 1))).toBe(true);
    expect(await minutes.save(revision('item-a', 1))).toBe(false);
    expect(await minutes.save(revision('item-a', 2))).toBe(true);
    expect(await minutes.save(revision('item-b', 1, 0))).toBe(true);
    expect(await minutes.latestRevision(MEETING, 'item-a')).toBe(2);
    expect(await minutes.latest(MEETING)).toEqual([revision('item-b', 1, 0), revision('item-a', 2)]);
    expect(await minutes.latest('meeting-000000000002')).toEqual([]);
  });

  it('stores one of concurrent saves of the same revision; the others are conflicts', async () => {
    const { minutes } = await open();
    expect(await minutes.save(revision('item-a', 1))).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => minutes.save({ ...revision('item-a', 2), sealed: `editor ${i}` })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await minutes.latestRevision(MEETING, 'item-a')).toBe(2);
  });

  it('indexes recordings and their chunks; a chunk index is written once, finish keeps the first time', async () => {
    const { recordings } = await open();
    expect(await recordings.get('rec-1')).toBeUndefined();
    await recordings.insert({ id: 'rec-2', meetingId: MEETING, startedAt: 10, writerSha256: 'w2' });
    await recordings.insert({ id: 'rec-1', meetingId: MEETING, startedAt: 10, writerSha256: 'w1' });
    await recordings.insert({ id: 'rec-0', meetingId: MEETING, startedAt: 5, writerSha256: 'w0' });
    await recordings.insert({ id: 'rec-x', meetingId: 'other', startedAt: 1, writerSha256: 'wx' });
    expect((await recordings.listByMeeting(MEETING)).map((r) => r.id)).toEqual(['rec-0', 'rec-2', 'rec-1']);
    expect(await recordings.get('rec-1')).toEqual({
      id: 'rec-1',
      meetingId: MEETING,
      startedAt: 10,
      finishedAt: null,
      chaptersSha256: null,
      writerSha256: 'w1',
    });

    await recordings.addChunk('rec-1', { index: 1, size: 20, sha256: 'b'.repeat(64) }, 11);
    await recordings.addChunk('rec-1', { index: 0, size: 10, sha256: 'a'.repeat(64) }, 12);
    await expect(
      recordings.addChunk('rec-1', { index: 0, size: 99, sha256: 'c'.repeat(64) }, 13),
    ).rejects.toThrow();
    expect(await recordings.chunks('rec-1')).toEqual([
      { index: 0, size: 10, sha256: 'a'.repeat(64) },
      { index: 1, size: 20, sha256: 'b'.repeat(64) },
    ]);
    expect(await recordings.chunk('rec-1', 1)).toEqual({ index: 1, size: 20, sha256: 'b'.repeat(64) });
    expect(await recordings.chunk('rec-1', 2)).toBeUndefined();
    expect(await recordings.chunks('rec-2')).toEqual([]);

    await recordings.setChapters('rec-1', 5, 'd'.repeat(64));
    await recordings.finish('rec-1', 50);
    await recordings.finish('rec-1', 60);
    expect(await recordings.get('rec-1')).toMatchObject({ finishedAt: 50, chaptersSha256: 'd'.repeat(64) });
  });

  it('keeps everything across a reopening, without migrating again', async () => {
    const database = await engine.newDatabase();
    const first = await database.open();
    const account = await first.accounts.createAccount({
      email: 'ada@example.org',
      displayName: 'Ada',
      role: 'admin',
      passwordHash: 'scrypt$10$8$1$c2FsdA$aGFzaA',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      recoveryCodeHashes: ['h1'],
      createdAt: 1,
    });
    const meeting = await first.meetings.createForOrganiser(account.id, {
      title: 'Board',
      kind: 'committee',
      startsAt: Date.now() + 60_000,
      allowEarlyEntry: false,
    });
    const invite = await first.invites.create({
      meetingId: meeting.id,
      label: 'Jeanne',
      role: 'co-host',
      passcodeHash: null,
      requireAdmission: true,
      singleUse: true,
      expiresAt: null,
    });
    const items = await first.agenda.replace(meeting.id, [item('Opening')]);
    await first.minutes.save({ ...revision(items[0]!.itemId, 1), meetingId: meeting.id });
    await first.recordings.insert({ id: 'rec-1', meetingId: meeting.id, startedAt: 1, writerSha256: 'w' });
    await first.close();

    // Twice: a restart, then a second node on the same database.
    for (const again of [await database.open(), await database.open()]) {
      expect(await again.accounts.findAccountByEmail('ada@example.org')).toEqual(account);
      expect(await again.meetings.getOwned(account.id, meeting.id)).toEqual(meeting);
      expect(await again.invites.get(invite.id)).toEqual(invite);
      expect(await again.agenda.get(meeting.id)).toEqual(items);
      expect(await again.minutes.latestRevision(meeting.id, items[0]!.itemId)).toBe(1);
      expect((await again.recordings.listByMeeting(meeting.id)).map((r) => r.id)).toEqual(['rec-1']);
    }
  });
}
