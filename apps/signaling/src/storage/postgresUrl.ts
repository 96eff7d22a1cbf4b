/**
 * `postgres[ql]://[user[:password]@]host[:port]/database` (libpq options such
 * as `sslmode` in the query), or a socket directory in `?host=` instead of a host.
 */
export function isPostgresUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const hasHost = url.hostname !== '' || url.searchParams.has('host');
  return (
    (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && hasHost && url.pathname.length > 1
  );
}

/** The URL without its password, for logs and messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}
