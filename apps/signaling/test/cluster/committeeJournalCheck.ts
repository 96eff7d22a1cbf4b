/**
 * The journal check of the committee property (committee-properties.test.ts): the meeting's one
 * journal file, held under the owner's fence while the session runs; once the session is over, its
 * chain verifies, `seq` has no gap, and it holds each entry the model expects exactly once, the
 * requests' entries in the order the answers came.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JournalLock, publicKeyFromPem, publicKeyMap, verifyJournal } from '@confidentiel/journal';
import { sleep } from '../support/harness.ts';
import type { Entry } from '../committee/support.ts';
import type { CommitteeModel, Expected } from './committeeModel.ts';

/** The session's last entry is in the file this soon after the last member left. */
const CLOSE_MS = 5_000;

/** Fails the run (with its steps so far). */
export type Fail = (message: string) => never;

/** The path of the meeting's journal file: there must be one for the session. */
export async function journalPath(dataDir: string, room: string, fail: Fail): Promise<string> {
  const folder = join(dataDir, 'journals', room);
  const files = (await readdir(folder)).filter((name) => name.endsWith('.jsonl'));
  if (files.length !== 1) {
    fail(`${files.length} journal files for one session: ${files.join(', ')}`);
  }
  return join(folder, files[0]!);
}

/** The journal is held under the owner's current fence, and no other. */
export async function checkFence(path: string, fence: number, fail: Fail): Promise<void> {
  const fences = await JournalLock.fences(path);
  if (fences.length !== 1 || fences[0] !== fence) {
    fail(`the journal is held under fences ${JSON.stringify(fences)}, the owner's is ${fence}`);
  }
}

/** The journal's complete text once its last entry is the session's end. */
export async function closedJournal(path: string, fail: Fail): Promise<string> {
  const deadline = Date.now() + CLOSE_MS;
  for (;;) {
    const text = await readFile(path, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((line) => line.length > 0);
    const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as Entry) : undefined;
    if (last?.type === 'session-ended') {
      return complete;
    }
    if (Date.now() > deadline) {
      fail(`the journal did not end within ${CLOSE_MS} ms (last entry: ${last?.type})`);
    }
    await sleep(25);
  }
}

/**
 * The closed journal's text verifies against the nodes' public key, `seq` runs 0..n-1, one session,
 * and it holds exactly the entries the model expects.
 */
export async function checkJournal(
  text: string,
  publicKeyPem: string,
  model: CommitteeModel,
  fail: Fail,
): Promise<void> {
  const report = await verifyJournal(text, {
    publicKeys: publicKeyMap([publicKeyFromPem(publicKeyPem)]),
  });
  if (!report.ok || report.verified !== report.lines) {
    fail(
      `the journal does not verify: ${JSON.stringify(report.failure)} (${report.verified}/${report.lines})`,
    );
  }
  const entries = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Entry);
  const seqs = entries.map((e) => e.seq);
  if (seqs.some((seq, i) => seq !== i)) {
    fail(`seq is not 0..${entries.length - 1} without gap or repeat: ${seqs.join(',')}`);
  }
  const sessions = new Set(entries.map((e) => e.sessionId));
  if (sessions.size !== 1) {
    fail(`one file, ${sessions.size} sessions: ${[...sessions].join(', ')}`);
  }
  const found = entries.map((e) => keyOf(e, model)).filter((e) => e !== undefined);
  compareCounts(model.expected, found, fail);
  compareOrder(model.expected, found, fail);
}

/** An entry's key, in the expectations' terms; undefined for the writer's own checkpoints. */
function keyOf(entry: Entry, model: CommitteeModel): Expected | undefined {
  const d = entry.data;
  const who = model.nameOf(d.memberId);
  const item = (id: unknown): string => model.label(String(id));
  const vote = (id: unknown): string =>
    [...model.closedVotes, ...(model.vote ? [model.vote] : [])].find((v) => v.voteId === id)?.label ??
    `?${String(id)}`;
  const request = (key: string): Expected => ({ key, byRequest: true });
  const hook = (key: string): Expected => ({ key, byRequest: false });
  switch (entry.type) {
    case 'checkpoint':
      return undefined;
    case 'session-started':
      return hook('session-started');
    case 'session-ended':
      return hook(`session-ended:${String(d.reason)}`);
    case 'member-joined':
      return hook(`member-joined:${who}:${String(d.role)}`);
    case 'member-left':
      return hook(`member-left:${who}`);
    case 'member-role-changed':
      return hook(`member-role-changed:${who}:${String(d.from)}>${String(d.role)}`);
    case 'agenda-opened':
      return request(`agenda-opened:${item(d.itemId)}:${String(d.reopened)}`);
    case 'agenda-closed':
      return request(`agenda-closed:${item(d.itemId)}`);
    case 'agenda-reordered':
      return request(`agenda-reordered:${(d.itemIds as unknown[]).map(item).join(',')}`);
    case 'hand-raised':
    case 'hand-lowered':
      return request(`${entry.type}:${who}`);
    case 'floor-given':
      return request(`floor-given:${who}:${d.previous === null ? 'nobody' : model.nameOf(d.previous)}`);
    case 'floor-withdrawn': {
      // The chair's request, or a consequence of a departure or a role change.
      const key = `floor-withdrawn:${who}:${String(d.reason)}`;
      return d.reason === 'chair' ? request(key) : hook(key);
    }
    case 'vote-opened':
      return request(`vote-opened:${vote(d.voteId)}:${String(d.secret)}`);
    case 'vote-cast':
      return request(`vote-cast:${vote(d.voteId)}:${who}:${'choice' in d ? String(d.choice) : 'secret'}`);
    case 'vote-closed':
      return request(`vote-closed:${vote(d.voteId)}:${String(d.cast)}`);
    case 'minutes-saved':
      return request(`minutes-saved:${item(d.itemId)}:${String(d.revision)}`);
    case 'recording-started':
    case 'recording-stopped':
      return request(`${entry.type}:${model.recordingLabels.get(String(d.recordingId)) ?? '?'}`);
    case 'refused':
      return request(`refused:${String(d.action)}:${String(d.reason)}:${who}:${String(d.role)}`);
    default:
      // Unknown to the model: counted, so it fails as unexpected.
      return hook(`${entry.type}:${JSON.stringify(d)}`);
  }
}

/** Each expected entry exactly once; nothing else (a refused request leaves only its `refused`). */
function compareCounts(expected: readonly Expected[], found: readonly Expected[], fail: Fail): void {
  const tally = (list: readonly Expected[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const { key } of list) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const want = tally(expected);
  const got = tally(found);
  const problems: string[] = [];
  for (const key of new Set([...want.keys(), ...got.keys()])) {
    const w = want.get(key) ?? 0;
    const g = got.get(key) ?? 0;
    if (w !== g) {
      problems.push(`${key}: journaled ${g}×, expected ${w}×`);
    }
  }
  if (problems.length > 0) {
    fail(`the journal does not hold each accepted action once:\n    ${problems.join('\n    ')}`);
  }
}

/** Requests are answered one after the other, each once journaled: their entries are in that order. */
function compareOrder(expected: readonly Expected[], found: readonly Expected[], fail: Fail): void {
  const want = expected.filter((e) => e.byRequest).map((e) => e.key);
  const got = found.filter((e) => e.byRequest).map((e) => e.key);
  const length = Math.max(want.length, got.length);
  const at = Array.from({ length }, (_, i) => i).find((i) => got[i] !== want[i]);
  if (at !== undefined) {
    fail(
      `the requests' entries are out of order at #${at}: journaled ${got[at] ?? '(end)'}, expected ${want[at] ?? '(end)'}`,
    );
  }
}
