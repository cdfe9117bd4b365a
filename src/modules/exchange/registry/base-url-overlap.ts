import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { canonicalAddress } from '../../../platform/net/public-address.ts';

/**
 * Whether a member's new base URL could reach a system another member registered. A provider's
 * server may read a path case-blind, unescape it, or drop what follows `;`; and one machine has
 * many names and addresses. So a base URL's path may hold only plain segments (letters, digits,
 * `-`, `_`, `~`, and dots between them), compared in lower case; and hosts are compared by the
 * addresses they reach, with every spelling of this machine as one.
 */

/** Every address a host name has, as DNS answers now; none when it does not resolve. */
export type AddressesOf = (hostname: string) => Promise<readonly string[]>;

const LOOKUP_TIMEOUT_MS = 2_000;

export const addressesFromDns: AddressesOf = async (hostname) => {
  try {
    const answers = await Promise.race([
      lookup(hostname, { all: true, order: 'verbatim' }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), LOOKUP_TIMEOUT_MS).unref()),
    ]);
    return answers.map((answer) => answer.address);
  } catch {
    // A name that does not resolve yet reaches nothing yet: it is compared by its name.
    return [];
  }
};

const PLAIN_SEGMENT = /^[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*$/;

/** Whether the base URL's path is plain segments only: no escapes, `;`, empty or dot segments. */
export function hasPlainPath(baseUrl: string): boolean {
  const segments = new URL(baseUrl).pathname.replace(/\/$/, '').split('/').slice(1);
  return segments.every((segment) => PLAIN_SEGMENT.test(segment));
}

type Destination = { url: string; port: string; hostname: string; path: string };

function destinationOf(baseUrl: string): Destination {
  const url = new URL(baseUrl);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  return {
    url: baseUrl,
    port: url.port || (url.protocol === 'https:' ? '443' : '80'),
    hostname: isIP(hostname) !== 0 ? canonicalAddress(hostname) : hostname === 'localhost' || hostname.endsWith('.localhost') ? 'this-machine' : hostname,
    path: url.pathname.toLowerCase().replace(/\/$/, ''),
  };
}

function pathsOverlap(first: string, second: string): boolean {
  const isAtOrUnder = (path: string, prefix: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  return isAtOrUnder(first, second) || isAtOrUnder(second, first);
}

/** Where each host name reaches: the name itself and every address DNS gave it when asked. */
export type PlacesOfHosts = ReadonlyMap<string, ReadonlySet<string>>;

function overlapsInPortAndPath(wanted: Destination, other: Destination): boolean {
  return other.port === wanted.port && pathsOverlap(other.path, wanted.path);
}

/**
 * Resolves, ahead of the registry's write transaction (a resolver may take seconds), the host
 * names `findOverlappingBaseUrl` will compare: the candidate's and those of the taken base URLs
 * whose port and path already overlap the candidate's.
 */
export async function resolvePlaces(candidate: string, taken: readonly string[], addressesOf: AddressesOf): Promise<PlacesOfHosts> {
  const wanted = destinationOf(candidate);
  const hostnames = new Set([wanted.hostname]);
  for (const other of taken.map(destinationOf)) if (overlapsInPortAndPath(wanted, other)) hostnames.add(other.hostname);
  const entries = await Promise.all(
    [...hostnames].map(async (hostname): Promise<[string, ReadonlySet<string>]> => {
      if (isIP(hostname) !== 0 || hostname === 'this-machine') return [hostname, new Set([hostname])];
      const addresses = await addressesOf(hostname);
      return [hostname, new Set([hostname, ...addresses.map(canonicalAddress)])];
    }),
  );
  return new Map(entries);
}

/**
 * Compares `candidate` with `taken` by places resolved beforehand: the first base URL it could
 * reach the same system as, or that none could, or that a host needing comparison was not
 * resolved (registered since): then resolve again and compare again.
 */
export function findOverlappingBaseUrl(candidate: string, taken: readonly string[], places: PlacesOfHosts): { overlapping: string } | 'none' | 'unresolved' {
  const wanted = destinationOf(candidate);
  const ours = places.get(wanted.hostname);
  if (!ours) return 'unresolved';
  for (const other of taken.map(destinationOf)) {
    if (!overlapsInPortAndPath(wanted, other)) continue;
    if (other.hostname === wanted.hostname) return { overlapping: other.url };
    const theirs = places.get(other.hostname);
    if (!theirs) return 'unresolved';
    if ([...ours].some((place) => theirs.has(place))) return { overlapping: other.url };
  }
  return 'none';
}
