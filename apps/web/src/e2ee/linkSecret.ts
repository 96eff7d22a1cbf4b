import { isLinkSecret } from '@confidentiel/e2ee';

/**
 * The invite link's secret lives in the URL fragment (`/m/<id>#k=<secret>`):
 * browsers never send a fragment to the server, nor in a Referer. It must not
 * go anywhere else either: not in a request, a log line or an error message.
 */
export const LINK_SECRET_PARAM = 'k';

export type LinkFragment =
  | { readonly status: 'secret'; readonly secret: string }
  /** No `k=` at all: the meeting works, without the link MAC check. */
  | { readonly status: 'none' }
  /** A `k=` that is not a usable secret: ignored, and said so. */
  | { readonly status: 'invalid' };

/** Reads `#k=<secret>` (other fragment parameters are ignored). */
export function parseLinkFragment(hash: string): LinkFragment {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text === '') {
    return { status: 'none' };
  }
  let value: string | null;
  try {
    value = new URLSearchParams(text).get(LINK_SECRET_PARAM);
  } catch {
    return { status: 'invalid' };
  }
  if (value === null) {
    return { status: 'none' };
  }
  return isLinkSecret(value) ? { status: 'secret', secret: value } : { status: 'invalid' };
}

/** `#k=<secret>`, or '' without a secret. A secret is base64url: nothing to escape. */
export function linkFragment(secret: string | null): string {
  return secret === null ? '' : `#${LINK_SECRET_PARAM}=${secret}`;
}
