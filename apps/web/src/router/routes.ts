import { linkFragment } from '../e2ee/linkSecret.ts';
import type { MeetingAccess } from '../pages/meetingAccess.ts';

/** The app's pages, parsed from the location path. */
export type Route =
  | { name: 'home' }
  /** `/m/:meetingId` (open meeting), `/i/:inviteId` (guest's invite), `/h/:meetingId` (host). */
  | { name: 'meeting'; access: MeetingAccess }
  /** `/connexion`: organiser sign-in, password then one-time code. */
  | { name: 'sign-in' }
  /** `/inscription#t=<token>`: an invited organiser sets up the account. */
  | { name: 'enrolment' }
  /** `/organisateur`: the organiser's meetings. */
  | { name: 'dashboard' }
  /** `/organisateur/reunions/:meetingId`: one meeting and its invites. */
  | { name: 'organiser-meeting'; meetingId: string }
  | { name: 'not-found' };

export const SIGN_IN_PATH = '/connexion';
export const ENROLMENT_PATH = '/inscription';
export const DASHBOARD_PATH = '/organisateur';

/** Where to go back to after signing in: `/connexion?retour=<path>`. */
export const RETURN_PARAM = 'retour';

const FIXED: Record<string, Route> = {
  '/': { name: 'home' },
  [SIGN_IN_PATH]: { name: 'sign-in' },
  [ENROLMENT_PATH]: { name: 'enrolment' },
  [DASHBOARD_PATH]: { name: 'dashboard' },
};

/**
 * Meeting and invite ids as the service makes them (128 random bits, base64url):
 * the same rule as signaling's page paths (apps/signaling/src/http/webPages.ts).
 */
const PAGE_ID = /^[A-Za-z0-9_-]{22,64}$/;

/** One path segment after a prefix, with an optional trailing slash. */
const WITH_ID: ReadonlyArray<[RegExp, (id: string) => Route]> = [
  [/^\/m\/([^/]+)\/?$/, (meetingId) => ({ name: 'meeting', access: { kind: 'open', meetingId } })],
  [/^\/i\/([^/]+)\/?$/, (inviteId) => ({ name: 'meeting', access: { kind: 'invite', inviteId } })],
  [/^\/h\/([^/]+)\/?$/, (meetingId) => ({ name: 'meeting', access: { kind: 'host', meetingId } })],
  [/^\/organisateur\/reunions\/([^/]+)\/?$/, (meetingId) => ({ name: 'organiser-meeting', meetingId })],
];

export function parseRoute(pathname: string): Route {
  if (pathname === '') {
    return { name: 'home' };
  }
  const fixed = FIXED[pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname];
  if (fixed) {
    return fixed;
  }
  for (const [pattern, route] of WITH_ID) {
    const match = pattern.exec(pathname);
    if (match?.[1]) {
      let id: string;
      try {
        id = decodeURIComponent(match[1]);
      } catch {
        return { name: 'not-found' };
      }
      // Not an id the service makes: no such page (the server answers these paths with 404 too).
      return PAGE_ID.test(id) ? route(id) : { name: 'not-found' };
    }
  }
  return { name: 'not-found' };
}

/** An open meeting's join path. */
export function meetingPath(meetingId: string): string {
  return `/m/${encodeURIComponent(meetingId)}`;
}

/** A guest's invite path; the server answers `invitePath` the same way. */
export function invitePath(inviteId: string): string {
  return `/i/${encodeURIComponent(inviteId)}`;
}

/** The organiser joining their own meeting as host (signed in). */
export function hostPath(meetingId: string): string {
  return `/h/${encodeURIComponent(meetingId)}`;
}

export function organiserMeetingPath(meetingId: string): string {
  return `${DASHBOARD_PATH}/reunions/${encodeURIComponent(meetingId)}`;
}

/**
 * The full invitation link of a meeting on this origin, with the link secret
 * in the fragment when there is one (`#k=...`, never sent to the server).
 */
export function meetingLink(origin: string, meetingId: string, linkSecret: string | null = null): string {
  return `${origin}${meetingPath(meetingId)}${linkFragment(linkSecret)}`;
}

/** The full link of an invite, with the meeting's link secret in the fragment when this device has it. */
export function inviteLink(origin: string, inviteId: string, linkSecret: string | null): string {
  return `${origin}${invitePath(inviteId)}${linkFragment(linkSecret)}`;
}

/** Only organiser pages and the host page may be returned to: never another origin or an arbitrary path. */
const RETURNABLE = /^\/(organisateur(\/reunions\/[A-Za-z0-9_-]{22,64})?|h\/[A-Za-z0-9_-]{22,64})$/;

/** The sign-in page, coming back to `returnTo` afterwards when it is an organiser page. */
export function signInPath(returnTo: string | null = null): string {
  if (returnTo === null || returnTo === DASHBOARD_PATH || !RETURNABLE.test(returnTo)) {
    return SIGN_IN_PATH;
  }
  return `${SIGN_IN_PATH}?${new URLSearchParams({ [RETURN_PARAM]: returnTo }).toString()}`;
}

/** Where to go after signing in, from the sign-in page's query string. */
export function returnPathFrom(search: string): string {
  const value = new URLSearchParams(search).get(RETURN_PARAM);
  return value !== null && RETURNABLE.test(value) ? value : DASHBOARD_PATH;
}
