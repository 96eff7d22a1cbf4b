import { parseLinkFragment } from '../e2ee/linkSecret.ts';
import { parseRoute } from '../router/routes.ts';

export type RecoveredSecret =
  | { status: 'found'; secret: string }
  /** Not a link, or a link without a usable `#k=`. */
  | { status: 'no-secret' }
  /** A link with a secret, but not to one of this meeting's invites: its secret would be another meeting's. */
  | { status: 'other-meeting' };

/**
 * The link secret of a full invite link the organiser pasted (made on another
 * device), accepted only when the link is one of this meeting's invites.
 */
export function secretFromInviteLink(
  text: string,
  inviteIds: readonly string[],
  origin: string,
): RecoveredSecret {
  let url: URL;
  try {
    url = new URL(text.trim(), origin);
  } catch {
    return { status: 'no-secret' };
  }
  const fragment = parseLinkFragment(url.hash);
  if (fragment.status !== 'secret') {
    return { status: 'no-secret' };
  }
  const route = parseRoute(url.pathname);
  if (
    route.name === 'meeting' &&
    route.access.kind === 'invite' &&
    inviteIds.includes(route.access.inviteId)
  ) {
    return { status: 'found', secret: fragment.secret };
  }
  return { status: 'other-meeting' };
}
