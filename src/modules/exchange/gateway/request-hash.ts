import { createHash } from 'node:crypto';

/**
 * X-Road-Request-Hash (PR-REST 4.3): base64(SHA-512(SHA-512(headers) + SHA-512(body))), or
 * base64(SHA-512(headers)) with no body. Civitas's "headers" are the request line and every
 * header as received, one per line: `METHOD TARGET\r\n` then `name: value\r\n` for each, names in
 * lower case, in the order they came; so the hash binds the answer to the exact query asked.
 */
/** `bodyDigest`: the body's SHA-512, undefined (or of nothing) when there is none. */
export function computeRequestHash(request: { method: string; url: string; rawHeaders: readonly string[]; bodyDigest: Buffer | undefined; bodySize: number }): string {
  let headerText = `${request.method} ${request.url}\r\n`;
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    headerText += `${(request.rawHeaders[index] ?? '').toLowerCase()}: ${request.rawHeaders[index + 1] ?? ''}\r\n`;
  }
  const headersDigest = createHash('sha512').update(headerText).digest();
  if (request.bodyDigest === undefined || request.bodySize === 0) return headersDigest.toString('base64');
  return createHash('sha512').update(headersDigest).update(request.bodyDigest).digest('base64');
}
