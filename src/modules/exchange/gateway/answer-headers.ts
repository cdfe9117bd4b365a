import type { IncomingHttpHeaders } from 'node:http';

/**
 * What of a provider's answer headers reaches the consumer. The agreement lets the consumer have
 * the fields it names and nothing else, so a header passes only in a shape that cannot carry data:
 * known caching directives, HTTP dates, and header names for Vary. ETag, Location, parameters and
 * anything unknown are dropped, whatever the provider meant by them. Content-Type is not passed
 * either (a media type such as application/SECRET+json carries data): the gateway sets its own,
 * application/json, on the answer it re-serialised (ANSWER_CONTENT_TYPE).
 */

export const ANSWER_CONTENT_TYPE = 'application/json; charset=utf-8';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 5.6.7's preferred form, the only one senders may generate. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const CACHE_FLAGS = new Set(['no-store', 'no-cache', 'private', 'public', 'must-revalidate', 'proxy-revalidate', 'no-transform', 'immutable', 'must-understand']);
const CACHE_SECONDS = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);
const MAX_VARY_NAMES = 16;

function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(', ') : value).trim();
}

function cacheControlOf(value: string): string | undefined {
  const directives = value
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((directive) => {
      const [name = '', seconds] = directive.split('=');
      return seconds === undefined ? CACHE_FLAGS.has(name) : CACHE_SECONDS.has(name) && /^\d{1,10}$/.test(seconds);
    });
  return directives.length > 0 ? [...new Set(directives)].join(', ') : undefined;
}

function varyOf(value: string): string | undefined {
  const names = value.split(',').map((part) => part.trim().toLowerCase());
  if (names.length > MAX_VARY_NAMES || !names.every((name) => name === '*' || (TOKEN.test(name) && name.length <= 64))) return undefined;
  return names.join(', ');
}

const httpDateOf = (value: string) => (HTTP_DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined);

const KEPT: Record<string, (value: string) => string | undefined> = {
  'cache-control': cacheControlOf,
  expires: httpDateOf,
  'last-modified': httpDateOf,
  vary: varyOf,
};

export function answerHeadersFrom(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, clean] of Object.entries(KEPT)) {
    const value = single(headers[name]);
    const cleaned = value === undefined ? undefined : clean(value);
    if (cleaned !== undefined) kept[name] = cleaned;
  }
  return kept;
}
