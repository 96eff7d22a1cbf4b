import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { createMeetingViaUi } from '../support/createMeeting.ts';
import { inspectVp8Frames, keyForms, openWith } from '../support/e2eeCheck.ts';
import {
  capturedKeys,
  closeJoinedContexts,
  expectDecoding,
  joinAs,
  memberIdOf,
  progress,
  wireFrames,
} from '../support/meeting.ts';
import { vp8Frames } from '../support/rtp.ts';
import { SERVER_LOG } from '../support/servers.ts';
import { tapProducer } from '../support/sfuTap.ts';

test.afterEach(closeJoinedContexts);

/** The producer id of `memberId`'s camera, as `viewer` consumes it. */
async function cameraProducerOf(viewer: Page, memberId: string): Promise<string> {
  const stats = await viewer.evaluate(() => window.__meeting!.getStats());
  const camera = stats.find((s) => s.memberId === memberId && s.source === 'camera');
  if (!camera?.producerId) {
    throw new Error(`no camera of ${memberId} in the viewer's stats`);
  }
  return camera.producerId;
}

/** The keys `page` installed for decrypting `memberId` (plus its own sender keys when it is that member). */
async function keysFor(page: Page, memberId: string | undefined) {
  return (await capturedKeys(page)).filter((k) => k.memberId === memberId);
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByTestId('toggle-chat').click();
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
}

test('three participants meet end-to-end encrypted: the SFU forwards only ciphertext, a wrong key decodes nothing, no key or chat text reaches the server', async ({
  browser,
}) => {
  const meeting = await createMeetingViaUi(browser);
  expect(meeting.hash, 'the invite link carries its secret in the fragment').toMatch(
    /^#k=[A-Za-z0-9_-]{43}$/,
  );
  const alice = await joinAs(browser, meeting.path, 'Alice');
  const bob = await joinAs(browser, meeting.path, 'Bob');
  const carol = await joinAs(browser, meeting.path, 'Carol');
  const aliceId = await memberIdOf(bob, 'Alice');
  const bobId = await memberIdOf(alice, 'Bob');
  const carolId = await memberIdOf(alice, 'Carol');

  // (1) Everyone sees and hears everyone, through SFrame.
  for (const [viewer, ids] of [
    [alice, [bobId, carolId]],
    [bob, [aliceId, carolId]],
    [carol, [aliceId, bobId]],
  ] as const) {
    for (const id of ids) {
      await expectDecoding(viewer, id, 'camera', 'video');
    }
  }
  await expectDecoding(bob, aliceId, 'microphone', 'audio');
  await expectDecoding(carol, bobId, 'microphone', 'audio');
  for (const page of [alice, bob, carol]) {
    await expect(page.getByTestId('e2ee-status')).toHaveAttribute('data-state', 'on');
  }
  const codes = await Promise.all([alice, bob].map((p) => p.getByTestId('safety-code-room').textContent()));
  expect(codes[0]).toMatch(/\d/);
  expect(codes[0], 'both sides read the same room safety code').toBe(codes[1]);

  // (2) What the SFU forwards: SFrame after the codec's clear prefix, unreadable without a key.
  const producerId = await cameraProducerOf(bob, aliceId);
  const tapped = await tapProducer(meeting.meetingId, producerId, 800, 10_000);
  expect(tapped.mimeType.toLowerCase()).toBe('video/vp8');
  const frames = vp8Frames(tapped.packets);
  expect(frames.length, `frames rebuilt from ${tapped.packets.length} packets`).toBeGreaterThanOrEqual(10);
  const report = inspectVp8Frames(frames);
  expect(report.sframeFrames).toBe(report.frames);
  expect(report.senderIndexes.size).toBe(1);
  expect([...report.kinds]).toEqual(['video']);
  expect(report.ctrUnique, 'no (KID, CTR) pair is ever reused').toBe(true);
  const senderIndex = [...report.senderIndexes][0]!;
  const operator = await openWith(frames, [], senderIndex);
  expect(operator.ok, `the operator opened frames: ${JSON.stringify(operator)}`).toBe(0);
  // Positive control: with the key Bob holds for Alice, the same captured frames open.
  const member = await openWith(frames, await keysFor(bob, aliceId), senderIndex);
  expect(member.ok, JSON.stringify(member)).toBeGreaterThanOrEqual(Math.floor(frames.length * 0.8));
  expect(member.plaintextEqualsWire).toBe(0);
  process.stdout.write(
    `  tap: ${tapped.packets.length} packets, ${frames.length} frames, all SFrame; operator opened ${operator.ok}, Bob's key opened ${member.ok}\n`,
  );

  // Chat, sealed in the browser.
  const secret = `Plaidoirie confidentielle ${randomBytes(6).toString('hex')}`;
  await sendChat(alice, secret);
  for (const page of [bob, carol]) {
    await expect(page.getByTestId('chat-message').filter({ hasText: secret })).toHaveAttribute(
      'data-state',
      'ok',
    );
  }

  // (5) No key material and no chat text in any server log or server-visible message.
  const keys = [...(await capturedKeys(alice)), ...(await capturedKeys(bob)), ...(await capturedKeys(carol))];
  expect(
    keys.length,
    'keys were captured from the pages (the search below is not vacuous)',
  ).toBeGreaterThanOrEqual(6);
  const serverLog = readFileSync(SERVER_LOG, 'utf8');
  const wire = [alice, bob, carol].flatMap((p) => wireFrames.get(p) ?? []).join('\n');
  expect(wire, 'the wire capture saw the meeting').toContain('Alice');
  expect(wire).toContain('sendChat');
  for (const haystack of [serverLog, wire]) {
    expect(haystack.includes(secret), 'chat text reached the server').toBe(false);
    for (const key of keys) {
      for (const form of keyForms(key.key)) {
        expect(haystack.includes(form), `key bytes (${form.slice(0, 8)}...) reached the server`).toBe(false);
      }
    }
  }

  // (3) A participant given a wrong key for Alice decodes nothing of her, the others still do.
  await carol.evaluate((id) => window.__meeting!.installWrongKeyForTest!(id), aliceId);
  await carol.waitForTimeout(1500);
  const stalled = await progress(carol, aliceId, 'camera', 'video', 3000);
  expect(stalled.delta, `Carol decoded with a wrong key: ${JSON.stringify(stalled)}`).toBeLessThanOrEqual(2);
  await expectDecoding(bob, aliceId, 'camera', 'video');
});

test('a participant who left cannot decrypt what is sent afterwards', async ({ browser }) => {
  const meeting = await createMeetingViaUi(browser);
  const alice = await joinAs(browser, meeting.path, 'Alice');
  const bob = await joinAs(browser, meeting.path, 'Bob');
  const dave = await joinAs(browser, meeting.path, 'Dave');
  const aliceId = await memberIdOf(bob, 'Alice');
  const daveId = await memberIdOf(bob, 'Dave');
  await expectDecoding(dave, aliceId, 'camera', 'video');
  const producerId = await cameraProducerOf(bob, aliceId);

  const before = vp8Frames((await tapProducer(meeting.meetingId, producerId, 800, 10_000)).packets);
  expect(before.length).toBeGreaterThanOrEqual(5);
  const senderIndex = [...inspectVp8Frames(before).senderIndexes][0]!;
  const daveKeys = await keysFor(dave, aliceId);
  expect(daveKeys.length).toBeGreaterThan(0);
  // Positive control: while he is in, Dave's keys open Alice's frames.
  expect((await openWith(before, daveKeys, senderIndex)).ok).toBeGreaterThanOrEqual(
    Math.floor(before.length * 0.8),
  );

  await dave.getByTestId('leave-button').click();
  await expect(bob.locator(`[data-testid="tile"][data-member-id="${daveId}"]`)).toHaveCount(0);
  // Senders switch to the fresh key after the others' acknowledgements (or a short timeout).
  await expect
    .poll(
      async () => {
        const frames = vp8Frames((await tapProducer(meeting.meetingId, producerId, 200, 3000)).packets);
        return (await openWith(frames, daveKeys, senderIndex)).ok;
      },
      { timeout: 20_000, message: 'Alice kept sending under a key Dave holds' },
    )
    .toBe(0);
  const after = vp8Frames((await tapProducer(meeting.meetingId, producerId, 800, 10_000)).packets);
  expect(after.length).toBeGreaterThanOrEqual(5);
  const byDave = await openWith(after, daveKeys, senderIndex);
  expect(byDave.ok, JSON.stringify(byDave)).toBe(0);
  // The members who stayed still open them, and still see Alice.
  const byBob = await openWith(after, await keysFor(bob, aliceId), senderIndex);
  expect(byBob.ok, JSON.stringify(byBob)).toBeGreaterThanOrEqual(Math.floor(after.length * 0.8));
  await expectDecoding(bob, aliceId, 'camera', 'video');
  process.stdout.write(
    `  after leaving: Dave's keys opened ${byDave.ok}/${after.length}, Bob's ${byBob.ok}/${after.length}\n`,
  );
  await alice.close();
});
