import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_VOTE_OPTIONS,
  type AgendaItem,
  type RequestOf,
  type RoomRequestName,
  type roomRequests,
} from '@confidentiel/protocol';
import { JournalSigner } from '@confidentiel/journal';
import { issueToken } from '../security/support.ts';
import { sleep, waitFor } from '../support/harness.ts';
import {
  floorEvents,
  joinLines,
  linesOf,
  must,
  parseJournal,
  refused,
  startCommitteeHarness,
  stateWhere,
  type CommitteeHarness,
  type Entry,
  type Person,
} from './support.ts';

const run = promisify(execFile);
const CLI = 'packages/journal/src/cli/verify-journal.ts';

/** Runs the verify-journal CLI as a clerk would; its exit status and report. */
async function verifyWithCli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [CLI, ...args], { timeout: 30_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('a committee session', () => {
  let h: CommitteeHarness;
  let meetingId: string;
  let items: AgendaItem[];
  let chair: Person;
  let secretary: Person;
  let alice: Person;
  let bob: Person;
  let observer: Person;
  let everyone: Person[];
  let sessionId: string;
  let voteId: string;
  const sealed = [randomBytes(180).toString('base64url'), randomBytes(240).toString('base64url')];
  const cliDir = mkdtemp(join(tmpdir(), 'committee-cli-'));

  /** The entries of the session's journal written so far (every action awaits its entry). */
  async function entries(): Promise<Entry[]> {
    return parseJournal(await h.journalText(meetingId, sessionId));
  }

  const item = (n: number): string => items[n]!.itemId;
  const state = () => must(chair, 'committeeState', {});

  /** A refused request: the reason, nothing changed, and exactly one `refused` entry more. */
  async function expectRefusedOnly<K extends RoomRequestName>(
    person: Person,
    name: K,
    payload: RequestOf<typeof roomRequests, K>,
    reason: string,
  ): Promise<void> {
    const before = await entries();
    const stateBefore = await state();
    const error = await refused(person, name, payload);
    expect(error.reason, `${name} by ${person.name}`).toBe(reason);
    expect(error.message.length).toBeGreaterThan(0);
    const after = await entries();
    expect(after.map((e) => e.type)).toEqual([...before.map((e) => e.type), 'refused']);
    expect(after[after.length - 1]!.data).toEqual({
      action: name,
      reason,
      message: error.message,
      memberId: person.memberId,
      displayName: person.name,
      role: person.role,
    });
    expect(await state()).toEqual(stateBefore);
  }

  beforeAll(async () => {
    h = await startCommitteeHarness();
    meetingId = await h.createMeeting();
    items = await h.putAgenda(meetingId, [
      { title: 'Budget 2027', presenter: 'M. le Trésorier', plannedMinutes: 20 },
      { title: 'Nominations', plannedMinutes: 10 },
      { title: 'Questions diverses' },
    ]);
    chair = await h.arrive(meetingId, 'host', 'Maître Martin');
    secretary = await h.arrive(meetingId, 'co-host', 'Maître Bernard');
    alice = await h.arrive(meetingId, 'participant', 'Alice Petit');
    bob = await h.arrive(meetingId, 'participant', 'Bob Leroy');
    observer = await h.arrive(meetingId, 'observer', 'Olivier Obs');
    everyone = [chair, secretary, alice, bob, observer];
    const [journal] = await waitFor('the session journal', async () => {
      const list = await h.journals(meetingId);
      return list.length === 1 ? list : undefined;
    });
    sessionId = journal!.sessionId;
    await waitFor('five arrivals in the journal', async () => {
      const joined = (await entries()).filter((e) => e.type === 'member-joined');
      return joined.length === 5;
    });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await rm(await cliDir, { recursive: true, force: true });
  });

  it('sends every admitted member the state, with the prepared agenda and who is there', async () => {
    for (const person of everyone) {
      const last = await stateWhere(person, `${person.name}'s state`, (s) => s.attendance.length === 5);
      expect(last.agenda.map((i) => [i.title, i.status, i.elapsedMs])).toEqual([
        ['Budget 2027', 'pending', 0],
        ['Nominations', 'pending', 0],
        ['Questions diverses', 'pending', 0],
      ]);
      expect(last.currentItemId).toBeNull();
    }
    const { attendance } = await state();
    expect(attendance.map((a) => [a.memberId, a.displayName, a.role, a.leftAt])).toEqual(
      everyone.map((p) => [p.memberId, p.name, p.role, null]),
    );
    const started = (await entries())[0]!;
    expect(started.type).toBe('session-started');
    expect(started.sessionId).toBe(`${meetingId}/${sessionId}`);
    expect(started.data).toMatchObject({ meetingId, currentItemId: null, openVote: null });
  });

  it('runs two items: opening one closes the other, and a reopened item keeps its time', async () => {
    await must(chair, 'agendaOpen', { itemId: item(0) });
    let s = await state();
    expect(s.currentItemId).toBe(item(0));
    expect(s.agenda[0]!.status).toBe('open');
    await sleep(120);
    await must(chair, 'agendaOpen', { itemId: item(1) });
    s = await state();
    const first = s.agenda[0]!;
    expect(first.status).toBe('closed');
    expect(first.elapsedMs).toBeGreaterThanOrEqual(100);
    expect(s.currentItemId).toBe(item(1));
    await sleep(60);
    await must(chair, 'agendaClose', { itemId: item(1) });
    s = await state();
    expect(s.agenda[1]!.status).toBe('closed');
    expect(s.agenda[1]!.elapsedMs).toBeGreaterThanOrEqual(40);
    expect(s.currentItemId).toBeNull();

    await must(chair, 'agendaOpen', { itemId: item(0) });
    await sleep(60);
    await must(chair, 'agendaClose', { itemId: item(0) });
    s = await state();
    expect(s.agenda[0]!.elapsedMs).toBeGreaterThanOrEqual(first.elapsedMs + 40);

    await must(chair, 'agendaReorder', { itemIds: [item(2), item(0), item(1)] });
    s = await stateWhere(bob, 'the new order', (x) => x.agenda[0]!.itemId === item(2));
    expect(s.agenda.map((i) => i.itemId)).toEqual([item(2), item(0), item(1)]);
    const types = (await entries()).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('agenda-'))).toEqual([
      'agenda-opened',
      'agenda-closed',
      'agenda-opened',
      'agenda-closed',
      'agenda-opened',
      'agenda-closed',
      'agenda-reordered',
    ]);
    const reopened = (await entries()).filter((e) => e.type === 'agenda-opened')[2]!;
    expect(reopened.data).toMatchObject({ itemId: item(0), reopened: true, by: chair.memberId });
  });

  it('keeps the floor queue, tells the speakers, and counts speaking time on the item', async () => {
    await must(chair, 'agendaOpen', { itemId: item(1) });
    await must(alice, 'raiseHand', {});
    await must(bob, 'raiseHand', {});
    expect((await state()).floor.queue).toEqual([alice.memberId, bob.memberId]);
    expect((await refused(alice, 'raiseHand', {})).reason).toBe('conflict');

    await must(chair, 'giveFloor', { memberId: alice.memberId });
    await waitFor('Alice to get the floor', () => floorEvents(alice).length === 1);
    let s = await state();
    expect(s.floor).toMatchObject({ speaker: alice.memberId, queue: [bob.memberId] });
    await sleep(100);

    await must(chair, 'giveFloor', { memberId: bob.memberId });
    await waitFor(
      'the floor to pass to Bob',
      () => floorEvents(bob).length === 1 && floorEvents(alice).length === 2,
    );
    expect(floorEvents(alice)).toEqual([true, false]);
    expect(floorEvents(bob)).toEqual([true]);
    s = await state();
    expect(s.floor).toMatchObject({ speaker: bob.memberId, queue: [] });
    const aliceMs = s.agenda.find((i) => i.itemId === item(1))!.speakingMs[alice.memberId]!;
    expect(aliceMs).toBeGreaterThanOrEqual(80);
    await sleep(60);

    await must(chair, 'withdrawFloor', {});
    await waitFor('Bob to lose the floor', () => floorEvents(bob).length === 2);
    expect(floorEvents(bob)).toEqual([true, false]);
    s = await state();
    expect(s.floor.speaker).toBeNull();
    expect(s.agenda.find((i) => i.itemId === item(1))!.speakingMs[bob.memberId]).toBeGreaterThanOrEqual(40);
    for (const other of [chair, secretary, observer]) {
      expect(floorEvents(other)).toEqual([]);
    }
    expect((await refused(chair, 'withdrawFloor', {})).reason).toBe('conflict');
    expect((await refused(bob, 'lowerHand', {})).reason).toBe('conflict');
    await must(observer, 'raiseHand', {});
    await must(observer, 'lowerHand', {});
    const floor = (await entries()).filter((e) => /^(floor|hand)-/.test(e.type)).map((e) => e.type);
    expect(floor).toEqual([
      'hand-raised',
      'hand-raised',
      'floor-given',
      'floor-given',
      'floor-withdrawn',
      'hand-raised',
      'hand-lowered',
    ]);
  });

  it('refuses floor and agenda actions from anyone but the chair, recording only the refusal', async () => {
    await expectRefusedOnly(chair, 'giveFloor', { memberId: observer.memberId }, 'forbidden');
    await expectRefusedOnly(alice, 'giveFloor', { memberId: bob.memberId }, 'forbidden');
    await expectRefusedOnly(secretary, 'agendaOpen', { itemId: item(0) }, 'forbidden');
    await expectRefusedOnly(bob, 'agendaClose', { itemId: item(1) }, 'forbidden');
    await expectRefusedOnly(alice, 'agendaReorder', { itemIds: [item(0), item(1), item(2)] }, 'forbidden');
    await expectRefusedOnly(chair, 'agendaOpen', { itemId: 'no-such-item-1' }, 'not-found');
    await expectRefusedOnly(
      chair,
      'agendaReorder',
      { itemIds: [item(0), item(0), item(1)] },
      'invalid-payload',
    );
    await expectRefusedOnly(chair, 'agendaOpen', { itemId: item(1) }, 'conflict');
  });

  it('refuses a vote from an observer or the lobby, a second vote and a bad choice, recording only the refusal', async () => {
    ({ voteId } = await must(chair, 'openVote', { motion: 'Approuver le budget 2027', secret: false }));
    const open = (await state()).vote!;
    expect(open).toMatchObject({
      voteId,
      options: [...DEFAULT_VOTE_OPTIONS],
      secret: false,
      itemId: item(1),
      eligible: 4,
      quorum: 3,
      voted: [],
    });
    await must(chair, 'castVote', { voteId, choice: 'pour' });
    await must(alice, 'castVote', { voteId, choice: 'pour' });

    await expectRefusedOnly(observer, 'castVote', { voteId, choice: 'pour' }, 'forbidden');
    await expectRefusedOnly(alice, 'castVote', { voteId, choice: 'contre' }, 'conflict');
    await expectRefusedOnly(bob, 'castVote', { voteId, choice: 'peut-être' }, 'invalid-payload');
    await expectRefusedOnly(bob, 'castVote', { voteId: 'no-such-vote-1', choice: 'pour' }, 'not-found');
    await expectRefusedOnly(secretary, 'openVote', { motion: 'Autre motion', secret: true }, 'forbidden');
    await expectRefusedOnly(chair, 'openVote', { motion: 'Une seconde motion', secret: false }, 'conflict');
    await expectRefusedOnly(secretary, 'closeVote', { voteId }, 'forbidden');

    // Someone still in the lobby is not a member yet: refused, and the journal keeps the attempt.
    const waiting = await h.arrive(meetingId, 'participant', 'Victor Attente', { lobby: true });
    expect(waiting.status).toBe('waiting');
    const before = await entries();
    const error = await refused(waiting, 'castVote', { voteId, choice: 'contre' });
    expect(error.reason).toBe('not-admitted');
    const after = await entries();
    expect(after.length).toBe(before.length + 1);
    expect(after[after.length - 1]!).toMatchObject({
      type: 'refused',
      data: { action: 'castVote', reason: 'not-admitted', memberId: waiting.memberId },
    });
    waiting.socket.close();
    expect((await state()).vote!.voted).toEqual([chair.memberId, alice.memberId]);
  });

  it('closes an open ballot that reached quorum: adopted, with who voted what', async () => {
    await must(secretary, 'castVote', { voteId, choice: 'contre' });
    await must(bob, 'castVote', { voteId, choice: 'abstention' });
    const result = await must(chair, 'closeVote', { voteId });
    expect(result).toMatchObject({
      voteId,
      motion: 'Approuver le budget 2027',
      secret: false,
      itemId: item(1),
      eligible: 4,
      quorum: 3,
      cast: 4,
      quorumReached: true,
      tally: { pour: 2, contre: 1, abstention: 1 },
      outcome: 'adopted',
    });
    expect(result.ballots).toEqual([
      { memberId: chair.memberId, displayName: chair.name, choice: 'pour' },
      { memberId: alice.memberId, displayName: alice.name, choice: 'pour' },
      { memberId: secretary.memberId, displayName: secretary.name, choice: 'contre' },
      { memberId: bob.memberId, displayName: bob.name, choice: 'abstention' },
    ]);
    const s = await stateWhere(observer, 'the result', (x) => x.results.length === 1);
    expect(s.vote).toBeNull();
    expect(s.results[0]).toEqual(result);
    const cast = (await entries()).filter((e) => e.type === 'vote-cast');
    expect(cast.map((e) => [e.data.memberId, e.data.choice])).toEqual([
      [chair.memberId, 'pour'],
      [alice.memberId, 'pour'],
      [secretary.memberId, 'contre'],
      [bob.memberId, 'abstention'],
    ]);
    const closed = (await entries()).find((e) => e.type === 'vote-closed')!;
    expect(closed.data).toMatchObject({ voteId, outcome: 'adopted', cast: 4, by: chair.memberId });
  });

  it('refuses a vote after the close, and a second close, recording only the refusal', async () => {
    await expectRefusedOnly(bob, 'castVote', { voteId, choice: 'pour' }, 'conflict');
    await expectRefusedOnly(chair, 'closeVote', { voteId }, 'conflict');
  });

  it('keeps a secret ballot secret and reports it without quorum', async () => {
    const secret = await must(chair, 'openVote', {
      motion: 'Nommer Me Dupont rapporteur',
      options: ['oui', 'non'],
      secret: true,
    });
    await must(alice, 'castVote', { voteId: secret.voteId, choice: 'non' });
    expect((await state()).vote).toMatchObject({ voted: [alice.memberId], quorum: 3, eligible: 4 });
    const result = await must(chair, 'closeVote', { voteId: secret.voteId });
    expect(result).toMatchObject({
      secret: true,
      cast: 1,
      quorum: 3,
      quorumReached: false,
      tally: { oui: 0, non: 1 },
      outcome: 'no-quorum',
      ballots: null,
    });
    const journal = await entries();
    const cast = journal.filter((e) => e.type === 'vote-cast' && e.data.voteId === secret.voteId);
    expect(cast.map((e) => e.data)).toEqual([
      { voteId: secret.voteId, memberId: alice.memberId, displayName: alice.name, role: 'participant' },
    ]);
    const closed = journal.find((e) => e.type === 'vote-closed' && e.data.voteId === secret.voteId)!;
    expect(closed.data.ballots).toBeNull();
    expect(JSON.stringify(journal.filter((e) => e.data.voteId === secret.voteId))).not.toContain('"choice"');
  });

  it('keeps every minutes revision, refuses a stale one, and journals only its SHA-256', async () => {
    const first = await must(secretary, 'saveMinutes', { itemId: item(0), revision: 1, sealed: sealed[0]! });
    expect(first).toEqual({ revision: 1, sha256: sha256(sealed[0]!) });
    await expectRefusedOnly(
      secretary,
      'saveMinutes',
      { itemId: item(0), revision: 1, sealed: sealed[1]! },
      'conflict',
    );
    await expectRefusedOnly(
      chair,
      'saveMinutes',
      { itemId: item(0), revision: 3, sealed: sealed[1]! },
      'conflict',
    );
    await expectRefusedOnly(
      alice,
      'saveMinutes',
      { itemId: item(0), revision: 2, sealed: sealed[1]! },
      'forbidden',
    );
    await expectRefusedOnly(
      secretary,
      'saveMinutes',
      { itemId: 'no-such-item-1', revision: 1, sealed: sealed[1]! },
      'not-found',
    );
    const second = await must(chair, 'saveMinutes', { itemId: item(0), revision: 2, sealed: sealed[1]! });
    expect(second).toEqual({ revision: 2, sha256: sha256(sealed[1]!) });

    expect(await must(observer, 'getMinutes', {})).toEqual({
      items: [{ itemId: item(0), revision: 2, sealed: sealed[1]! }],
    });
    expect((await state()).minutes).toEqual({ [item(0)]: { revision: 2, sha256: sha256(sealed[1]!) } });
    const db = new DatabaseSync(h.databasePath, { readOnly: true });
    try {
      const rows = db
        .prepare(
          'SELECT item_id, revision, sealed, sha256, saved_at FROM committee_minutes WHERE meeting_id = ? ORDER BY revision',
        )
        .all(meetingId) as {
        item_id: string;
        revision: number;
        sealed: string;
        sha256: string;
        saved_at: number;
      }[];
      expect(rows.map((r) => [r.item_id, r.revision, r.sealed, r.sha256])).toEqual([
        [item(0), 1, sealed[0], sha256(sealed[0]!)],
        [item(0), 2, sealed[1], sha256(sealed[1]!)],
      ]);
      expect(rows.every((r) => Number.isInteger(r.saved_at) && r.saved_at > 0)).toBe(true);
    } finally {
      db.close();
    }
    const saved = (await entries()).filter((e) => e.type === 'minutes-saved');
    expect(saved.map((e) => e.data)).toEqual([
      { itemId: item(0), revision: 1, sha256: sha256(sealed[0]!), by: secretary.memberId },
      { itemId: item(0), revision: 2, sha256: sha256(sealed[1]!), by: chair.memberId },
    ]);
  });

  it('takes the recording notice from the chair only', async () => {
    const recordingId = randomBytes(16).toString('base64url');
    await must(chair, 'setRecording', { on: true, recordingId });
    let s = await stateWhere(alice, 'the recording notice', (x) => x.recording.on);
    expect(s.recording).toMatchObject({ on: true, recordingId });
    await expectRefusedOnly(alice, 'setRecording', { on: false, recordingId: null }, 'forbidden');
    await expectRefusedOnly(chair, 'setRecording', { on: true, recordingId }, 'conflict');
    await must(chair, 'setRecording', { on: false, recordingId: null });
    s = await state();
    expect(s.recording).toEqual({ on: false, since: null, recordingId: null });
    const notices = (await entries()).filter((e) => e.type.startsWith('recording-'));
    expect(notices.map((e) => [e.type, e.data.recordingId])).toEqual([
      ['recording-started', recordingId],
      ['recording-stopped', recordingId],
    ]);
  });

  it('ends the session when the room empties, and exports a journal that verifies', async () => {
    await must(chair, 'agendaClose', { itemId: item(1) });
    for (const person of [observer, bob, alice, secretary, chair]) {
      person.socket.close();
    }
    const [summary] = await waitFor('the journal to close', async () => {
      const list = await h.journals(meetingId);
      return list[0]?.closed ? list : undefined;
    });
    expect(summary).toMatchObject({
      sessionId,
      file: `${sessionId}.jsonl`,
      startedAt: Date.parse(sessionId),
    });

    const res = await h.api(
      'GET',
      `/organiser/meetings/${meetingId}/journals/${encodeURIComponent(sessionId)}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jsonl/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="journal-.+\.jsonl"$/);
    const text = await res.text();
    const journal = parseJournal(text);
    expect(summary!.entries).toBe(journal.length);

    const report = await h.verify(text);
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.verified).toBe(journal.length);

    const types = new Set(journal.map((e) => e.type));
    for (const type of [
      'session-started',
      'member-joined',
      'agenda-opened',
      'agenda-closed',
      'agenda-reordered',
      'hand-raised',
      'hand-lowered',
      'floor-given',
      'floor-withdrawn',
      'vote-opened',
      'vote-cast',
      'vote-closed',
      'minutes-saved',
      'recording-started',
      'recording-stopped',
      'refused',
      'member-left',
      'session-ended',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(journal.filter((e) => e.type === 'member-left')).toHaveLength(5);
    expect(journal[journal.length - 1]!).toMatchObject({
      type: 'session-ended',
      data: { reason: 'room-empty' },
    });
    // Never the minutes, never an address.
    for (const secret of [...sealed, '127.0.0.1', '::1']) {
      expect(text).not.toContain(secret);
    }

    const dir = await cliDir;
    const file = join(dir, 'journal.jsonl');
    const pub = join(dir, 'service-pub.pem');
    await writeFile(file, text);
    await writeFile(pub, await h.publicKeyPem());
    const cli = await verifyWithCli([file, '--public-key', pub]);
    expect(cli.stdout).toContain('Result: VERIFIED');
    expect(cli.code).toBe(0);
  });

  it('lets a host of the meeting read its journals with the room token, and nobody else', async () => {
    const path = `/organiser/meetings/${meetingId}/journals`;
    const host = issueToken(h.roomTokens, { room: meetingId, role: 'host', name: 'Maître Martin' }).token;
    const list = await h.api('GET', path, { as: { bearer: host } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { journals: unknown[] }).journals).toHaveLength(1);
    const file = await h.api('GET', `${path}/${encodeURIComponent(sessionId)}`, { as: { bearer: host } });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(await h.journalText(meetingId, sessionId));

    const notFound = await (await h.api('GET', `/organiser/meetings/${'A'.repeat(22)}/journals`)).json();
    const otherMeeting = await h.createMeeting('committee', h.stranger);
    for (const token of [
      issueToken(h.roomTokens, { room: meetingId, role: 'co-host' }).token,
      issueToken(h.roomTokens, { room: meetingId, role: 'participant' }).token,
      issueToken(h.roomTokens, { room: otherMeeting, role: 'host' }).token,
    ]) {
      const res = await h.api('GET', path, { as: { bearer: token } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual(notFound);
    }
    const stranger = await h.api('GET', path, { as: h.stranger });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual(notFound);
    expect((await h.api('GET', path, { as: { bearer: 'not.a.token' } })).status).toBe(401);
    expect((await h.api('GET', path, { as: null })).status).toBe(401);
  });

  describe('a tampered copy of the journal', () => {
    let lines: string[];
    let journal: Entry[];
    /** The first ballot: an entry in the middle of the journal. */
    let k: number;
    let pubPath: string;
    let dir: string;

    beforeAll(async () => {
      const text = await h.journalText(meetingId, sessionId);
      lines = linesOf(text);
      journal = parseJournal(text);
      k = journal.findIndex((e) => e.type === 'vote-cast');
      expect(k).toBeGreaterThan(0);
      dir = await cliDir;
      pubPath = join(dir, 'service-pub.pem');
    });

    async function expectFailure(
      name: string,
      tampered: string[],
      line: number,
      seq: number,
      reason: string,
    ): Promise<void> {
      const report = await h.verify(joinLines(tampered));
      expect(report.ok).toBe(false);
      expect(report.failure).toMatchObject({ line, seq, reason });
      expect(report.verified).toBe(line - 1);
      const file = join(dir, `${name}.jsonl`);
      await writeFile(file, joinLines(tampered));
      const cli = await verifyWithCli([file, '--public-key', pubPath]);
      expect(cli.stdout).toContain(`Result: FAILED at line ${line} (seq ${seq}): ${reason}`);
      expect(cli.code).toBe(1);
    }

    it('fails at the entry whose byte was changed', async () => {
      const copy = [...lines];
      expect(copy[k]).toContain('"choice":"pour"');
      copy[k] = copy[k]!.replace('"choice":"pour"', '"choice":"pous"');
      await expectFailure('byte', copy, k + 1, journal[k]!.seq, 'hash-mismatch');
    });

    it('fails after a deleted entry', async () => {
      const copy = lines.filter((_, i) => i !== k);
      await expectFailure('deleted', copy, k + 1, journal[k + 1]!.seq, 'broken-chain');
    });

    it('fails at two swapped entries', async () => {
      const copy = [...lines];
      [copy[k], copy[k + 1]] = [copy[k + 1]!, copy[k]!];
      await expectFailure('swapped', copy, k + 1, journal[k + 1]!.seq, 'broken-chain');
    });

    it('fails at an entry signed with another key', async () => {
      const copy = [...lines];
      const forged = JournalSigner.generate().sign(journal[k]!.hash);
      copy[k] = copy[k]!.replace(journal[k]!.signature, forged);
      await expectFailure('signature', copy, k + 1, journal[k]!.seq, 'bad-signature');
    });
  });
});
