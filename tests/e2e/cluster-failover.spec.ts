import { createClient } from 'redis';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { closeJoinedContexts, expectDecoding, memberIdOf, progress } from '../support/meeting.ts';

/**
 * Issue 11: three participants behind nginx balancing round robin over two
 * signaling nodes (Redis, PostgreSQL, one SFU). The node that owns the
 * meeting is killed with SIGKILL: every page recovers by itself within the
 * bound, media never stops, and the meeting goes on (a chat message sent
 * after the failover reaches everyone).
 */
const RECOVERY_BOUND_MS = 8_000;

test.afterEach(closeJoinedContexts);

let cluster: Cluster | undefined;
test.afterAll(async () => {
  await cluster?.stop();
});

async function joinThrough(browser: Browser, url: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[${name}] page error: ${error.message}\n`));
  await page.goto(url);
  await page.getByTestId('display-name-input').fill(name);
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('leave-button')).toBeVisible();
  test.info().annotations.push({ type: 'participant', description: name });
  pages.push(page);
  return page;
}
const pages: Page[] = [];

test('the node owning a meeting is killed: every page recovers by itself, media never stops', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  cluster = await startCluster({ nodes: 2, web: true, name: 'failover' });
  const created = await fetch(`${cluster.url}/api/meetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Audience' }),
  });
  expect(created.status).toBe(201);
  const { joinPath } = (await created.json()) as { joinPath: string; meetingId: string };
  const meetingId = joinPath.split('/').pop()!;

  const alice = await joinThrough(browser, `${cluster.url}${joinPath}`, 'Alice');
  const bob = await joinThrough(browser, `${cluster.url}${joinPath}`, 'Bob');
  const carol = await joinThrough(browser, `${cluster.url}${joinPath}`, 'Carol');
  const people = [
    { name: 'Alice', page: alice },
    { name: 'Bob', page: bob },
    { name: 'Carol', page: carol },
  ];
  const ids = new Map<string, string>();
  for (const { name } of people) {
    ids.set(name, await memberIdOf(name === 'Alice' ? bob : alice, name));
  }
  // Each pair decodes the other's camera.
  for (const viewer of people) {
    for (const sender of people) {
      if (viewer !== sender) {
        await expectDecoding(viewer.page, ids.get(sender.name)!, 'camera', 'video');
      }
    }
  }

  const redis = createClient({ url: cluster.redis.url });
  redis.on('error', () => undefined);
  await redis.connect();
  const ownerId = await redis.get(`meeting:${meetingId}:owner`);
  expect(ownerId, 'one node owns the meeting').toBeTruthy();
  const owner = cluster.node(ownerId!);
  const killedAt = Date.now();
  await owner.kill('SIGKILL');

  // Media goes on through the SFU while signaling fails over.
  const during = await progress(carol, ids.get('Alice')!, 'camera', 'video', 2_000);
  expect(during.delta, 'Carol kept decoding Alice during the failover').toBeGreaterThan(0);

  // The meeting moves to the surviving node.
  await expect
    .poll(async () => redis.get(`meeting:${meetingId}:owner`), { timeout: RECOVERY_BOUND_MS })
    .not.toBe(ownerId);

  // Every page is still in the meeting (no "ended", no rejoin button) and a chat message reaches everyone.
  for (const { page } of people) {
    await expect(page.getByTestId('leave-button')).toBeVisible();
    await expect(page.getByTestId('meeting-ended')).toHaveCount(0);
  }
  await bob.getByTestId('toggle-chat').click();
  let attempt = 0;
  await expect(async () => {
    const message = `après la bascule ${++attempt}`;
    await bob.getByTestId('chat-input').fill(message);
    await bob.getByTestId('chat-send').click();
    for (const page of [alice, carol]) {
      await expect(page.getByTestId('chat-message').filter({ hasText: message })).toHaveAttribute(
        'data-state',
        'ok',
        { timeout: 2_000 },
      );
    }
  }).toPass({ timeout: RECOVERY_BOUND_MS + 10_000 });
  const recoveredMs = Date.now() - killedAt;
  process.stdout.write(`  recovered ${recoveredMs} ms after SIGKILL of ${ownerId}\n`);

  // And every pair still decodes.
  for (const viewer of people) {
    for (const sender of people) {
      if (viewer !== sender) {
        await expectDecoding(viewer.page, ids.get(sender.name)!, 'camera', 'video');
      }
    }
  }
  await redis.quit();
});
