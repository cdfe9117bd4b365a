import type { IncomingHttpHeaders } from 'node:http';

/**
 * What of a provider's answer headers reaches the consumer. The agreement lets the consumer have
 * the fields it names and nothing else, so a header passes only in a shape that cannot carry data:
 * a media type, known caching directives, HTTP dates, and header names for Vary. ETag, Location,
 * parameters and anything unknown are dropped, whatever the provider meant by them.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const CHARSET = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,39}$/;
/** RFC 9110 5.6.7's preferred form, the only one senders may generate. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const CACHE_FLAGS = new Set(['no-store', 'no-cache', 'private', 'public', 'must-revalidate', 'proxy-revalidate', 'no-transform', 'immutable', 'must-understand']);
const CACHE_SECONDS = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error']);
const MAX_VARY_NAMES = 16;

function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(', ') : value).trim();
}

/** The media type, in lower case, with its charset when it names one plainly. */
function contentTypeOf(value: string): string | undefined {
  const [type = '', ...parameters] = value.split(';').map((part) => part.trim());
  if (!MEDIA_TYPE.test(type)) return undefined;
  const charset = parameters.map((parameter) => /^charset=("?)([^"]*)\1$/i.exec(parameter)?.[2]).find((found) => found !== undefined);
  return charset !== undefined && CHARSET.test(charset) ? `${type.toLowerCase()}; charset=${charset.toLowerCase()}` : type.toLowerCase();
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
  'content-type': contentTypeOf,
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
