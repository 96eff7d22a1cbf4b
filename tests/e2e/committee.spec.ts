import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { deriveCommitteeKey, isCommitteeSecret, newCommitteeSecret, openCommittee } from '@confidentiel/e2ee';
import { openCockpitTab } from '../support/cockpit.ts';
import { closeJoinedContexts, joinAs, memberIdOf } from '../support/meeting.ts';
import { createOrganiser, shownValue, signIn } from '../support/organiser.ts';
import { DATA_DIR, ROOT } from '../support/servers.ts';

test.afterEach(closeJoinedContexts);

const ITEM_1 = 'Approbation du procès-verbal';
const ITEM_2 = 'Budget 2027';
const MOTION = 'Adopter le budget 2027';
const MINUTES_1 = 'Le procès-verbal de la séance précédente est approuvé sans observation.';
/** WebM files (EBML) start with these four bytes. */
const EBML_MAGIC = '1a45dfa3';

/** Frames the page's recording player has decoded (Chromium's counter on the <video>). */
async function playerFrames(page: Page): Promise<number> {
  return page.getByTestId('recording-player').evaluate((video) => {
    const element = video as HTMLVideoElement & { webkitDecodedFrameCount?: number };
    return element.webkitDecodedFrameCount ?? element.getVideoPlaybackQuality().totalVideoFrames;
  });
}

function verifyJournal(file: string, publicKey: string): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'packages/journal/src/cli/verify-journal.ts'), file, '--public-key', publicKey],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * Issue 5's whole path: a chair prepares the agenda, runs two items with two
 * members, gives the floor, holds a vote that reaches quorum, records a
 * stretch with the agenda as chapters and writes minutes; the minutes export
 * lists the items, attendance and result; the recording downloads, decrypts
 * and plays in the app, while what the server stores opens with no other key;
 * the session journal verifies with the offline tool and tampered copies fail
 * at the right line.
 */
test('a chair runs a committee session: agenda, floor, vote, minutes, encrypted recording, verifiable journal', async ({
  browser,
}) => {
  const account = createOrganiser(`presidence-${Date.now()}@example.fr`, 'Présidente Martin');
  const chairContext = await browser.newContext({ acceptDownloads: true });
  const chair = await chairContext.newPage();
  chair.on('dialog', (dialog) => void dialog.accept());
  chair.on('pageerror', (error) => process.stderr.write(`[chair] page error: ${error.message}\n`));
  await signIn(chair, account);

  // The committee session and its agenda, prepared beforehand.
  await chair.getByTestId('meeting-title-input').fill('Commission des finances');
  await chair.getByTestId('meeting-kind-select').selectOption('committee');
  await chair.getByTestId('create-meeting-submit').click();
  await expect(chair.getByTestId('agenda-editor')).toBeVisible();
  const meetingId = new URL(chair.url()).pathname.split('/').pop()!;
  // The committee secret was made in the organiser's browser and stays there (never in a link).
  const committeeSecret = await chair.evaluate(
    (id) => localStorage.getItem(`confidentiel.committeeSecret.${id}`),
    meetingId,
  );
  expect(isCommitteeSecret(committeeSecret)).toBe(true);
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-add').click();
  await chair.getByTestId('agenda-title-input').nth(0).fill(ITEM_1);
  await chair.getByTestId('agenda-title-input').nth(1).fill(ITEM_2);
  await chair.getByTestId('agenda-save').click();
  await expect(chair.getByTestId('agenda-saved')).toBeVisible();

  // A shared invitation for the members (level 1: the link, once the chair is there).
  await chair.getByTestId('invite-shared').check();
  await chair.getByTestId('invite-level-1').check();
  await chair.getByTestId('invite-submit').click();
  const inviteLink = await shownValue(chair, 'invite-link');
  const invite = new URL(inviteLink);
  const linkSecret = new URLSearchParams(invite.hash.slice(1)).get('k')!;
  expect(linkSecret).toBeTruthy();
  expect(inviteLink).not.toContain(committeeSecret!);

  // The chair opens the session as host, then two members join.
  await chair.getByTestId('host-join-link').click();
  await chair.getByTestId('display-name-input').fill('Présidente Martin');
  await chair.getByTestId('join-button').click();
  await expect(chair.getByTestId('leave-button')).toBeVisible();
  await expect(chair.getByTestId('committee-panel')).toBeVisible();
  const memberA = await joinAs(browser, invite.pathname + invite.hash, 'Membre Arnaud');
  const memberB = await joinAs(browser, invite.pathname + invite.hash, 'Membre Bruno');
  const arnaudId = await memberIdOf(chair, 'Membre Arnaud');
  for (const page of [memberA, memberB]) {
    await expect(page.getByTestId('committee-panel')).toBeVisible();
  }

  // Item 1: opened by the chair, seen by everyone with its running time.
  await chair.getByTestId('agenda-item').nth(0).getByTestId('agenda-open').click();
  for (const page of [chair, memberA, memberB]) {
    await expect(page.getByTestId('current-item')).toContainText(ITEM_1);
  }
  const elapsedBefore = await memberB.getByTestId('current-item-elapsed').textContent();
  await expect
    .poll(() => memberB.getByTestId('current-item-elapsed').textContent(), { timeout: 10_000 })
    .not.toBe(elapsedBefore);

  // The encrypted recording starts on item 1.
  await openCockpitTab(chair, 'record');
  await chair.getByTestId('recording-start').click();
  for (const page of [memberA, memberB]) {
    await expect(page.getByTestId('recording-indicator')).toBeVisible();
  }

  // The floor: Arnaud raises his hand, the chair gives him the floor, then withdraws it.
  await openCockpitTab(memberA, 'floor');
  await memberA.getByTestId('raise-hand').click();
  await openCockpitTab(chair, 'floor');
  const queued = chair.locator(`[data-testid="floor-queue-entry"][data-member-id="${arnaudId}"]`);
  await expect(queued).toHaveCount(1);
  await queued.getByTestId('give-floor').click();
  await expect(memberB.getByTestId('floor-speaker')).toHaveAttribute('data-member-id', arnaudId);
  await expect(memberA.getByTestId('toggle-mic')).toHaveAttribute('aria-pressed', 'true');
  await chair.waitForTimeout(2_000);
  await chair.getByTestId('withdraw-floor').click();
  await expect(memberB.getByTestId('floor-speaker')).toHaveCount(0);

  // The secretary (the chair) writes the minutes of item 1: sealed in the browser.
  const item1 = await chair.getByTestId('agenda-item').nth(0).getAttribute('data-item-id');
  await openCockpitTab(chair, 'minutes');
  await chair.getByTestId('minutes-item').selectOption(item1);
  await chair.getByTestId('minutes-editor').fill(MINUTES_1);
  await chair.getByTestId('minutes-save').click();
  await expect(chair.getByTestId('minutes-saved')).toBeVisible();

  // Item 2 (a new chapter of the recording) and the vote.
  await chair.waitForTimeout(3_000);
  await openCockpitTab(chair, 'agenda');
  await chair.getByTestId('agenda-item').nth(1).getByTestId('agenda-open').click();
  await expect(memberA.getByTestId('current-item')).toContainText(ITEM_2);
  await openCockpitTab(chair, 'vote');
  await chair.getByTestId('vote-motion-input').fill(MOTION);
  await chair.getByTestId('open-vote').click();
  for (const [page, choice] of [
    [chair, 'pour'],
    [memberA, 'pour'],
    [memberB, 'contre'],
  ] as const) {
    await openCockpitTab(page, 'vote');
    await page.locator(`[data-testid="vote-option"][data-option="${choice}"]`).click();
    await expect(page.locator(`[data-testid="vote-option"][data-option="${choice}"]`)).toBeDisabled();
  }
  await chair.getByTestId('close-vote').click();
  for (const page of [chair, memberA, memberB]) {
    await expect(page.getByTestId('vote-result')).toHaveAttribute('data-outcome', 'adopted');
  }
  await chair.waitForTimeout(3_000);

  // The recording stops; every sealed chunk reaches the server.
  await openCockpitTab(chair, 'record');
  await chair.getByTestId('recording-stop').click();
  // Stopped means: the last chunk sealed, every chunk acknowledged, chapters sent, finished.
  const status = chair.getByTestId('recording-status');
  await expect(status).toHaveAttribute('data-phase', 'idle', { timeout: 30_000 });
  await expect(status).toHaveAttribute('data-pending', '0');
  await expect(chair.getByTestId('recording-control-error')).toHaveCount(0);
  await expect(memberA.getByTestId('recording-indicator')).toHaveCount(0);
  const uploaded = Number(await chair.getByTestId('recording-status').getAttribute('data-uploaded'));
  expect(uploaded).toBeGreaterThan(0);

  // The minutes export lists the items, attendance and the vote result.
  const download = chair.waitForEvent('download');
  await chair.getByTestId('export-minutes-html').click();
  const exported = await readFile(await (await download).path(), 'utf8');
  for (const expected of [
    ITEM_1,
    ITEM_2,
    'Membre Arnaud',
    'Membre Bruno',
    'Présidente Martin',
    MOTION,
    MINUTES_1,
  ]) {
    expect(exported, `the export names ${expected}`).toContain(expected);
  }
  // The vote's result as recorded: adopted, quorum reached (3 ballots of 3 present voters).
  expect(exported).toContain('Adoptée');
  expect(exported).toContain('atteint');
  expect(exported).not.toContain('non atteint');
  expect(exported).not.toMatch(/<script|https?:\/\//i);

  // The same record as an archival PDF, read by an independent reader (Debian's pdftotext): it names
  // the meeting by its title, lists attendance with times, the floor given, the vote and the minutes,
  // and prints the SHA-256 of the Markdown text downloaded with it; the page shows the PDF's own hash.
  const pdfDownload = chair.waitForEvent('download', { timeout: 60_000 });
  await chair.getByTestId('export-minutes-pdf').click();
  const pdfFile = await (await pdfDownload).path();
  const pdf = await readFile(pdfFile);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await expect(chair.getByTestId('export-pdf-sha256')).toHaveText(
    createHash('sha256').update(pdf).digest('hex'),
  );
  const pdfText = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdfFile, '-'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(pdfText.status, pdfText.stderr).toBe(0);
  const pdfWords = pdfText.stdout.replace(/\s+/g, ' ');
  for (const expected of [
    'Procès-verbal de séance – Commission des finances',
    ITEM_1,
    ITEM_2,
    MOTION,
    MINUTES_1,
    'Adoptée',
    'Quorum',
    `Référence de la réunion ${meetingId}`,
  ]) {
    expect(pdfWords, `the PDF says ${expected}`).toContain(expected);
  }
  // Attendance with arrival times, and the floor given to Arnaud (from – to).
  for (const name of ['Présidente Martin', 'Membre Arnaud', 'Membre Bruno']) {
    expect(pdfWords).toMatch(new RegExp(`${name} \\S+ \\d\\d:\\d\\d:\\d\\d – `));
  }
  expect(pdfWords).toMatch(/Membre Arnaud \d\d:\d\d:\d\d – \d\d:\d\d:\d\d /);
  const textDownload = chair.waitForEvent('download');
  await chair.getByTestId('export-minutes-pdf-text').click();
  const canonical = await readFile(await (await textDownload).path());
  const textHash = createHash('sha256').update(canonical).digest('hex');
  await expect(chair.getByTestId('export-pdf-text-sha256')).toHaveText(textHash);
  expect(pdfWords).toContain(`SHA-256 du procès-verbal au format Markdown : ${textHash}`);
  expect(canonical.toString('utf8')).toContain(MINUTES_1);

  // What the server stores of the recording opens only with the committee key.
  const recordingsDir = join(DATA_DIR, 'recordings');
  const [recordingId] = await readdir(recordingsDir);
  expect(recordingId).toBeTruthy();
  const stored = new Uint8Array(await readFile(join(recordingsDir, recordingId!, '0.bin')));
  expect(Buffer.from(stored.subarray(0, 4)).toString('hex')).not.toBe(EBML_MAGIC);
  const otherKey = await deriveCommitteeKey(newCommitteeSecret(), meetingId, 'recording');
  await expect(openCommittee(otherKey, stored, `${recordingId!}:0`)).rejects.toThrow();
  // Issue 10 finding 3: what every invitation link carries (its secret, held by a guest refused at
  // the door too) no longer opens the record: it was the recording key before.
  const linkKey = await deriveCommitteeKey(linkSecret, meetingId, 'recording');
  await expect(openCommittee(linkKey, stored, `${recordingId!}:0`)).rejects.toThrow();
  // Positive control: with the committee key (the organiser's, handed to members let in) every chunk
  // opens into a WebM stream.
  const committeeKey = await deriveCommitteeKey(committeeSecret!, meetingId, 'recording');
  const chunkFiles = (await readdir(join(recordingsDir, recordingId!)))
    .filter((name) => /^\d+\.bin$/.test(name))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  expect(chunkFiles.length).toBe(uploaded);
  const plain: Buffer[] = [];
  for (const name of chunkFiles) {
    const sealed = new Uint8Array(await readFile(join(recordingsDir, recordingId!, name)));
    expect(Buffer.from(sealed).includes(Buffer.from('webm'))).toBe(false);
    plain.push(
      Buffer.from(await openCommittee(committeeKey, sealed, `${recordingId!}:${Number.parseInt(name, 10)}`)),
    );
  }
  const webm = Buffer.concat(plain);
  expect(webm.subarray(0, 4).toString('hex')).toBe(EBML_MAGIC);
  expect(webm.includes(Buffer.from('webm'))).toBe(true);

  // A member downloads, decrypts and plays the recording in the app, with the agenda as chapters.
  await expect(async () => {
    await memberB.getByTestId('recordings-refresh').click();
    await expect(memberB.getByTestId('recording-row')).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await memberB.getByTestId('recording-row').first().getByTestId('recording-play').click();
  await expect(memberB.getByTestId('recording-player')).toBeVisible({ timeout: 30_000 });
  await expect(memberB.getByTestId('recording-chapter')).toHaveCount(2);
  await memberB.getByTestId('recording-player').evaluate((video) => (video as HTMLVideoElement).play());
  const first = await playerFrames(memberB);
  await expect.poll(() => playerFrames(memberB), { timeout: 20_000 }).toBeGreaterThan(first + 10);

  // The session journal verifies offline; tampered copies fail at the right line.
  const journals = await chair.request.get(`/api/organiser/meetings/${meetingId}/journals`);
  expect(journals.status()).toBe(200);
  const list = (await journals.json()) as {
    journals?: { sessionId: string }[];
    sessions?: { sessionId: string }[];
  };
  const sessions = list.journals ?? list.sessions ?? [];
  expect(sessions.length).toBeGreaterThan(0);
  const journalText = await (
    await chair.request.get(
      `/api/organiser/meetings/${meetingId}/journals/${encodeURIComponent(sessions[0]!.sessionId)}`,
    )
  ).text();
  const publicKey = await (await chair.request.get('/api/journal/public-key')).text();
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  const keyFile = join(dir, 'service.pub.pem');
  await writeFile(keyFile, publicKey);
  const original = join(dir, 'journal.jsonl');
  await writeFile(original, journalText);
  const verified = verifyJournal(original, keyFile);
  expect(verified.status, verified.output).toBe(0);
  for (const type of ['vote-closed', 'agenda-opened', 'floor-given', 'minutes-saved', 'recording-started']) {
    expect(journalText, `the journal records ${type}`).toContain(type);
  }
  expect(journalText).not.toContain(MINUTES_1);

  const lines = journalText.trimEnd().split('\n');
  expect(lines.length).toBeGreaterThan(5);
  const changed = [...lines];
  changed[3] = changed[3]!.replace(/"at":(\d)/, (_all, digit: string) => `"at":${(Number(digit) + 1) % 10}`);
  expect(changed[3]).not.toBe(lines[3]);
  const tampered = join(dir, 'tampered.jsonl');
  await writeFile(tampered, `${changed.join('\n')}\n`);
  const refused = verifyJournal(tampered, keyFile);
  expect(refused.status).toBe(1);
  expect(refused.output).toMatch(/line 4\b/);

  const deleted = join(dir, 'deleted.jsonl');
  await writeFile(deleted, `${lines.filter((_line, index) => index !== 2).join('\n')}\n`);
  const gap = verifyJournal(deleted, keyFile);
  expect(gap.status).toBe(1);
  expect(gap.output).toMatch(/line 3\b/);

  // The clerk's way to the same files: the meeting page lists the journals and the public key.
  await chair.goto(`/organisateur/reunions/${meetingId}`);
  await expect(chair.getByTestId('journal-download').first()).toBeVisible();
  await expect(chair.getByTestId('journal-key')).toBeVisible();

  // The clerk's record there: the card says plainly the journal is not time-stamped (the test
  // service has no TSA_URL), and the recording is listed, without rejoining the meeting.
  await expect(chair.getByTestId('journal-timestamping')).toHaveAttribute('data-configured', 'false');
  await expect(chair.getByTestId('journal-timestamping')).toContainText('TSA_URL');
  await expect(chair.getByTestId('journal-stamp').first()).toHaveAttribute('data-tokens', '0');
  const organiserRow = chair.getByTestId('organiser-recordings').getByTestId('recording-row');
  await expect(organiserRow).toHaveCount(1);
  // « Télécharger (déchiffré) »: opened in this browser with the committee secret it kept, the very
  // WebM the chunks hold.
  const decrypted = chair.waitForEvent('download', { timeout: 60_000 });
  await organiserRow.getByTestId('recording-download-webm').click();
  const webmFile = await readFile(await (await decrypted).path());
  expect(webmFile.subarray(0, 4).toString('hex')).toBe(EBML_MAGIC);
  expect(webmFile.equals(webm)).toBe(true);
  await expect(chair.getByTestId('recording-saved')).toBeVisible();
  // « Télécharger chiffré »: the sealed chunks as stored, in a tar, never the plaintext.
  const sealedDownload = chair.waitForEvent('download', { timeout: 60_000 });
  await organiserRow.getByTestId('recording-download-sealed').click();
  const archive = await readFile(await (await sealedDownload).path());
  expect(archive.subarray(257, 262).toString('latin1')).toBe('ustar');
  expect(archive.includes(await readFile(join(recordingsDir, recordingId!, '0.bin')))).toBe(true);
  expect(archive.includes(webm.subarray(0, 64))).toBe(false);
  // Negative control: the same organiser in another browser has no committee secret: told so, and
  // nothing to decrypt with.
  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, account);
  await other.goto(`/organisateur/reunions/${meetingId}`);
  await expect(other.getByTestId('recording-no-secret')).toHaveAttribute('data-status', 'not-here');
  await expect(other.getByTestId('recording-download-webm')).toBeDisabled();
  await elsewhere.close();

  await chairContext.close();
});
