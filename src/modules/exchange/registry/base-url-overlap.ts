/**
 * Whether two services' base URLs could reach the same system: the same origin and one path at
 * or under the other. Paths are compared decoded and in lower case, so `/PIP` and `/%70ip` are
 * `/pip`, whatever the provider's server makes of case and escapes.
 */
export function baseUrlsOverlap(first: string, second: string): boolean {
  const a = comparableOf(first);
  const b = comparableOf(second);
  if (!a || !b || a.origin !== b.origin) return false;
  return isAtOrUnder(a.path, b.path) || isAtOrUnder(b.path, a.path);
}

function isAtOrUnder(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function comparableOf(baseUrl: string): { origin: string; path: string } | undefined {
  if (!URL.canParse(baseUrl)) return undefined;
  const url = new URL(baseUrl);
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape is compared as written.
  }
  return { origin: url.origin, path: path.toLowerCase().replace(/\/+$/, '').replace(/\/{2,}/g, '/') };
}
