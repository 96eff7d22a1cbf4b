import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresEngine, sqliteEngine } from '../support/storeEngines.ts';
import { errorOf, manualClock, startOrganiserApp, type OrganiserApp } from './support.ts';

// The same races on both engines: SQLite, and PostgreSQL as several signaling nodes share it.
describe.each([sqliteEngine(), postgresEngine()])('single-use invite races on $name', (engine) => {
  let h: OrganiserApp;

  beforeEach(async () => {
    const clock = manualClock();
    const stores = await (await engine.newDatabase()).open({ now: clock.now });
    h = await startOrganiserApp({ clock, stores });
  });

  afterEach(async () => {
    await h?.close();
    await engine.cleanup();
  });

  afterAll(async () => {
    await engine.stop();
  });

  /** Fires `count` redemptions at once; gives the tokens issued and checks every refusal is invite-invalid. */
  async function race(inviteId: string, count: number, passcode?: string): Promise<number> {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        h.redeem(inviteId, { displayName: `Guest ${i}`, ...(passcode ? { passcode } : {}) }),
      ),
    );
    let tokens = 0;
    for (const res of answers) {
      if (res.status === 201) {
        await h.claimsOf(res);
        tokens++;
      } else {
        expect((await errorOf(res, 404)).reason).toBe('invite-invalid');
      }
    }
    return tokens;
  }

  it('issues exactly one token to concurrent redemptions of a single-use passcode invite', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: true,
      requireAdmission: false,
      singleUse: true,
    });
    // 5: every one of them gets its passcode checked (the per-invite limit), so all
    // are in flight between the usability check and the redemption at once.
    expect(await race(created.invite.inviteId, 5, created.passcode!)).toBe(1);
    expect((await h.invites.get(created.invite.inviteId))!.uses).toBe(1);
  });

  it('issues exactly one token to many concurrent redemptions of a single-use link', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: true,
      singleUse: true,
    });
    expect(await race(created.invite.inviteId, 20)).toBe(1);
    expect((await h.invites.get(created.invite.inviteId))!.uses).toBe(1);
  });

  it('redeems atomically in the store: of interleaved redemptions one wins', async () => {
    const meeting = await h.createMeeting();
    const created = await h.createInvite(meeting.meetingId, {
      requirePasscode: false,
      requireAdmission: false,
      singleUse: true,
    });
    const results = await Promise.all([
      h.invites.redeem(created.invite.inviteId),
      h.invites.redeem(created.invite.inviteId),
      h.invites.redeem(created.invite.inviteId),
    ]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });
});
