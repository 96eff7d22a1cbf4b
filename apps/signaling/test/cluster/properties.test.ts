/**
 * Issue 11, a property: whatever several members on three nodes do, in any
 * order (join as host, guest or lobby guest, leave, close the tab, lose the
 * transport and come back on another node, lock, admit, refuse, remove,
 * change roles, chat), the meeting's shared state stays true to them:
 *
 * - no ghost: the room's members in Redis are exactly the sessions that are
 *   joined and connected, its lobby exactly those waiting, and the owner's
 *   replicated sessions exactly both;
 * - nobody past the lobby unadmitted: a member whose token says lobby, or
 *   who waited because the room was locked, enters only after an admit;
 * - one owner: the meeting's owner key names one of the nodes;
 * - the lock is as the moderators left it (until the room empties: then it is forgotten);
 * - a removed (or refused) member's token is refused on every node.
 *
 * Each answer is also checked against a small model of the rules
 * (meetingRun.ts), so a wrong answer fails the run where it happens.
 * In-process cluster (support.ts): 3 nodes, real Redis, PostgreSQL and SFU.
 * A fresh meeting per run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from '../support/harness.ts';
import { BotFactory, type BotWorld, type Endpoint } from './bots.ts';
import { Run, scenarioArb, type Action } from './meetingRun.ts';
import { resetAddressLimits, startTestCluster, type TestCluster } from './support.ts';

/** Runs, each of at most MAX_STEPS steps: bounded so the whole property takes well under a minute. */
const RUNS = 15;
/** The whole property, shrinking included, stops (and fails) after this. */
const PROPERTY_BUDGET_MS = 50_000;

let c: TestCluster;
let world: BotWorld;
let endpoints: Endpoint[];

beforeAll(async () => {
  c = await startTestCluster(3);
  endpoints = c.nodes.map((n) => ({ id: n.id, url: n.signaling.url }));
  world = { endpoints: () => endpoints, origin: ORIGIN, tokens: c.roomTokens };
}, 120_000);

afterAll(async () => {
  await c?.close();
}, 60_000);

describe('a meeting across three nodes, whatever its members do', () => {
  it('keeps no ghost, lets nobody past the lobby unadmitted, has one owner, and keeps removed members out', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        await resetAddressLimits(c.redisClient);
        const bots = new BotFactory(world);
        const run = new Run({ room: await c.meeting(), scenario, bots, redis: c.redisClient, endpoints });
        try {
          const steps: Action[] = [{ kind: 'join', who: 0, node: scenario.hostNode }, ...scenario.actions];
          for (const action of steps) {
            await run.step(action);
            run.forgetIfEmpty();
            await run.checkInvariants();
          }
          await run.checkRevocations();
        } finally {
          bots.closeAll();
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: PROPERTY_BUDGET_MS, markInterruptAsFailure: true },
    );
    expect(Date.now() - started).toBeLessThan(PROPERTY_BUDGET_MS);
  }, 90_000);
});
