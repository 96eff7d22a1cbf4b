import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInviteRequestSchema,
  createOrganiserMeetingRequestSchema,
  redeemInviteRequestSchema,
  updateOrganiserMeetingRequestSchema,
} from '@confidentiel/protocol';
import { errorOf, startOrganiserApp, type OrganiserApp } from './support.ts';

const SEED = Number(process.env.ORGANISER_FUZZ_SEED ?? 20_260_115);

const junkArbitrary = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 200 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('host', 'cancelled', '', ' ', 'x'.repeat(121), '\u0000', -1, 2 ** 60),
);

/**
 * Request-shaped bodies: each field valid or not, present or not, sometimes an
 * extra key (`__proto__` included, as an own key the way JSON.parse makes it),
 * and now and then arbitrary JSON. Most are refused, enough are accepted.
 */
const bodyArbitrary = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => {
  // JSON.stringify drops an undefined value: that is how a field goes missing.
  const shaped = fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([key, valid]) => [
        key,
        fc.oneof(
          { weight: 12, arbitrary: valid },
          { weight: 1, arbitrary: junkArbitrary },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
      ]),
    ),
  );
  const extra = fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'ownerId', 'status', 'passcodeHash'),
          fc.string(),
        ),
        junkArbitrary,
      ),
    },
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(shaped, extra)
        .map(([body, more]) => (more === null ? body : { ...body, [more[0]]: more[1] })),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
};

const kinds = fc.constantFrom('meeting', 'consultation', 'committee');
const meetingFields = {
  title: fc.string({ minLength: 1, maxLength: 120 }),
  kind: kinds,
  startsAt: fc.integer({ min: 0, max: 8_640_000_000_000_000 }),
  allowEarlyEntry: fc.boolean(),
};
const nameArbitrary = fc.string({ minLength: 1, maxLength: 64 });

/** Path segments that are not valid ids (and not `.`/`..`, which the URL parser would resolve). */
const badIdArbitrary = fc
  .string({ minLength: 1, maxLength: 100, unit: 'binary' })
  .filter((s) => s !== '.' && s !== '..' && !/^[A-Za-z0-9_-]{22,64}$/.test(s));

describe('organiser and invite input validation', () => {
  let h: OrganiserApp;
  let meetingId: string;
  let passcodeInviteId: string;
  let linkInviteId: string;

  beforeAll(async () => {
    h = await startOrganiserApp();
    meetingId = (await h.createMeeting()).meetingId;
    passcodeInviteId = (await h.createInvite(meetingId, { requirePasscode: true, requireAdmission: false }))
      .invite.inviteId;
    linkInviteId = (await h.createInvite(meetingId, { requirePasscode: false, requireAdmission: false }))
      .invite.inviteId;
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Every row of the feature tables, to show that a refused request changed nothing. */
  function snapshot(): string {
    const db = h.database.sqlite;
    return JSON.stringify([
      db.prepare('SELECT * FROM meetings ORDER BY id').all(),
      db.prepare('SELECT * FROM invites ORDER BY id').all(),
    ]);
  }

  it('refuses extra keys, __proto__ and constructor keys in every body with 400, changing nothing', async () => {
    const before = snapshot();
    const cases: [string, string, string][] = [
      [
        'POST',
        '/organiser/meetings',
        '{"title":"x","kind":"meeting","startsAt":0,"ownerId":"account-bob-000002"}',
      ],
      [
        'POST',
        '/organiser/meetings',
        '{"title":"x","kind":"meeting","startsAt":0,"__proto__":{"admin":true}}',
      ],
      [
        'POST',
        '/organiser/meetings',
        '{"title":"x","kind":"meeting","startsAt":0,"constructor":{"prototype":{}}}',
      ],
      ['PATCH', `/organiser/meetings/${meetingId}`, '{"status":"scheduled"}'],
      ['PATCH', `/organiser/meetings/${meetingId}`, '{"title":"y","__proto__":{"status":"cancelled"}}'],
      [
        'POST',
        `/organiser/meetings/${meetingId}/invites`,
        '{"requirePasscode":false,"requireAdmission":false,"passcode":"12345678"}',
      ],
      [
        'POST',
        `/organiser/meetings/${meetingId}/invites`,
        '{"requirePasscode":false,"requireAdmission":false,"role":"host"}',
      ],
      [
        'POST',
        `/organiser/meetings/${meetingId}/invites`,
        '{"requirePasscode":false,"requireAdmission":false,"__proto__":{"role":"host"}}',
      ],
      ['POST', `/organiser/meetings/${meetingId}/cancel`, '{"now":true}'],
      ['POST', `/organiser/meetings/${meetingId}/host-token`, '{"role":"host"}'],
      ['POST', `/organiser/meetings/${meetingId}/invites/${linkInviteId}/revoke`, '{"__proto__":{}}'],
      ['POST', `/invites/${linkInviteId}/join-tokens`, '{"displayName":"x","role":"host"}'],
      ['POST', `/invites/${linkInviteId}/join-tokens`, '{"displayName":"x","__proto__":{"lobby":false}}'],
    ];
    for (const [method, path, raw] of cases) {
      const res = await h.call(method, path, { raw });
      expect((await errorOf(res, 400)).reason, `${method} ${path} ${raw}`).toBe('invalid-payload');
    }
    expect(snapshot()).toBe(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses huge strings with 400 and bodies over 16 kB with 413', async () => {
    const before = snapshot();
    const long = 'x'.repeat(121);
    for (const [method, path, body] of [
      ['POST', '/organiser/meetings', { title: long, kind: 'meeting', startsAt: 0 }],
      ['PATCH', `/organiser/meetings/${meetingId}`, { title: long }],
      [
        'POST',
        `/organiser/meetings/${meetingId}/invites`,
        { label: 'x'.repeat(65), requirePasscode: false, requireAdmission: false },
      ],
      ['POST', `/invites/${linkInviteId}/join-tokens`, { displayName: 'x'.repeat(65) }],
      ['POST', `/invites/${passcodeInviteId}/join-tokens`, { displayName: 'x', passcode: '1'.repeat(13) }],
    ] as const) {
      expect((await errorOf(await h.call(method, path, { body }), 400)).reason).toBe('invalid-payload');
    }
    const huge = JSON.stringify({ title: 'x'.repeat(17_000), kind: 'meeting', startsAt: 0 });
    const res = await h.call('POST', '/organiser/meetings', { raw: huge });
    expect((await errorOf(res, 413)).reason).toBe('too-large');
    const redeem = await h.call('POST', `/invites/${linkInviteId}/join-tokens`, {
      raw: JSON.stringify({ displayName: 'x'.repeat(20_000) }),
    });
    expect(redeem.status).toBe(413);
    expect(snapshot()).toBe(before);
  });

  it('refuses malformed JSON and missing bodies with 400', async () => {
    const before = snapshot();
    for (const raw of ['{', '{"title":', 'null', '"text"', '[]', '{"title":"x",}']) {
      const res = await h.call('POST', '/organiser/meetings', { raw });
      expect((await errorOf(res, 400)).reason, raw).toBe('invalid-payload');
    }
    const noBody = await h.call('POST', `/invites/${linkInviteId}/join-tokens`, { account: undefined });
    expect((await errorOf(noBody, 400)).reason).toBe('invalid-payload');
    expect(snapshot()).toBe(before);
  });

  it('answers malformed meeting ids like unknown meetings (404), on every organiser route', async () => {
    const before = snapshot();
    await fc.assert(
      fc.asyncProperty(
        badIdArbitrary,
        fc.constantFrom('GET', 'PATCH', 'cancel', 'invites', 'host-token'),
        async (id, route) => {
          const base = `/organiser/meetings/${encodeURIComponent(id)}`;
          const res =
            route === 'GET' || route === 'PATCH'
              ? await h.call(route, base, { body: route === 'PATCH' ? { title: 'x' } : undefined })
              : await h.call('POST', `${base}/${route}`, {
                  body: route === 'invites' ? { requirePasscode: false, requireAdmission: false } : undefined,
                });
          expect(await errorOf(res, 404)).toEqual({ reason: 'room-not-found', message: 'room not found' });
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    expect(snapshot()).toBe(before);
  });

  it('answers malformed invite ids like unknown invites (404 invite-invalid)', async () => {
    const before = snapshot();
    await fc.assert(
      fc.asyncProperty(badIdArbitrary, fc.boolean(), async (id, preview) => {
        const path = `/invites/${encodeURIComponent(id)}`;
        const res = preview
          ? await h.call('GET', path, { account: undefined })
          : await h.call('POST', `${path}/join-tokens`, { account: undefined, body: { displayName: 'x' } });
        expect(await errorOf(res, 404)).toEqual({
          reason: 'invite-invalid',
          message: 'this invitation link is not valid',
        });
        const revoke = await h.call(
          'POST',
          `/organiser/meetings/${meetingId}/invites/${encodeURIComponent(id)}/revoke`,
        );
        expect((await errorOf(revoke, 404)).reason).toBe('invite-invalid');
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect(snapshot()).toBe(before);
  });

  it('property: a meeting body is accepted exactly when the protocol schema accepts it', async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(meetingFields), async (body) => {
        const raw = JSON.stringify(body);
        const before = snapshot();
        const res = await h.call('POST', '/organiser/meetings', { raw });
        const valid = createOrganiserMeetingRequestSchema.safeParse(JSON.parse(raw)).success;
        expect(res.status, raw).toBe(valid ? 201 : 400);
        seen[valid ? 'accepted' : 'refused']++;
        if (!valid) {
          expect(snapshot()).toBe(before);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    // Both sides of the property were exercised.
    expect(seen.accepted).toBeGreaterThan(15);
    expect(seen.refused).toBeGreaterThan(15);
  });

  it('property: a PATCH is applied exactly when the protocol schema accepts it', async () => {
    const target = (await h.createMeeting()).meetingId;
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(meetingFields), async (body) => {
        const raw = JSON.stringify(body);
        const before = snapshot();
        const res = await h.call('PATCH', `/organiser/meetings/${target}`, { raw });
        const valid = updateOrganiserMeetingRequestSchema.safeParse(JSON.parse(raw)).success;
        expect(res.status, raw).toBe(valid ? 200 : 400);
        seen[valid ? 'accepted' : 'refused']++;
        if (!valid) {
          expect(snapshot()).toBe(before);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    // Both sides of the property were exercised.
    expect(seen.accepted).toBeGreaterThan(15);
    expect(seen.refused).toBeGreaterThan(15);
  });

  it('property: an invite body is accepted exactly when the protocol schema accepts it (and not already past)', async () => {
    const now = h.clock.now();
    const fields = {
      label: fc.option(nameArbitrary, { nil: null }),
      role: fc.constantFrom('co-host', 'participant', 'observer'),
      requirePasscode: fc.boolean(),
      requireAdmission: fc.boolean(),
      singleUse: fc.boolean(),
      expiresAt: fc.option(fc.integer({ min: now - 1_000_000, max: now + 1_000_000_000 }), { nil: null }),
    };
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(fields), async (body) => {
        const raw = JSON.stringify(body);
        const before = snapshot();
        const res = await h.call('POST', `/organiser/meetings/${meetingId}/invites`, { raw });
        const parsed = createInviteRequestSchema.safeParse(JSON.parse(raw));
        const valid =
          parsed.success && (parsed.data.expiresAt === null || parsed.data.expiresAt > h.clock.now());
        expect(res.status, raw).toBe(valid ? 201 : 400);
        seen[valid ? 'accepted' : 'refused']++;
        if (!valid) {
          expect(snapshot()).toBe(before);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    // Both sides of the property were exercised.
    expect(seen.accepted).toBeGreaterThan(15);
    expect(seen.refused).toBeGreaterThan(15);
  });

  it('property: a redemption body is accepted exactly when the protocol schema accepts it', async () => {
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        bodyArbitrary({ displayName: nameArbitrary, passcode: fc.stringMatching(/^\d{6,12}$/) }),
        async (body) => {
          const raw = JSON.stringify(body);
          const before = snapshot();
          const res = await h.call('POST', `/invites/${linkInviteId}/join-tokens`, {
            account: undefined,
            raw,
          });
          const valid = redeemInviteRequestSchema.safeParse(JSON.parse(raw)).success;
          expect(res.status, raw).toBe(valid ? 201 : 400);
          seen[valid ? 'accepted' : 'refused']++;
          if (!valid) {
            expect(snapshot()).toBe(before);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
    // Both sides of the property were exercised.
    expect(seen.accepted).toBeGreaterThan(15);
    expect(seen.refused).toBeGreaterThan(15);
  });
});
