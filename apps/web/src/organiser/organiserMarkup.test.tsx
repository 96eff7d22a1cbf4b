import type { InviteSummary, MeetingSummary } from '@confidentiel/protocol';
import i18n from 'i18next';
import { renderToStaticMarkup } from 'react-dom/server';
import { initReactI18next } from 'react-i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrganiserApi } from '../api/organiserApi.ts';
import { resources } from '../i18n/index.ts';

/*
 * The organiser forms rendered to markup (no DOM in unit tests): the test ids
 * the browser tests use, labels on every field, nothing left untranslated.
 */

const MEETING: MeetingSummary = {
  meetingId: 'AbCdEfGhIjKlMnOpQrStUv',
  title: 'Consultation Martin',
  kind: 'consultation',
  startsAt: 1_900_000_000_000,
  status: 'scheduled',
  lastSession: null,
  allowEarlyEntry: false,
  createdAt: 1,
};
const INVITE: InviteSummary = {
  inviteId: 'InViTeIdInViTeIdInViTe',
  meetingId: MEETING.meetingId,
  label: 'M. Martin',
  role: 'participant',
  requirePasscode: true,
  requireAdmission: false,
  singleUse: false,
  expiresAt: null,
  createdAt: 2,
  revokedAt: null,
  uses: 0,
};
const api = new OrganiserApi('csrf-0123456789abcdef', () =>
  Promise.reject(new Error('no server in this test')),
);
const done = (): Promise<void> => Promise.resolve();

beforeAll(async () => {
  // The components read the page's origin; nothing else of `window` is touched while rendering.
  Object.assign(globalThis, { window: { location: { origin: 'https://visio.example.fr' } } });
  await i18n.use(initReactI18next).init({ resources, lng: 'fr', interpolation: { escapeValue: false } });
});

/** Every visible input, select and textarea has a label naming it (by `for`, or wrapped). */
function expectLabelledFields(html: string): void {
  const labelled = new Set([...html.matchAll(/<label[^>]*for="([^"]+)"/g)].map((m) => m[1]));
  const wrapped = [...html.matchAll(/<label[^>]*>(?:(?!<\/label>).)*?<(input|select)\b[^>]*>/gs)].length;
  const fields = [...html.matchAll(/<(input|select|textarea)\b([^>]*)>/g)].filter(
    (m) => !/\bhidden\b/.test(m[2] ?? ''),
  );
  const unlabelled = fields.filter((m) => {
    const id = /\bid="([^"]+)"/.exec(m[2] ?? '')?.[1];
    return id === undefined || !labelled.has(id);
  });
  expect(unlabelled.length, unlabelled.map((m) => m[0]).join('\n')).toBeLessThanOrEqual(wrapped);
}

describe('organiser markup', () => {
  it('offers the three confidentiality levels, labelled, with the test ids of the invite form', async () => {
    const { NewInviteForm } = await import('./NewInviteForm.tsx');
    const html = renderToStaticMarkup(
      <NewInviteForm meetingId={MEETING.meetingId} linkSecret={null} api={api} onCreated={done} />,
    );
    for (const id of ['invite-form', 'invite-level-1', 'invite-level-2', 'invite-level-3', 'invite-submit']) {
      expect(html).toContain(`data-testid="${id}"`);
    }
    expect(html).toContain('Lien seul');
    expect(html).toContain('Lien + code d&#x27;accès');
    expect(html).toContain('Salle d&#x27;attente : vous admettez chaque personne');
    expectLabelledFields(html);
    expect(html).not.toMatch(/organiser\.[a-z]/);
  });

  it('lets the organiser revoke an active invite only', async () => {
    const { InviteTable } = await import('./InviteTable.tsx');
    const revoked = { ...INVITE, inviteId: 'RevokedRevokedRevokedR', revokedAt: 3, label: null };
    const html = renderToStaticMarkup(
      <InviteTable
        meetingId={MEETING.meetingId}
        invites={[INVITE, revoked]}
        linkSecret={null}
        api={api}
        announce={() => {}}
        onChanged={done}
      />,
    );
    expect(html.match(/data-testid="revoke-invite"/g)).toHaveLength(1);
    expect(html).toContain(`data-testid="revoke-invite" data-invite-id="${INVITE.inviteId}"`);
    expect(html).toContain('data-state="revoked"');
    expect(html).toContain('Lien partagé');
  });

  it('labels the create-meeting, edit and admin forms', async () => {
    const { CreateMeetingForm } = await import('./CreateMeetingForm.tsx');
    const { MeetingEditForm } = await import('./MeetingEditForm.tsx');
    const { AccountInviteForm } = await import('./AccountInviteForm.tsx');
    const create = renderToStaticMarkup(<CreateMeetingForm api={api} />);
    expect(create).toContain('data-testid="create-meeting-form"');
    expect(create).toContain('<option value="committee">Commission</option>');
    for (const html of [
      create,
      renderToStaticMarkup(<MeetingEditForm meeting={MEETING} api={api} onChanged={done} />),
      renderToStaticMarkup(<AccountInviteForm csrfToken="csrf-0123456789abcdef" />),
    ]) {
      expectLabelledFields(html);
      expect(html).not.toMatch(/organiser\.[a-z]/);
    }
  });

  it('shows a value to copy as plain text, so the link or passcode reads exactly', async () => {
    const { CopyField } = await import('./CopyField.tsx');
    const html = renderToStaticMarkup(
      <CopyField
        label="Code"
        value="48213957"
        copyLabel="Copier"
        valueTestId="invite-passcode"
        copyTestId="c"
      />,
    );
    expect(html).toMatch(/data-testid="invite-passcode"[^>]*>48213957<\/code>/);
  });
});
