/**
 * The member id (`sub`) of a room token, read without verifying it: someone waiting in the lobby
 * has no `joined` answer yet, and lobby messages name their addressee. Null when it is not a JWT
 * with a string `sub`.
 */
export function tokenSubject(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload) {
    return null;
  }
  try {
    const json: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    const sub = (json as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' && sub.length > 0 ? sub : null;
  } catch {
    return null;
  }
}
