import { linkFragment } from '../e2ee/linkSecret.ts';

/** The app's pages, parsed from the location path. */
export type Route = { name: 'home' } | { name: 'meeting'; meetingId: string } | { name: 'not-found' };

const MEETING_PATH = /^\/m\/([^/]+)\/?$/;

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') {
    return { name: 'home' };
  }
  const match = MEETING_PATH.exec(pathname);
  if (match?.[1]) {
    let meetingId: string;
    try {
      meetingId = decodeURIComponent(match[1]);
    } catch {
      return { name: 'not-found' };
    }
    return { name: 'meeting', meetingId };
  }
  return { name: 'not-found' };
}

export function meetingPath(meetingId: string): string {
  return `/m/${encodeURIComponent(meetingId)}`;
}

/**
 * The full invitation link of a meeting on this origin, with the link secret
 * in the fragment when there is one (`#k=...`, never sent to the server).
 */
export function meetingLink(origin: string, meetingId: string, linkSecret: string | null = null): string {
  return `${origin}${meetingPath(meetingId)}${linkFragment(linkSecret)}`;
}
