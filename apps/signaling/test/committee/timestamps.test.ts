import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_TYPE } from '@confidentiel/journal';
import { journalListResponseSchema } from '@confidentiel/protocol';
import { createCa, startTsa, type TestTsa } from '../../../../packages/journal/test/support/opensslTsa.ts';
import { waitFor } from '../support/harness.ts';
import { must, parseJournal, startCommitteeHarness, type CommitteeHarness } from './support.ts';

const run = promisify(execFile);
const EVERY = 5;

async function verifyWithCli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['packages/journal/src/cli/verify-journal.ts', ...args], {
      timeout: 30_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

describe('session journals anchored by an RFC 3161 authority', () => {
  let tsa: TestTsa;
  let h: CommitteeHarness;
  let dir: string;

  beforeAll(async () => {
    tsa = await startTsa();
    h = await startCommitteeHarness({ tsaUrl: tsa.url, tsaEvery: EVERY });
    dir = await mkdtemp(join(tmpdir(), 'committee-tsa-'));
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await tsa?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('time-stamps the journal every TSA_EVERY entries and at its end, verifiable with the TSA certificate', async () => {
    const meetingId = await h.createMeeting();
    const items = await h.putAgenda(meetingId, [{ title: 'Budget' }, { title: 'Nominations' }]);
    const chair = await h.arrive(meetingId, 'host', 'Maître Martin');
    const alice = await h.arrive(meetingId, 'participant', 'Alice Petit');
    for (const item of items) {
      await must(chair, 'agendaOpen', { itemId: item.itemId });
      await must(chair, 'agendaClose', { itemId: item.itemId });
    }
    const { voteId } = await must(chair, 'openVote', { motion: 'Approuver', secret: true });
    await must(alice, 'castVote', { voteId, choice: 'pour' });
    await must(chair, 'closeVote', { voteId });
    alice.socket.close();
    chair.socket.close();
    const [summary] = await waitFor(
      'the journal to close',
      async () => {
        const list = await h.journals(meetingId);
        return list[0]?.closed ? list : undefined;
      },
      20_000,
    );
    const text = await h.journalText(meetingId, summary!.sessionId);
    const journal = parseJournal(text);

    // A checkpoint after every EVERY events, and one anchoring the last event.
    const checkpoints = journal.filter((e) => e.type === CHECKPOINT_TYPE);
    const events = journal.length - checkpoints.length;
    expect(checkpoints).toHaveLength(Math.floor(events / EVERY) + (events % EVERY === 0 ? 0 : 1));
    expect(journal[journal.length - 1]!.type).toBe(CHECKPOINT_TYPE);
    expect(journal[journal.length - 2]!.type).toBe('session-ended');
    expect(checkpoints.every((c) => typeof c.data.token === 'string')).toBe(true);

    // The organiser's page is told the same: how many tokens, up to which entry, by whom.
    const listed = journalListResponseSchema.parse(
      await (await h.api('GET', `/organiser/meetings/${meetingId}/journals`)).json(),
    );
    const tsaHost = new URL(tsa.url).host;
    expect(listed.service.timeStamping).toEqual({ authority: tsaHost, every: EVERY });
    expect(listed.journals[0]!.timeStamps).toEqual({
      tokens: checkpoints.length,
      failures: 0,
      anchoredEntries: journal.length - 1,
      authorities: [tsaHost],
    });

    const report = await h.verify(text, [tsa.ca.pem]);
    expect(report.failure).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.timestamps.map((t) => t.status)).toEqual(checkpoints.map(() => 'trusted'));
    expect(report.unanchored).toBe(0);
    expect(tsa.answered).toBeGreaterThanOrEqual(checkpoints.length);

    const file = join(dir, 'journal.jsonl');
    const pub = join(dir, 'service-pub.pem');
    const caPath = join(dir, 'tsa-ca.pem');
    await writeFile(file, text);
    await writeFile(pub, await h.publicKeyPem());
    await writeFile(caPath, tsa.ca.pem);
    const cli = await verifyWithCli([file, '--public-key', pub, '--tsa-cert', caPath]);
    expect(cli.stdout).toContain('(trusted');
    expect(cli.stdout).toContain('Result: VERIFIED');
    expect(cli.code).toBe(0);

    // Another authority's certificate does not vouch for these tokens.
    const other = await createCa(dir, 'other', 'Another Root CA');
    const wrong = await verifyWithCli([file, '--public-key', pub, '--tsa-cert', other.certPath]);
    const first = journal.findIndex((e) => e.type === CHECKPOINT_TYPE);
    expect(wrong.stdout).toContain(`Result: FAILED at line ${first + 1} (seq ${first}): timestamp-invalid`);
    expect(wrong.code).toBe(1);
  });
});
