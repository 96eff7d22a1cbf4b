import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key a client is rate-limited under, from its socket's address: an IPv4
 * address as is (IPv4-mapped IPv6 unwrapped), an IPv6 address by its /64
 * network, since one host usually holds a whole /64 and could otherwise rotate
 * addresses to escape the limit.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) {
    return 'unknown';
  }
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) {
    return mapped[1]!;
  }
  if (isIPv4(bare)) {
    return bare;
  }
  if (!isIPv6(bare)) {
    return 'unknown';
  }
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, lower-case, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const toHex = (groups: string[]): string[] =>
    groups.flatMap((group) => {
      // An embedded IPv4 address takes the last two groups.
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
      }
      return [parseInt(group, 16).toString(16)];
    });
  const left = toHex(groupsOf(head));
  if (tail === undefined) {
    return left;
  }
  const right = toHex(groupsOf(tail));
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}
