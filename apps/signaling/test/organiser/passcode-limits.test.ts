import { afterEach, describe, expect, it } from 'vitest';
import {
  PASSCODE_ATTEMPTS_PER_CLIENT,
  PASSCODE_ATTEMPTS_PER_INVITE,
  PASSCODE_WINDOW_SECONDS,
} from '../../src/invites/PasscodeAttempts.ts';
import { HashGate } from '../../src/crypto/HashGate.ts';
import { errorOf, startOrganiserApp, type OrganiserApp } from './support.ts';

/** A passcode that is not `right` (8 digits). */
const wrongFor = (right: string | null): string => (right === '00000000' ? '11111111' : '00000000');

describe('passcode attempts', () => {
  let h: OrganiserApp | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function passcodeInvite(app: OrganiserApp): Promise<{ id: string; passcode: string }> {
    const meeting = await app.createMeeting();
    const created = await app.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
    });
    return { id: created.invite.inviteId, passcode: created.passcode! };
  }

  it('uses 5 guesses per invite and 20 per client in 15 minutes by default', () => {
    expect([PASSCODE_ATTEMPTS_PER_INVITE, PASSCODE_ATTEMPTS_PER_CLIENT, PASSCODE_WINDOW_SECONDS]).toEqual([
      5, 20, 900,
    ]);
  });

  it('refuses wrong passcodes, then rate-limits the invite: even the right passcode is refused', async () => {
    h = await startOrganiserApp();
    const { id, passcode } = await passcodeInvite(h);
    for (let i = 0; i < PASSCODE_ATTEMPTS_PER_INVITE; i++) {
      const res = await h.redeem(id, { displayName: 'Guesser', passcode: wrongFor(passcode) });
      expect((await errorOf(res, 401)).reason).toBe('wrong-passcode');
    }
    const right = await h.redeem(id, { displayName: 'Client', passcode });
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(PASSCODE_WINDOW_SECONDS - 60);
    expect(retryAfter).toBeLessThanOrEqual(PASSCODE_WINDOW_SECONDS);
    expect(await errorOf(right, 429)).toEqual({
      reason: 'rate-limited',
      message: 'too many attempts, try again later',
    });
    expect((await h.invites.get(id))!.uses).toBe(0);
  });

  it('does not count right passcodes against the limit', async () => {
    h = await startOrganiserApp();
    const { id, passcode } = await passcodeInvite(h);
    for (let i = 0; i < PASSCODE_ATTEMPTS_PER_INVITE - 1; i++) {
      await h.redeem(id, { displayName: 'Client', passcode: wrongFor(passcode) });
    }
    for (let i = 0; i < 3; i++) {
      await h.claimsOf(await h.redeem(id, { displayName: 'Client', passcode }));
    }
  });

  it('limits one invite without limiting the others', async () => {
    h = await startOrganiserApp();
    const attacked = await passcodeInvite(h);
    const other = await passcodeInvite(h);
    for (let i = 0; i <= PASSCODE_ATTEMPTS_PER_INVITE; i++) {
      await h.redeem(attacked.id, { displayName: 'Guesser', passcode: wrongFor(attacked.passcode) });
    }
    expect((await h.redeem(attacked.id, { displayName: 'x', passcode: attacked.passcode })).status).toBe(429);
    await h.claimsOf(await h.redeem(other.id, { displayName: 'Client', passcode: other.passcode }));
  });

  it('limits a client guessing across many invites', async () => {
    h = await startOrganiserApp();
    const invites = [];
    for (
      let i = 0;
      i < Math.ceil(PASSCODE_ATTEMPTS_PER_CLIENT / (PASSCODE_ATTEMPTS_PER_INVITE - 1)) + 1;
      i++
    ) {
      invites.push(await passcodeInvite(h));
    }
    // Spread the guesses so that no invite reaches its own limit.
    let guesses = 0;
    for (const invite of invites) {
      for (let i = 0; i < PASSCODE_ATTEMPTS_PER_INVITE - 1 && guesses < PASSCODE_ATTEMPTS_PER_CLIENT; i++) {
        const res = await h.redeem(invite.id, {
          displayName: 'Guesser',
          passcode: wrongFor(invite.passcode),
        });
        expect(res.status).toBe(401);
        guesses++;
      }
    }
    const fresh = invites.at(-1)!;
    expect((await h.invites.get(fresh.id))!.uses).toBe(0);
    const res = await h.redeem(fresh.id, { displayName: 'Guesser', passcode: fresh.passcode });
    expect((await errorOf(res, 429)).reason).toBe('rate-limited');
    expect(h.logs.join('\n')).toContain('rate-limited');
    // Addresses are never logged.
    expect(h.logs.join('\n')).not.toMatch(/127\.0\.0\.1|::1\b|::ffff:/);
  });

  it('does not count a missing passcode as a guess', async () => {
    h = await startOrganiserApp();
    const { id, passcode } = await passcodeInvite(h);
    for (let i = 0; i < PASSCODE_ATTEMPTS_PER_INVITE + 2; i++) {
      expect((await h.redeem(id, { displayName: 'Client' })).status).toBe(401);
    }
    await h.claimsOf(await h.redeem(id, { displayName: 'Client', passcode }));
  });

  it('lets guesses again once the window has passed', async () => {
    h = await startOrganiserApp({ passcodeLimits: { perInvite: 2, perClient: 10, windowSeconds: 2 } });
    const { id, passcode } = await passcodeInvite(h);
    for (let i = 0; i < 2; i++) {
      await h.redeem(id, { displayName: 'Client', passcode: wrongFor(passcode) });
    }
    const limited = await h.redeem(id, { displayName: 'Client', passcode });
    expect(limited.status).toBe(429);
    expect(['1', '2']).toContain(limited.headers.get('retry-after'));
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await h.claimsOf(await h.redeem(id, { displayName: 'Client', passcode }));
  });

  it('keeps concurrent guesses within the limit while checks are in flight', async () => {
    h = await startOrganiserApp();
    const { id, passcode } = await passcodeInvite(h);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        h!.redeem(id, { displayName: 'Guesser', passcode: wrongFor(passcode) }),
      ),
    );
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(PASSCODE_ATTEMPTS_PER_INVITE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - PASSCODE_ATTEMPTS_PER_INVITE);
  });

  it('answers 503 busy with Retry-After while passcode hashing is full, and counts no guess', async () => {
    const passcodeGate = new HashGate({ concurrency: 1, maxQueue: 0, maxWaitMs: 4_000 });
    h = await startOrganiserApp({ passcodeGate });
    const { id, passcode } = await passcodeInvite(h);
    let release!: () => void;
    const holding = passcodeGate.run(() => new Promise<void>((resolve) => (release = resolve)));
    for (let i = 0; i <= PASSCODE_ATTEMPTS_PER_INVITE; i++) {
      const res = await h.redeem(id, {
        displayName: 'Client',
        passcode: i % 2 ? passcode : wrongFor(passcode),
      });
      expect(res.headers.get('retry-after')).toBe('4');
      expect(await errorOf(res, 503)).toEqual({
        reason: 'busy',
        message: 'the server is busy, try again in a moment',
      });
    }
    // Making an invite with a passcode hashes too.
    const meeting = await h.createMeeting();
    const creating = await h.call('POST', `/organiser/meetings/${meeting.meetingId}/invites`, {
      body: { requirePasscode: true, requireAdmission: false },
    });
    expect((await errorOf(creating, 503)).reason).toBe('busy');

    release();
    await holding;
    // None of the refused attempts was counted: the invite's guesses are all left.
    for (let i = 0; i < PASSCODE_ATTEMPTS_PER_INVITE - 1; i++) {
      expect((await h.redeem(id, { displayName: 'Guesser', passcode: wrongFor(passcode) })).status).toBe(401);
    }
    await h.claimsOf(await h.redeem(id, { displayName: 'Client', passcode }));
  });
});
