import { isIPv6 } from 'node:net';

/**
 * The key a client address is counted under. An IPv4 address stands for itself; an IPv6 client
 * usually holds a whole /64 (and can pick any address in it), so IPv6 addresses are counted by
 * their /64 prefix. An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is counted as the IPv4
 * address it is.
 */
export function clientAddressKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, each as four lower-case hex digits. */
function expandIpv6(ip: string): string[] {
  const withoutZone = ip.split('%')[0] as string;
  const [head = '', tail] = withoutZone.split('::');
  const groupsOf = (part: string) => (part ? part.split(':') : []);
  const headGroups = groupsOf(head);
  const tailGroups = tail === undefined ? [] : groupsOf(tail);
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...tailGroups];
  return groups.map((group) => group.toLowerCase().padStart(4, '0'));
}
