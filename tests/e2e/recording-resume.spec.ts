import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { deriveCommitteeKey, openCommittee } from '@confidentiel/e2ee';
import { openCockpitTab } from '../support/cockpit.ts';
import { createOrganiser, signIn } from '../support/organiser.ts';
import { DATA_DIR } from '../support/servers.ts';

const CHUNK_UPLOADS = '**/api/recordings/*/chunks/*';
/** WebM files (EBML) start with these four bytes. */
const EBML_MAGIC = '1a45dfa3';

async function storedChunks(recordingId: string): Promise<string[]> {
  try {
    const names = await readdir(join(DATA_DIR, 'recordings', recordingId));
    return names
      .filter((name) => /^\d+\.bin$/.test(name))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  } catch {
    return [];
  }
}

async function joinAsHost(page: Page): Promise<void> {
  await page.getByTestId('display-name-input').fill('Présidente Roux');
  await page.getByTestId('join-button').click();
  await expect(page.getByTestId('leave-button')).toBeVisible();
  await openCockpitTab(page, 'record');
  await expect(page.getByTestId('recording-controls')).toBeVisible();
}

/**
 * The recording is resumable: chunks are sealed and kept in the browser
 * (IndexedDB) before upload. Uploads are cut off while the chair records,
 * the page reloads mid-session; after the chair rejoins, every chunk kept
 * reaches the server, and the recording decrypts and plays.
 */
test('a recording survives a page reload mid-session: the chunks kept in the browser are uploaded after it', async ({
  browser,
}) => {
  const account = createOrganiser(`greffe-rec-${Date.now()}@example.fr`, 'Présidente Roux');
  const context = await browser.newContext();
  const chair = await context.newPage();
  chair.on('pageerror', (error) => process.stderr.write(`[chair] page error: ${error.message}\n`));
  await signIn(chair, account);
  await chair.getByTestId('meeting-title-input').fill('Conseil de discipline');
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  const meetingId = new URL(chair.url()).pathname.split('/').pop()!;
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-title-input').nth(0).fill('Audition');
  await chair.getByTestId('agenda-save').click();
  await expect(chair.getByTestId('agenda-saved')).toBeVisible();
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-1').check();
  await chair.getByTestId('invite-submit').click();
  const committeeSecret = await chair.evaluate(
    (id) => localStorage.getItem(`confidentiel.committeeSecret.${id}`),
    meetingId,
  );
  expect(committeeSecret, 'the organiser’s browser made the committee secret').toBeTruthy();

  await chair.getByTestId('host-join-link').click();
  await joinAsHost(chair);
  await openCockpitTab(chair, 'agenda');
  await chair.getByTestId('agenda-item').nth(0).getByTestId('agenda-open').click();
  await openCockpitTab(chair, 'record');

  // The network to the recording store fails: chunks pile up in the browser.
  await chair.route(CHUNK_UPLOADS, (route) => route.abort('connectionreset'));
  await chair.getByTestId('recording-start').click();
  const status = chair.getByTestId('recording-status');
  await expect
    .poll(async () => Number(await status.getAttribute('data-pending')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);
  const pendingBefore = Number(await status.getAttribute('data-pending'));
  const recordingId = await status.getAttribute('data-recording-id');
  expect(recordingId, 'the recording was created on the server').toBeTruthy();
  // Control: nothing of it reached the server yet.
  expect(await storedChunks(recordingId!)).toEqual([]);

  // The page reloads in the middle of the session, uploads still failing.
  await chair.reload();
  await chair.unroute(CHUNK_UPLOADS);
  await joinAsHost(chair);

  // What the browser kept is uploaded after the rejoin.
  await expect
    .poll(async () => (await storedChunks(recordingId!)).length, { timeout: 60_000 })
    .toBeGreaterThanOrEqual(pendingBefore);
  const names = await storedChunks(recordingId!);
  process.stdout.write(
    `  kept in the browser before the reload: ${pendingBefore}; on the server after: ${names.length}\n`,
  );
  const indexes = names.map((name) => Number.parseInt(name, 10));
  expect(indexes, 'no chunk is missing').toEqual(indexes.map((_index, position) => position));
  const key = await deriveCommitteeKey(committeeSecret!, meetingId, 'recording');
  const plain: Buffer[] = [];
  for (const name of names) {
    const sealed = new Uint8Array(await readFile(join(DATA_DIR, 'recordings', recordingId!, name)));
    plain.push(Buffer.from(await openCommittee(key, sealed, `${recordingId!}:${Number.parseInt(name, 10)}`)));
  }
  expect(Buffer.concat(plain).subarray(0, 4).toString('hex')).toBe(EBML_MAGIC);

  // And it plays back in the app.
  await expect(async () => {
    await chair.getByTestId('recordings-refresh').click();
    await expect(chair.getByTestId('recording-row')).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await chair.getByTestId('recording-row').first().getByTestId('recording-play').click();
  const player = chair.getByTestId('recording-player');
  await expect(player).toBeVisible({ timeout: 30_000 });
  await player.evaluate((video) => (video as HTMLVideoElement).play());
  const frames = (): Promise<number> =>
    player.evaluate((video) => (video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
  const first = await frames();
  await expect.poll(frames, { timeout: 20_000 }).toBeGreaterThan(first + 5);

  await context.close();
});
