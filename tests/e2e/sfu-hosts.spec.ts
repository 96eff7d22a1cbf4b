import { expect, test, type Browser, type Page } from '@playwright/test';
import { createClient, type RedisClientType } from 'redis';
import { startCluster, type Cluster } from '../support/cluster.ts';
import {
  closeJoinedContexts,
  decodingAgain,
  expectDecoding,
  joinAs,
  memberIdOf,
} from '../support/meeting.ts';

/**
 * Issue 12, several SFU hosts, in Chromium: two signaling nodes behind nginx
 * and two SFU processes (tests/support/cluster.ts, `sfuHosts: 2`), with at
 * most two members with media per host, so a meeting of three spans both
 * hosts and its media crosses over pipe transports. Then the host carrying a
 * meeting is killed (SIGKILL, workers included): signaling moves the meeting
 * to the other host after SFU_HOST_LOSS_MS and the pages make their media
 * again by themselves (`mediaReset host-lost`), no reload, no click.
 */

const MAX_MEMBERS_PER_HOST = 2;
const HOST_LOSS_MS = 3_000;
/** After the SIGKILL, every pair decodes again within this: the loss bound, then the media reset. */
const MOVE_BOUND_MS = HOST_LOSS_MS + 5_000;

let cluster: Cluster;
let redis: RedisClientType;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  cluster = await startCluster({
    nodes: 2,
    web: true,
    sfuHosts: 2,
    name: 'sfu-hosts',
    env: {
      SFU_MAX_MEMBERS_PER_HOST: String(MAX_MEMBERS_PER_HOST),
      SFU_HOST_LOSS_MS: String(HOST_LOSS_MS),
    },
  });
  redis = createClient({ url: cluster.redis.url });
  await redis.connect();
});

test.afterAll(async () => {
  await redis?.quit().catch(() => undefined);
  await cluster?.stop();
});

test.afterEach(closeJoinedContexts);

/** Creates an open meeting from the home page served by the cluster; its link (with the fragment). */
async function createMeeting(browser: Browser): Promise<{ link: string; meetingId: string }> {
  const context = await browser.newContext();
  const home = await context.newPage();
  await home.goto(`${cluster.url}/`);
  await home.getByTestId('create-meeting').click();
  await expect(home).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}/);
  const url = new URL(home.url());
  await context.close();
  return { link: url.toString(), meetingId: url.pathname.split('/').pop() ?? '' };
}

/** Where signaling placed the meeting's members: member id -> SFU host (its control origin). */
async function placements(meetingId: string): Promise<Map<string, string>> {
  const hash = await redis.hGetAll(`confidentiel:sfu:meeting:${meetingId}`);
  return new Map(
    Object.entries(hash)
      .filter(([field]) => field.startsWith('m:'))
      .map(([field, host]) => [field.slice(2), host]),
  );
}

interface Person {
  name: string;
  page: Page;
  id: string;
}

async function meetingOf(browser: Browser, link: string, names: string[]): Promise<Person[]> {
  const pages: Page[] = [];
  for (const name of names) {
    pages.push(await joinAs(browser, link, name));
  }
  const people: Person[] = [];
  for (const [i, name] of names.entries()) {
    const viewer = pages[(i + 1) % pages.length]!;
    people.push({ name, page: pages[i]!, id: await memberIdOf(viewer, name) });
  }
  return people;
}

function pairsOf(people: Person[]): Array<{ viewer: Person; sender: Person }> {
  return people.flatMap((viewer) => people.filter((s) => s !== viewer).map((sender) => ({ viewer, sender })));
}

test('three participants placed across two SFU hosts: each pair decodes the other through the pipes', async ({
  browser,
}) => {
  const { link, meetingId } = await createMeeting(browser);
  const people = await meetingOf(browser, link, ['Alice', 'Bob', 'Carol']);
  for (const { viewer, sender } of pairsOf(people)) {
    await expectDecoding(viewer.page, sender.id, 'camera', 'video');
  }
  await expectDecoding(people[2]!.page, people[0]!.id, 'microphone', 'audio');
  // Placed across both hosts: at most two members with media per host.
  const placed = await placements(meetingId);
  const hosts = new Set(people.map((p) => placed.get(p.id)));
  expect(hosts.size, `placements: ${JSON.stringify([...placed])}`).toBe(2);
  expect([...hosts].every((h) => cluster.sfus.some((s) => s.controlUrl === h))).toBe(true);
});

test('the SFU host carrying a meeting is killed: the meeting moves to the other host and media returns, no reload', async ({
  browser,
}) => {
  const { link, meetingId } = await createMeeting(browser);
  const people = await meetingOf(browser, link, ['Denis', 'Emma']);
  for (const { viewer, sender } of pairsOf(people)) {
    await expectDecoding(viewer.page, sender.id, 'camera', 'video');
  }
  for (const { page } of people) {
    await page.evaluate(() => {
      (window as unknown as { __notReloaded?: boolean }).__notReloaded = true;
    });
  }
  const placed = await placements(meetingId);
  const hostUrl = placed.get(people[0]!.id);
  const host = cluster.sfus.find((s) => s.controlUrl === hostUrl);
  expect(host, `the meeting's host among ${cluster.sfus.map((s) => s.controlUrl).join(', ')}`).toBeDefined();
  expect(placed.get(people[1]!.id)).toBe(hostUrl);

  const killedAt = Date.now();
  await host!.kill('SIGKILL');

  const times = await Promise.all(
    pairsOf(people).map(async ({ viewer, sender }) => ({
      pair: `${viewer.name} sees ${sender.name}`,
      ms: await decodingAgain(viewer.page, sender.id, killedAt, MOVE_BOUND_MS * 2),
    })),
  );
  process.stdout.write(
    `  after the SFU host's SIGKILL: ${times.map((t) => `${t.pair} ${t.ms} ms`).join(', ')}\n`,
  );
  for (const { pair, ms } of times) {
    expect(ms, `${pair}: decoding again on the other host (bound ${MOVE_BOUND_MS} ms)`).toBeLessThan(
      MOVE_BOUND_MS,
    );
  }
  const primary = await redis.hGet(`confidentiel:sfu:meeting:${meetingId}`, 'primary');
  expect(primary, 'the meeting moved to the surviving host').not.toBe(hostUrl);
  expect(cluster.sfus.some((s) => s.controlUrl === primary)).toBe(true);
  for (const person of people) {
    expect(
      await person.page.evaluate(
        () => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true,
      ),
    ).toBe(true);
  }
});
