import { expect, test } from '@playwright/test';
import { closeJoinedContexts, expectDecoding, joinAs, memberIdOf, progress } from '../support/meeting.ts';

test.afterEach(closeJoinedContexts);

/**
 * The foundation: people meet through the real mediasoup SFU, in real
 * Chromium with fake camera and microphone, on loopback only.
 */
test('two participants see and hear each other, share a screen, a late joiner sees both, a leaver disappears', async ({
  browser,
}) => {
  // Alice creates a meeting from the home page.
  const alice0 = await browser.newContext();
  const home = await alice0.newPage();
  await home.goto('/');
  await home.getByTestId('create-meeting').click();
  await expect(home).toHaveURL(/\/m\/[A-Za-z0-9_-]{22,}(#k=[A-Za-z0-9_-]+)?$/);
  const created = new URL(home.url());
  const meetingPath = created.pathname + created.hash;
  await alice0.close();

  const alice = await joinAs(browser, meetingPath, 'Alice');
  const bob = await joinAs(browser, meetingPath, 'Bob');

  const aliceId = await memberIdOf(bob, 'Alice');
  const bobId = await memberIdOf(alice, 'Bob');

  // Each decodes the other's video and receives the other's audio.
  await expectDecoding(bob, aliceId, 'camera', 'video');
  await expectDecoding(alice, bobId, 'camera', 'video');
  await expectDecoding(bob, aliceId, 'microphone', 'audio');
  await expectDecoding(alice, bobId, 'microphone', 'audio');

  // Negative control: with Alice's camera off, Bob's decoded frame count for it
  // stops rising; the same measurement that passed above now shows ~0.
  await alice.getByTestId('toggle-camera').click();
  await expect(alice.getByTestId('toggle-camera')).toHaveAttribute('aria-pressed', 'false');
  await bob.waitForTimeout(1500);
  const stalled = await progress(bob, aliceId, 'camera', 'video', 3000);
  expect(
    stalled.delta,
    `frames decoded while the camera was off: ${JSON.stringify(stalled)}`,
  ).toBeLessThanOrEqual(2);
  await alice.getByTestId('toggle-camera').click();
  await expect(alice.getByTestId('toggle-camera')).toHaveAttribute('aria-pressed', 'true');
  await expectDecoding(bob, aliceId, 'camera', 'video');

  // Alice shares her screen; Bob decodes it in a tile of its own.
  await alice.getByTestId('toggle-screen').click();
  await expect(
    bob.locator(`[data-testid="tile"][data-member-id="${aliceId}"][data-source="screen"]`),
  ).toBeVisible();
  await expectDecoding(bob, aliceId, 'screen', 'video');

  // Carol joins late and sees both, screen included.
  const carol = await joinAs(browser, meetingPath, 'Carol');
  expect(await memberIdOf(carol, 'Alice')).toBe(aliceId);
  expect(await memberIdOf(carol, 'Bob')).toBe(bobId);
  await expectDecoding(carol, aliceId, 'camera', 'video');
  await expectDecoding(carol, bobId, 'camera', 'video');
  await expectDecoding(carol, aliceId, 'screen', 'video');
  await expectDecoding(carol, bobId, 'microphone', 'audio');

  // Bob leaves: Alice's and Carol's UIs drop his tile.
  await bob.getByTestId('leave-button').click();
  for (const page of [alice, carol]) {
    await expect(page.locator(`[data-testid="tile"][data-member-id="${bobId}"]`)).toHaveCount(0);
  }
  // The others still see each other.
  await expectDecoding(carol, aliceId, 'camera', 'video');
});
