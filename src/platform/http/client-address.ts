import { isIPv4, isIPv6 } from 'node:net';

/** Where the client address cannot be read: counted together, so it cannot make itself new each time. */
export const UNREADABLE_ADDRESS_KEY = 'unreadable';

/**
 * The key a client address is counted under. An IPv4 address stands for itself; an IPv6 client
 * usually holds a whole /64 (and can pick any address in it), so IPv6 addresses are counted by
 * their /64 prefix. An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is counted as the IPv4
 * address it is. Some proxies write the client with its port (`a.b.c.d:port`, `[v6]:port`): the
 * port is the client's to choose, so it is left out; anything else that is not an address is
 * counted under one key for all.
 */
export function clientAddressKey(raw: string): string {
  const ip = withoutPort(raw.trim());
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIPv4(mapped[1] as string)) return mapped[1] as string;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return UNREADABLE_ADDRESS_KEY;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1] as string;
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return ipv4WithPort ? (ipv4WithPort[1] as string) : address;
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
