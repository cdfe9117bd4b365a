/**
 * The `return_url` a paying user is sent back to: what a new payment may have, and where a
 * stored one may safely send a browser.
 *
 * GOV.UK Pay checks it with Apache Commons' UrlValidator (https only on live accounts, an
 * authority after `//`), which refuses whitespace and control characters. Civitas refuses the
 * characters that could never be a browser's address and would break the `Location` header:
 * control characters (C0, DEL, C1), any whitespace (CR, LF, tab, space, U+2028, U+2029,
 * no-break spaces...) and invisible format characters (bidirectional overrides, zero-width
 * characters). Other non-ASCII characters are allowed; a redirect sends them percent-encoded.
 */

/** Pay's URL_MAX_LENGTH. */
export const RETURN_URL_LIMIT = 2000;

const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
const WITH_AUTHORITY = /^https?:\/\/[^/?#]/i;
/** Text a `Location` header carries as it is: printable ASCII, no space. */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

export function isAcceptableReturnUrl(text: string, options: { live: boolean }): boolean {
  if (UNSAFE_CHARACTER.test(text) || !WITH_AUTHORITY.test(text) || !URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.hostname === '') return false;
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
