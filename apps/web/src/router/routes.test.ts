import { describe, expect, it } from 'vitest';
import {
  hostPath,
  inviteLink,
  invitePath,
  meetingLink,
  meetingPath,
  organiserMeetingPath,
  parseRoute,
  returnPathFrom,
  signInPath,
} from './routes.ts';

const MEETING_ID = 'AbCdEfGhIjKlMnOpQrStUv';
const INVITE_ID = 'InViTeIdInViTeIdInViTe';

describe('routes', () => {
  it('parses the home page', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' });
  });

  it('parses an open meeting path, with or without a trailing slash', () => {
    const route = { name: 'meeting', access: { kind: 'open', meetingId: MEETING_ID } };
    expect(parseRoute(`/m/${MEETING_ID}`)).toEqual(route);
    expect(parseRoute(`/m/${MEETING_ID}/`)).toEqual(route);
  });

  it('parses a guest invite path and the host path as meeting accesses', () => {
    expect(parseRoute(`/i/${INVITE_ID}`)).toEqual({
      name: 'meeting',
      access: { kind: 'invite', inviteId: INVITE_ID },
    });
    expect(parseRoute(`/h/${MEETING_ID}/`)).toEqual({
      name: 'meeting',
      access: { kind: 'host', meetingId: MEETING_ID },
    });
  });

  it('parses the organiser pages', () => {
    expect(parseRoute('/connexion')).toEqual({ name: 'sign-in' });
    expect(parseRoute('/inscription')).toEqual({ name: 'enrolment' });
    expect(parseRoute('/organisateur')).toEqual({ name: 'dashboard' });
    expect(parseRoute('/organisateur/')).toEqual({ name: 'dashboard' });
    expect(parseRoute(`/organisateur/reunions/${MEETING_ID}`)).toEqual({
      name: 'organiser-meeting',
      meetingId: MEETING_ID,
    });
  });

  it('sends anything else to not-found', () => {
    expect(parseRoute('/m/')).toEqual({ name: 'not-found' });
    expect(parseRoute('/m/a/b')).toEqual({ name: 'not-found' });
    expect(parseRoute('/i/')).toEqual({ name: 'not-found' });
    expect(parseRoute('/h/a/b')).toEqual({ name: 'not-found' });
    expect(parseRoute('/admin')).toEqual({ name: 'not-found' });
    expect(parseRoute('/organisateur/reunions/')).toEqual({ name: 'not-found' });
    expect(parseRoute('/organisateur/autre')).toEqual({ name: 'not-found' });
    expect(parseRoute('/connexion/x')).toEqual({ name: 'not-found' });
    expect(parseRoute('/m/%E0%A4%A')).toEqual({ name: 'not-found' });
  });

  it('sends an id the service cannot have made to not-found, like the server', () => {
    expect(parseRoute('/m/court')).toEqual({ name: 'not-found' });
    expect(parseRoute('/i/pas-un-lien')).toEqual({ name: 'not-found' });
    expect(parseRoute(`/h/${MEETING_ID}!`)).toEqual({ name: 'not-found' });
    expect(parseRoute('/organisateur/reunions/x')).toEqual({ name: 'not-found' });
    expect(parseRoute(`/m/${'a'.repeat(65)}`)).toEqual({ name: 'not-found' });
  });

  it('builds the paths each page links to, and they parse back', () => {
    expect(meetingPath('abc_DEF-123')).toBe('/m/abc_DEF-123');
    expect(invitePath(INVITE_ID)).toBe(`/i/${INVITE_ID}`);
    expect(hostPath(MEETING_ID)).toBe(`/h/${MEETING_ID}`);
    expect(organiserMeetingPath(MEETING_ID)).toBe(`/organisateur/reunions/${MEETING_ID}`);
    expect(parseRoute(organiserMeetingPath(MEETING_ID))).toEqual({
      name: 'organiser-meeting',
      meetingId: MEETING_ID,
    });
    expect(meetingLink('https://visio.example.fr', 'abc')).toBe('https://visio.example.fr/m/abc');
  });

  it('puts the link secret in the fragment only, so that the path the server sees has none', () => {
    const secret = 'cCQJOjjToJ8tde6pQSgplg6MoG-W-SEHBCqV1Hyn6Os';
    const link = new URL(meetingLink('https://visio.example.fr', 'abc', secret));
    expect(link.pathname).toBe('/m/abc');
    expect(link.search).toBe('');
    expect(link.hash).toBe(`#k=${secret}`);
    const open = new URL(meetingLink('https://visio.example.fr', MEETING_ID, secret));
    expect(parseRoute(open.pathname)).toEqual({
      name: 'meeting',
      access: { kind: 'open', meetingId: MEETING_ID },
    });

    const invite = new URL(inviteLink('https://visio.example.fr', INVITE_ID, secret));
    expect(invite.pathname).toBe(`/i/${INVITE_ID}`);
    expect(invite.search).toBe('');
    expect(invite.hash).toBe(`#k=${secret}`);
    expect(inviteLink('https://visio.example.fr', INVITE_ID, null)).toBe(
      `https://visio.example.fr/i/${INVITE_ID}`,
    );
  });

  it('returns after sign-in only to an organiser page or the host page', () => {
    expect(signInPath()).toBe('/connexion');
    expect(signInPath('/organisateur')).toBe('/connexion');
    const back = signInPath(organiserMeetingPath(MEETING_ID));
    expect(back).toBe(`/connexion?retour=%2Forganisateur%2Freunions%2F${MEETING_ID}`);
    expect(returnPathFrom(new URL(back, 'https://x.example').search)).toBe(organiserMeetingPath(MEETING_ID));
    expect(returnPathFrom(`?retour=${encodeURIComponent(hostPath(MEETING_ID))}`)).toBe(hostPath(MEETING_ID));
    expect(signInPath('//evil.example/organisateur')).toBe('/connexion');
    expect(returnPathFrom('?retour=%2F%2Fevil.example')).toBe('/organisateur');
    expect(returnPathFrom('?retour=https%3A%2F%2Fevil.example%2Forganisateur')).toBe('/organisateur');
    expect(returnPathFrom('?retour=%2Fm%2Fabc')).toBe('/organisateur');
    expect(returnPathFrom('')).toBe('/organisateur');
  });
});
