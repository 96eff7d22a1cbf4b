/**
 * Issue 11, a property: whatever the members of a committee meeting ask, in any order and from any
 * of three nodes (open, close and reorder agenda items; raise and lower hands; give and withdraw the
 * floor; open votes, cast ballots, close votes; save minutes; start and stop the recording notice;
 * change roles; leave and come back on another node; read the state), every accepted action is
 * journaled exactly once:
 *
 * - each answer is the one the rules give (committeeRules.ts and committeeModel.ts model them), so what was accepted and
 *   what was refused is known, including the refusals a chair's action by a participant, a second
 *   ballot, a ballot on a closed vote or a stale minutes revision must get;
 * - once the session ends, its journal file (DATA_DIR/journals/<meeting>/<session>.jsonl) holds
 *   every entry the accepted actions imply exactly once (matched by type and by what identifies
 *   it: item, vote, voter and choice, revision, recording), one `refused` entry per refused
 *   committee request and nothing of what it asked, and nothing else; the requests' entries are in
 *   the order the answers came;
 * - `seq` runs 0..n-1 without gap or repeat, one session, and the chain verifies with the journal
 *   package's verifyJournal (the verify-journal CLI's check) against the nodes' public key;
 * - one owner: the meeting's owner key names the first arrival's node throughout, the journal is
 *   held under that owner's fence, and members on every node read the same, modelled, state.
 *
 * In-process cluster (support.ts): 3 nodes, real Redis, PostgreSQL and SFU, one shared DATA_DIR.
 * A fresh committee meeting with a three-item agenda per run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAgendaStore } from '../../src/committee/PostgresAgendaStore.ts';
import { publicKeyPathOf } from '../../src/committee/journalKey.ts';
import { PostgresDatabase } from '../../src/storage/PostgresDatabase.ts';
import { ORIGIN } from '../support/harness.ts';
import { BotFactory, type BotWorld, type Endpoint } from './bots.ts';
import { CommitteeRun } from './committeeRun.ts';
import { scenarioArb } from './committeeScenario.ts';
import { resetAddressLimits, startTestCluster, type TestCluster } from './support.ts';

/** Runs, each of at most MAX_STEPS steps after six arrivals. */
const RUNS = 10;
/** The whole property, shrinking included, stops (and fails) after this. */
const PROPERTY_BUDGET_MS = 55_000;

let c: TestCluster;
let world: BotWorld;
let endpoints: Endpoint[];
let database: PostgresDatabase;
let agenda: PostgresAgendaStore;
let publicKeyPem: string;
/** Answers over all runs, by request (reported). */
const answers = new Map<string, { accepted: number; refused: number }>();
/** Request entries the runs expected (and found): accepted actions, and refusals. */
const checked = { accepted: 0, refused: 0 };

beforeAll(async () => {
  c = await startTestCluster(3);
  endpoints = c.nodes.map((n) => ({ id: n.id, url: n.signaling.url }));
  world = { endpoints: () => endpoints, origin: ORIGIN, tokens: c.roomTokens };
  database = new PostgresDatabase({ url: c.databaseUrl });
  agenda = await PostgresAgendaStore.open({ database });
  // The nodes share DATA_DIR, hence one journal key (made by the first node to start).
  publicKeyPem = await readFile(publicKeyPathOf(join(c.dataDir, 'journal-ed25519.pem')), 'utf8');
}, 120_000);

afterAll(async () => {
  await database?.close();
  await c?.close();
}, 60_000);

/** A committee meeting with a three-item agenda, prepared before anyone arrives. */
async function committeeMeeting(): Promise<{ room: string; itemIds: string[] }> {
  const room = await c.meeting({ kind: 'committee', allowEarlyEntry: true });
  const items = await agenda.replace(room, [
    { title: 'Budget 2027', presenter: null, plannedMinutes: 20, notes: '' },
    { title: 'Nominations', presenter: null, plannedMinutes: 10, notes: '' },
    { title: 'Questions diverses', presenter: null, plannedMinutes: 0, notes: '' },
  ]);
  return { room, itemIds: items.map((item) => item.itemId) };
}

describe('a committee session across three nodes, whatever its members ask', () => {
  it('journals every accepted action exactly once, every refusal as such, in one verified chain, under one owner', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await resetAddressLimits(c.redisClient);
        const bots = new BotFactory(world);
        const { room, itemIds } = await committeeMeeting();
        const run = new CommitteeRun({
          room,
          itemIds,
          scenario,
          bots,
          redis: c.redisClient,
          endpoints,
          dataDir: c.dataDir,
          publicKeyPem,
        });
        try {
          await run.start();
          for (const action of scenario.actions) {
            await run.step(action);
            await run.checkOwner();
          }
          await run.finish();
          // Counted once the journal matched: the requests' entries it was checked against.
          for (const { key } of run.expected.filter((e) => e.byRequest)) {
            checked[key.startsWith('refused:') ? 'refused' : 'accepted']++;
          }
        } finally {
          bots.closeAll();
          for (const [name, counts] of run.answers) {
            const total = answers.get(name) ?? { accepted: 0, refused: 0 };
            total.accepted += counts.accepted;
            total.refused += counts.refused;
            answers.set(name, total);
          }
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_BUDGET_MS, markInterruptAsFailure: true },
    );
    const elapsed = Date.now() - started;
    const summary = [...answers]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, { accepted, refused }]) => `${name} ${accepted}✓/${refused}✗`)
      .join(', ');
    process.stdout.write(
      `  committee property: ${RUNS} runs in ${elapsed} ms; ${checked.accepted} accepted and ${checked.refused} refused requests' entries found once each; answers: ${summary}\n`,
    );
    // Not vacuous: the runs had journaled actions accepted and refused, each found in its journal.
    expect(checked.accepted).toBeGreaterThan(RUNS);
    expect(checked.refused).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(PROPERTY_BUDGET_MS);
  }, 90_000);
});
