/**
 * Request paths the router can always read. Fastify's router refuses a path segment whose
 * percent-encoding does not decode (`%`, `%ZZ`, `%C3%28`, an encoded surrogate) with a 400 of its
 * own, before any route or module error handler runs, so an API's client would get a body in no
 * API's envelope. Such a segment is decoded here as browsers decode URLs (WHATWG: a `%` not
 * followed by two hex digits is itself; bytes that are not UTF-8 become U+FFFD) and encoded again,
 * so the route's own validation refuses the value in its API's words. Paths that decode are
 * untouched, and the query string is left to the query parser, which never throws.
 */

/**
 * The longest path parameter the router takes: Node refuses a request line and headers longer
 * than 16 KiB (431), so no parameter that arrives over HTTP is refused by length in no envelope.
 */
export const MAX_PATH_PARAMETER_LENGTH = 16 * 1024;

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** A segment's bytes as WHATWG's percent-decode reads them, then UTF-8 with replacement characters. */
export function decodeLeniently(segment: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < segment.length; ) {
    if (segment[index] === '%' && HEX_PAIR.test(segment.slice(index + 1, index + 3))) {
      bytes.push(Number.parseInt(segment.slice(index + 1, index + 3), 16));
      index += 3;
      continue;
    }
    const codePoint = segment.codePointAt(index) as number;
    const character = String.fromCodePoint(codePoint);
    for (const byte of encoder.encode(character)) bytes.push(byte);
    index += character.length;
  }
  return utf8.decode(Uint8Array.from(bytes));
}

/** For Fastify's `rewriteUrl`: the URL unchanged, unless a path segment does not decode. */
export function repairPercentEncoding(url: string): string {
  const percentAt = url.indexOf('%');
  if (percentAt === -1) return url;
  const queryAt = url.indexOf('?');
  if (queryAt !== -1 && percentAt > queryAt) return url;
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (decodes(path)) return url;
  const repaired = path
    .split('/')
    .map((segment) => (decodes(segment) ? segment : encodeURIComponent(decodeLeniently(segment))))
    .join('/');
  return queryAt === -1 ? repaired : `${repaired}${url.slice(queryAt)}`;
}
