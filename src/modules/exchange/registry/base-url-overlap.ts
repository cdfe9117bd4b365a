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

/**
 * The first of `taken` that `candidate` could reach the same system as, or undefined. Host names
 * are resolved only for base URLs whose port and path already overlap the candidate's.
 */
export async function findOverlappingBaseUrl(candidate: string, taken: readonly string[], addressesOf: AddressesOf): Promise<string | undefined> {
  const wanted = destinationOf(candidate);
  const placesKnown = new Map<string, Promise<Set<string>>>();
  const placesOf = (hostname: string): Promise<Set<string>> => {
    let places = placesKnown.get(hostname);
    if (!places) {
      places = isIP(hostname) !== 0 || hostname === 'this-machine' ? Promise.resolve(new Set([hostname])) : addressesOf(hostname).then((addresses) => new Set([hostname, ...addresses.map(canonicalAddress)]));
      placesKnown.set(hostname, places);
    }
    return places;
  };
  for (const other of taken.map(destinationOf)) {
    if (other.port !== wanted.port || !pathsOverlap(other.path, wanted.path)) continue;
    if (other.hostname === wanted.hostname) return other.url;
    const [ours, theirs] = await Promise.all([placesOf(wanted.hostname), placesOf(other.hostname)]);
    if ([...ours].some((place) => theirs.has(place))) return other.url;
  }
  return undefined;
}
