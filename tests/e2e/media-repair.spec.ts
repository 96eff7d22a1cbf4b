import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { createMeetingViaUi } from '../support/createMeeting.ts';
import {
  closeJoinedContexts,
  decodingAgain,
  expectDecoding,
  joinAs,
  memberIdOf,
  progress,
} from '../support/meeting.ts';
import { PathCut } from '../support/pathCut.ts';
import { PORT, SERVER_LOG } from '../support/servers.ts';

/**
 * Issue 12: a hearing does not end because a mediasoup worker crashed or a
 * participant's network dropped.
 *
 * - The worker carrying the meeting is killed with SIGKILL; every page
 *   repairs its media by itself (no reload, no click): the SFU rebuilds the
 *   room on the replacement worker, signaling tells the members `mediaReset`,
 *   and each browser makes new transports, publishes again and consumes
 *   again with the same E2EE keys. Negative control: a page whose repair is
 *   switched off (test hook) stays without media past the bound.
 * - One participant's media path is cut (its UDP ports blackholed for good,
 *   as when a laptop leaves a Wi-Fi network): its transports go
 *   `disconnected`, it asks for new ICE credentials and restarts ICE on new
 *   ports; media returns both ways. Negative control: the same cut with ICE
 *   restart switched off, and media does not return.
 */

/**
 * Every pair decodes again within this of the SIGKILL (the pool respawns a
 * worker after 500 ms). Measured 1.3-3.4 s in full runs on a quiet 2-core
 * machine, and 5.1 s once when other sessions loaded it: 5 s failed then.
 * A repair that does not happen stays dark (the negative control below).
 */
const REPAIR_BOUND_MS = 8_000;
/** How long the negative control watches a page that does not repair. */
const CONTROL_WATCH_MS = REPAIR_BOUND_MS + 3_000;
/**
 * After the cut, media flows again within this: Chromium calls the pair
 * `disconnected` after ~2.5 s without packets, the page waits 0.5 s for it
 * to heal by itself, then restarts ICE (new credentials, new local ports),
 * and the receivers wait for a key frame. Measured 6.2–9.3 s alone, 12.4 s
 * once in a full run with a 2 s grace: the issue's aim of 5 s is not met for
 * a path change (see the closing note); the bound leaves room for a busy
 * two-core machine.
 */
const ICE_RESTART_BOUND_MS = 15_000;
/** The SFU's RTC ports in the test service (one per worker, UDP and TCP). */
const SFU_RTC_PORTS = [PORT + 100, PORT + 101];

test.afterEach(closeJoinedContexts);

interface LogLine {
  msg?: string;
  worker?: number;
  pid?: number;
  room?: string;
  time?: number;
}

/** The pid of the mediasoup worker carrying `meetingId`, from the service's log (its `room created` line). */
async function workerOf(meetingId: string): Promise<number> {
  const lines = (await readFile(SERVER_LOG, 'utf8'))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
  const created = lines.filter((l) => l.msg === 'room created' && l.room === meetingId.slice(0, 6)).at(-1);
  if (created?.worker === undefined) {
    throw new Error(`no "room created" line for ${meetingId.slice(0, 6)} in ${SERVER_LOG}`);
  }
  const ready = lines.filter((l) => l.msg === 'mediasoup worker ready' && l.worker === created.worker).at(-1);
  if (ready?.pid === undefined) {
    throw new Error(`no "mediasoup worker ready" line for worker ${created.worker}`);
  }
  return ready.pid;
}

/** Marks the page; the mark survives only if the page is never reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __notReloaded?: boolean }).__notReloaded = true;
  });
}

async function stillTheSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true);
}

test('the worker carrying the meeting is killed: every page repairs its media by itself, no reload', async ({
  browser,
}) => {
  const { path, meetingId } = await createMeetingViaUi(browser);
  const alice = await joinAs(browser, path, 'Alice');
  const bob = await joinAs(browser, path, 'Bob');
  const carol = await joinAs(browser, path, 'Carol');
  const pages = { Alice: alice, Bob: bob, Carol: carol };
  const ids = {
    Alice: await memberIdOf(bob, 'Alice'),
    Bob: await memberIdOf(alice, 'Bob'),
    Carol: await memberIdOf(alice, 'Carol'),
  };
  const pairs = (Object.keys(pages) as Array<keyof typeof pages>).flatMap((viewer) =>
    (Object.keys(ids) as Array<keyof typeof ids>)
      .filter((sender) => sender !== viewer)
      .map((sender) => ({ viewer, sender })),
  );
  for (const { viewer, sender } of pairs) {
    await expectDecoding(pages[viewer], ids[sender], 'camera', 'video');
  }
  for (const page of Object.values(pages)) {
    await markPage(page);
  }

  const pid = await workerOf(meetingId);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');

  // Each page says it is reconnecting its media (polite live region), then repairs by itself.
  const times = await Promise.all(
    pairs.map(async ({ viewer, sender }) => ({
      pair: `${viewer} sees ${sender}`,
      ms: await decodingAgain(pages[viewer], ids[sender], killedAt, REPAIR_BOUND_MS * 3),
    })),
  );
  process.stdout.write(
    `  after the worker's SIGKILL: ${times.map((t) => `${t.pair} ${t.ms} ms`).join(', ')}\n`,
  );
  for (const { pair, ms } of times) {
    expect(ms, `${pair}: decoding again after the SIGKILL (bound ${REPAIR_BOUND_MS} ms)`).toBeLessThan(
      REPAIR_BOUND_MS,
    );
  }
  for (const [name, page] of Object.entries(pages)) {
    expect(await stillTheSamePage(page), `${name}'s page was not reloaded`).toBe(true);
    await expect(page.getByTestId('leave-button')).toBeVisible();
  }
  // Steady afterwards, with audio too.
  await expectDecoding(alice, ids.Bob, 'microphone', 'audio');
  await expectDecoding(carol, ids.Alice, 'camera', 'video');
});

test('negative control: a page whose repair is switched off stays without media past the bound', async ({
  browser,
}) => {
  const { path, meetingId } = await createMeetingViaUi(browser);
  const alice = await joinAs(browser, path, 'Alice');
  const bob = await joinAs(browser, path, 'Bob');
  const aliceId = await memberIdOf(bob, 'Alice');
  const bobId = await memberIdOf(alice, 'Bob');
  await expectDecoding(bob, aliceId, 'camera', 'video');
  await expectDecoding(alice, bobId, 'camera', 'video');
  // Bob's page will not repair (test hook); Alice's will.
  await bob.evaluate(() => {
    if (!window.__meeting) {
      throw new Error('window.__meeting is missing');
    }
    window.__meeting.disableMediaRepairForTest();
  });

  const killedAt = Date.now();
  process.kill(await workerOf(meetingId), 'SIGKILL');

  const [bobSeesAlice, aliceSeesBob] = await Promise.all([
    decodingAgain(bob, aliceId, killedAt, CONTROL_WATCH_MS),
    decodingAgain(alice, bobId, killedAt, CONTROL_WATCH_MS),
  ]);
  expect(bobSeesAlice, 'Bob, who does not repair, decodes nothing').toBe(Number.POSITIVE_INFINITY);
  // Alice repaired, but Bob publishes nothing any more: nothing of his to decode either.
  expect(aliceSeesBob).toBe(Number.POSITIVE_INFINITY);
  // The same measurement shows Alice's own media is back on the SFU (a third page decodes it).
  const carol = await joinAs(browser, path, 'Carol');
  await expectDecoding(carol, aliceId, 'camera', 'video');
});

/** The local UDP ports of the page's selected ICE pairs (its send and receive transports). */
async function mediaPorts(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    if (!window.__meeting) {
      throw new Error('window.__meeting is missing');
    }
    return window.__meeting.getMediaPorts();
  });
}

async function iceRestarts(page: Page): Promise<number> {
  return page.evaluate(() => window.__meeting?.getRepairCounts().iceRestarts ?? -1);
}

/** Alice and Bob decoding each other; Bob's page is marked (no reload). */
async function twoDecoding(browser: Browser) {
  const { path } = await createMeetingViaUi(browser);
  const alice = await joinAs(browser, path, 'Alice');
  const bob = await joinAs(browser, path, 'Bob');
  const aliceId = await memberIdOf(bob, 'Alice');
  const bobId = await memberIdOf(alice, 'Bob');
  await expectDecoding(bob, aliceId, 'camera', 'video');
  await expectDecoding(alice, bobId, 'camera', 'video');
  await markPage(bob);
  return { alice, bob, aliceId, bobId };
}

test("one participant's network drops: ICE restarts on new ports and media returns both ways, no reload", async ({
  browser,
}) => {
  const { alice, bob, aliceId, bobId } = await twoDecoding(browser);
  const ports = await mediaPorts(bob);
  const restartsBefore = await iceRestarts(bob);
  const cut = await PathCut.cut({ udpPorts: ports, tcpServerPorts: SFU_RTC_PORTS });
  try {
    const cutAt = Date.now();
    // The cut holds: for the first seconds neither side decodes the other.
    expect((await progress(alice, bobId, 'camera', 'video', 1500)).delta).toBeLessThanOrEqual(3);
    const [bobSees, aliceSees] = await Promise.all([
      decodingAgain(bob, aliceId, cutAt, ICE_RESTART_BOUND_MS * 2),
      decodingAgain(alice, bobId, cutAt, ICE_RESTART_BOUND_MS * 2),
    ]);
    process.stdout.write(
      `  after the cut of Bob's path (${ports.join(', ')}): Bob decodes Alice again after ${bobSees} ms, Alice decodes Bob after ${aliceSees} ms\n`,
    );
    expect(bobSees, `Bob decodes Alice again (bound ${ICE_RESTART_BOUND_MS} ms)`).toBeLessThan(
      ICE_RESTART_BOUND_MS,
    );
    expect(aliceSees, `Alice decodes Bob again (bound ${ICE_RESTART_BOUND_MS} ms)`).toBeLessThan(
      ICE_RESTART_BOUND_MS,
    );
    // Through an ICE restart, on ports the cut does not cover.
    expect(await iceRestarts(bob)).toBeGreaterThan(restartsBefore);
    const now = await mediaPorts(bob);
    expect(
      now.filter((p) => ports.includes(p)),
      `Bob's new ports ${now.join(', ')}`,
    ).toEqual([]);
    expect(await stillTheSamePage(bob)).toBe(true);
  } finally {
    await cut.restore();
  }
});

test('negative control: the same cut with ICE restart switched off, and media does not return', async ({
  browser,
}) => {
  const { alice, bob, aliceId, bobId } = await twoDecoding(browser);
  await bob.evaluate(() => window.__meeting?.disableIceRestartForTest());
  expect(await iceRestarts(bob)).toBe(0);
  const cut = await PathCut.cut({ udpPorts: await mediaPorts(bob), tcpServerPorts: SFU_RTC_PORTS });
  try {
    const cutAt = Date.now();
    const [bobSees, aliceSees] = await Promise.all([
      decodingAgain(bob, aliceId, cutAt, ICE_RESTART_BOUND_MS + 3_000),
      decodingAgain(alice, bobId, cutAt, ICE_RESTART_BOUND_MS + 3_000),
    ]);
    expect(bobSees, 'Bob, without ICE restart, decodes nothing').toBe(Number.POSITIVE_INFINITY);
    expect(aliceSees, 'Alice gets nothing from Bob').toBe(Number.POSITIVE_INFINITY);
    // Nothing restarted: what the positive test measured was the restart's doing.
    expect(await iceRestarts(bob)).toBe(0);
  } finally {
    await cut.restore();
  }
});
