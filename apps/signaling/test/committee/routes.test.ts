import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agendaResponseSchema } from '@confidentiel/protocol';
import { keyIdOf, publicKeyFromPem } from '@confidentiel/journal';
import { JOURNAL_KEY_ID_HEADER } from '../../src/committee/committeeRoutes.ts';
import { startCommitteeHarness, type CommitteeHarness } from './support.ts';

const ITEM_ID = /^[A-Za-z0-9_-]{16}$/;

describe('agenda and journal routes', () => {
  let h: CommitteeHarness;
  let meetingId: string;
  let notFound: unknown;

  beforeAll(async () => {
    h = await startCommitteeHarness();
    meetingId = await h.createMeeting();
    notFound = await (await h.api('GET', `/organiser/meetings/${'A'.repeat(22)}/agenda`)).json();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  const agendaPath = (id = meetingId): string => `/organiser/meetings/${id}/agenda`;

  async function agendaOf(id = meetingId): Promise<unknown> {
    const res = await h.api('GET', agendaPath(id));
    expect(res.status).toBe(200);
    return agendaResponseSchema.parse(await res.json());
  }

  it('keeps the agenda an organiser prepares, each item with a fresh random id', async () => {
    expect(await agendaOf()).toEqual({ items: [] });
    const items = await h.putAgenda(meetingId, [
      { title: '  Approbation du procès-verbal  ', plannedMinutes: 5 },
      { title: 'Budget', presenter: 'M. le Trésorier', plannedMinutes: 30, notes: 'Pièces jointes' },
    ]);
    expect(items).toEqual([
      {
        itemId: expect.stringMatching(ITEM_ID),
        title: 'Approbation du procès-verbal',
        presenter: null,
        plannedMinutes: 5,
        notes: '',
        status: 'pending',
        elapsedMs: 0,
        speakingMs: {},
      },
      {
        itemId: expect.stringMatching(ITEM_ID),
        title: 'Budget',
        presenter: 'M. le Trésorier',
        plannedMinutes: 30,
        notes: 'Pièces jointes',
        status: 'pending',
        elapsedMs: 0,
        speakingMs: {},
      },
    ]);
    expect(await agendaOf()).toEqual({ items });
    const again = await h.putAgenda(meetingId, [{ title: 'Budget' }]);
    expect(again[0]!.itemId).not.toBe(items[0]!.itemId);
    expect(again[0]!.itemId).not.toBe(items[1]!.itemId);
  });

  it("answers for another organiser's meeting exactly as for an unknown one", async () => {
    expect(notFound).toEqual({ reason: 'room-not-found', message: 'room not found' });
    const before = await agendaOf();
    for (const [method, path] of [
      ['GET', agendaPath()],
      ['PUT', agendaPath()],
      ['GET', `/organiser/meetings/${meetingId}/journals`],
      ['GET', `/organiser/meetings/${meetingId}/journals/2030-01-01T00:00:00.000Z`],
    ] as const) {
      const body = method === 'PUT' ? { items: [{ title: 'Pris' }] } : undefined;
      const res = await h.api(method, path, { as: h.stranger, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual(notFound);
    }
    expect(await agendaOf()).toEqual(before);
  });

  it('requires a signed-in organiser, and the CSRF token to change an agenda', async () => {
    const before = await agendaOf();
    expect((await h.api('GET', agendaPath(), { as: null })).status).toBe(401);
    const anonymous = await h.api('PUT', agendaPath(), { as: null, body: { items: [] } });
    expect(anonymous.status).toBe(401);
    const noCsrf = await h.api('PUT', agendaPath(), { csrf: false, body: { items: [] } });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { reason: string }).reason).toBe('csrf');
    expect(await agendaOf()).toEqual(before);
  });

  it('refuses a bad agenda with the reason, and keeps the one it had', async () => {
    const before = await agendaOf();
    for (const body of [
      {},
      { items: [{ title: '' }] },
      { items: [{ title: '   ' }] },
      { items: [{ title: 'x'.repeat(201) }] },
      { items: [{ title: 'Budget', plannedMinutes: 601 }] },
      { items: [{ title: 'Budget', itemId: 'chosen-by-me' }] },
      { items: [{ title: 'Budget', status: 'closed' }] },
      { items: Array.from({ length: 101 }, () => ({ title: 'Point' })) },
      { items: [], extra: true },
    ]) {
      const res = await h.api('PUT', agendaPath(), { body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(((await res.json()) as { reason: string }).reason).toBe('invalid-payload');
    }
    expect(await agendaOf()).toEqual(before);
  });

  it("takes a full agenda larger than the API's usual 16 KB body", async () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      title: `Point ${i + 1}`,
      notes: 'n'.repeat(3000),
    }));
    const saved = await h.putAgenda(meetingId, items);
    expect(saved).toHaveLength(100);
    expect(new Set(saved.map((i) => i.itemId)).size).toBe(100);
  });

  it('refuses an agenda for a meeting that is not a committee, or whose session is under way', async () => {
    const consultation = await h.createMeeting('consultation');
    const notCommittee = await h.api('PUT', agendaPath(consultation), {
      body: { items: [{ title: 'Budget' }] },
    });
    expect(notCommittee.status).toBe(409);

    const live = await h.createMeeting();
    await h.putAgenda(live, [{ title: 'Budget' }]);
    const chair = await h.arrive(live, 'host', 'Maître Martin');
    const during = await h.api('PUT', agendaPath(live), { body: { items: [{ title: 'Autre' }] } });
    expect(during.status).toBe(409);
    expect(((await during.json()) as { message: string }).message).toContain('under way');
    chair.socket.close();
  });

  it('publishes the journal public key with its key id; the private key is for the owner only', async () => {
    const res = await fetch(`${h.baseUrl}/api/journal/public-key`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const pem = await res.text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pem).not.toContain('PRIVATE');
    expect(res.headers.get(JOURNAL_KEY_ID_HEADER)).toBe(keyIdOf(publicKeyFromPem(pem)));
    const keyPath = join(h.dataDir, 'journal-ed25519.pem');
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(publicKeyFromPem(pem).export({ format: 'jwk' })).toEqual(
      publicKeyFromPem(await readFile(keyPath, 'utf8')).export({ format: 'jwk' }),
    );
  });
});
