/**
 * The `return_url` a paying user is sent back to: what a new payment may have, and where a
 * stored one may safely send a browser.
 *
 * GOV.UK Pay checks it with Apache Commons' UrlValidator (https only on live accounts, an
 * authority after `//`), which refuses whitespace and control characters. Civitas refuses the
 * characters that could never be a browser's address and would break the `Location` header:
 * control characters (C0, DEL, C1), any whitespace (CR, LF, tab, space, U+2028, U+2029,
 * no-break spaces...) and invisible format characters (bidirectional overrides, zero-width
 * characters). Like Pay it refuses characters java.net.URI refuses ('"', '<', '>'...), a path that
 * is not ASCII, and odd user information; other non-ASCII characters (in a query or fragment)
 * are allowed, and a redirect sends them percent-encoded.
 */

import { parse as parseDomain } from 'tldts';

/** Pay's URL_MAX_LENGTH. */
export const RETURN_URL_LIMIT = 2000;

const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
const WITH_AUTHORITY = /^https?:\/\/[^/?#]/i;
/** Text a `Location` header carries as it is: printable ASCII, no space. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * What java.net.URI (which Pay's UrlValidator parses with first) takes: the ASCII characters
 * RFC 3986 allows, '%' only before two hex digits, and other non-ASCII characters. No '"',
 * '<', '>', '{', '}', '|', '\\', '^' or '`'.
 */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*$/;
/** The parts of an address with an authority, as sent (before any normalising). */
const PARTS = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)/;
/** Commons Validator's path: ASCII only (its \w is ASCII), no brackets. */
const PATH = /^(?:\/[-\w:@&?=+,.!/~*'%$;()]*)?$/;
/** Commons Validator's user information (user or user:password) before '@': ASCII only. */
const USER_INFO = /^[A-Za-z0-9%&'()*+,\-.~!$;=_]+(?::[A-Za-z0-9%&'()*+,\-.~!$;=_]*)?$/;

/** Whether a path climbs above the root once its dot segments are resolved (Commons refuses `/../`). */
function climbsAboveRoot(path: string): boolean {
  let depth = 0;
  for (const segment of path.split('/').slice(1)) {
    if (segment === '..') depth -= 1;
    else if (segment !== '.' && segment !== '') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * The checks of Pay's validator (Apache Commons UrlValidator over java.net.URI) on the address
 * as written: its characters, a path of ASCII only, and user information (`user:password@`,
 * which Pay accepts) of its characters only, before a host.
 */
function followsPayUrlSyntax(text: string): boolean {
  if (!URI_CHARACTERS.test(text)) return false;
  const parts = PARTS.exec(text);
  if (!parts) return false;
  const [, authority = '', path = ''] = parts;
  const at = authority.indexOf('@');
  if (at !== -1 && (!USER_INFO.test(authority.slice(0, at)) || authority.includes('@', at + 1))) return false;
  return PATH.test(path) && !climbsAboveRoot(path);
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SINGLE_LABEL = new RegExp(`^${LABEL}$`);
const DOMAIN = new RegExp(`^(?:${LABEL}\\.)+([a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)\\.?$`);
const IPV4 = /^(?:(?:0|[1-9]\d{0,2})\.){3}(?:0|[1-9]\d{0,2})$/;
/** Commons' local top-level domains, and the one pay-publicapi adds (pay-connector, asked after it, adds `local` too). */
const LOCAL_TOP_LEVEL_DOMAINS = new Set(['localhost', 'localdomain', 'internal']);

/**
 * pay-publicapi's URLValidator: Commons' UrlValidator allowing local names. A host is an
 * IP address, a single label (`localhost`, `myhost`), or a domain whose last label is a
 * top-level domain: IANA's list for Commons, ICANN's part of the public suffix list here (the
 * same top-level domains, each kept up to date with the registry on its own schedule).
 */
function isPayAcceptedHost(written: string, url: URL): boolean {
  if (written.startsWith('[')) return true;
  if (IPV4.test(written)) return written.split('.').every((octet) => Number(octet) <= 255);
  // Commons turns an international name into its ASCII form first, as the URL parser did.
  const host = /^[\x00-\x7f]*$/.test(written) ? written.toLowerCase() : url.hostname;
  if (host.length > 253) return false;
  if (SINGLE_LABEL.test(host)) return true;
  const topLevel = DOMAIN.exec(host)?.[1];
  if (topLevel === undefined) return false;
  return LOCAL_TOP_LEVEL_DOMAINS.has(topLevel) || parseDomain(topLevel, { allowPrivateDomains: false }).isIcann === true;
}

/** The host as written in an address that has passed `followsPayUrlSyntax`: no user information, no port. */
function writtenHostOf(text: string): string {
  const authority = PARTS.exec(text)?.[1] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
}

export function isAcceptableReturnUrl(text: string, options: { live: boolean }): boolean {
  if (UNSAFE_CHARACTER.test(text) || !WITH_AUTHORITY.test(text) || !followsPayUrlSyntax(text) || !URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.hostname === '' || !isPayAcceptedHost(writtenHostOf(text), url)) return false;
  if (url.protocol === 'https:') return true;
  return !options.live && url.protocol === 'http:';
}

/**
 * Where a browser may be sent for a stored return_url: the text itself when a header can carry
 * it unchanged, else the address a browser would read from it, serialised by the URL standard
 * (percent-encoded, so only printable ASCII); undefined when it is not an http(s) address at all
 * (nothing stored before these checks existed may reach a redirect and fail it).
 */
export function describeReturnTarget(stored: string | null | undefined): string | undefined {
  if (!stored || !URL.canParse(stored)) return undefined;
  const url = new URL(stored);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') return undefined;
  if (PRINTABLE_ASCII.test(stored)) return stored;
  return PRINTABLE_ASCII.test(url.href) ? url.href : undefined;
}
