import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses are on the public internet: the ones Civitas may call on a service team's
 * behalf. Everything else (this machine, private networks, cloud metadata at 169.254.169.254,
 * shared carrier NAT, multicast, documentation and reserved ranges) could reach a network the
 * team should not reach through us.
 */

type Range = { network: bigint; prefixLength: number; kind: string };

const IPV4_NON_PUBLIC: ReadonlyArray<[cidr: string, kind: string]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const IPV6_NON_PUBLIC: ReadonlyArray<[cidr: string, kind: string]> = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

/** Ranges whose addresses carry an IPv4 address, which is what they finally reach. */
const IPV6_CARRYING_IPV4: ReadonlyArray<{ range: Range; shift: bigint }> = [
  { range: parseRange('::ffff:0:0/96', 'IPv4-mapped'), shift: 0n },
  { range: parseRange('64:ff9b::/96', 'NAT64'), shift: 0n },
  { range: parseRange('2002::/16', '6to4'), shift: 80n },
];

const GLOBAL_UNICAST = parseRange('2000::/3', 'global unicast');

const ipv4Ranges = IPV4_NON_PUBLIC.map(([cidr, kind]) => parseRange(cidr, kind));
const ipv6Ranges = IPV6_NON_PUBLIC.map(([cidr, kind]) => parseRange(cidr, kind));

/**
 * What kind of non-public address `address` is ("loopback", "private", ...), or undefined when
 * it is a public one. `address` is an IP address as DNS or a parsed URL gives it (no brackets).
 */
export function describeNonPublicAddress(address: string): string | undefined {
  if (isIPv4(address)) return findRange(ipv4Ranges, 32, ipv4ToBigInt(address))?.kind;
  if (!isIPv6(address)) throw new TypeError('not an IP address');
  const value = ipv6ToBigInt(address);
  for (const { range, shift } of IPV6_CARRYING_IPV4) {
    if (!contains(range, 128, value)) continue;
    const kind = findRange(ipv4Ranges, 32, (value >> shift) & 0xffff_ffffn)?.kind;
    return kind === undefined ? undefined : `${range.kind} ${kind}`;
  }
  const kind = findRange(ipv6Ranges, 128, value)?.kind;
  if (kind !== undefined) return kind;
  return contains(GLOBAL_UNICAST, 128, value) ? undefined : 'reserved';
}

/**
 * One spelling for every address that reaches the same place, to tell whether two addresses are
 * one machine: this machine's own addresses (127.0.0.0/8, ::1, 0.0.0.0, ::, and the same carried
 * in IPv6) are all `this-machine`; an IPv6 address carrying an IPv4 one is that IPv4 address; any
 * other IPv6 address is written out in full, in lower case.
 */
export function canonicalAddress(address: string): string {
  const kind = describeNonPublicAddress(address);
  if (kind !== undefined && /(^|\s)(loopback|unspecified)$/.test(kind)) return 'this-machine';
  if (isIPv4(address)) return address;
  const value = ipv6ToBigInt(address);
  for (const { range, shift } of IPV6_CARRYING_IPV4) {
    if (contains(range, 128, value)) return bigIntToIpv4((value >> shift) & 0xffff_ffffn);
  }
  return value.toString(16).padStart(32, '0').replace(/(.{4})(?!$)/g, '$1:');
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function findRange(ranges: readonly Range[], bits: number, value: bigint): Range | undefined {
  return ranges.find((range) => contains(range, bits, value));
}

function contains(range: Range, bits: number, value: bigint): boolean {
  const hostBits = BigInt(bits - range.prefixLength);
  return value >> hostBits === range.network >> hostBits;
}

function parseRange(cidr: string, kind: string): Range {
  const [address = '', prefixLength = ''] = cidr.split('/');
  const network = isIPv4(address) ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  return { network, prefixLength: Number(prefixLength), kind };
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** Expands `::`, a zone (`%eth0`) and a dotted IPv4 tail; the address is valid IPv6. */
function ipv6ToBigInt(address: string): bigint {
  let text = address.replace(/%.*$/, '');
  const dottedTail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dottedTail !== undefined) {
    const ipv4 = ipv4ToBigInt(dottedTail);
    text = `${text.slice(0, -dottedTail.length)}${(ipv4 >> 16n).toString(16)}:${(ipv4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}
