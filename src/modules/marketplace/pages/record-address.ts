/** The page of a record: under /data for anyone, under /console/data for signed-in members. */
export type CatalogueBase = '/data' | '/console/data';

/**
 * A record's identifier as one path segment: every character but letters, digits, `-`, `_` and
 * `~` percent-encoded, the dot too, so a `.json` or `.jsonld` at the end is always the view asked
 * for, never part of an identifier (`x.json` is `x%2Ejson`). Identifiers may be URLs.
 */
export function encodeRecordSegment(identifier: string): string {
  return encodeURIComponent(identifier).replace(/[!'()*.]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type RecordAddress = { identifier: string; view: 'page' | 'json' | 'jsonld'; canonical: boolean };

const VIEW_SUFFIXES = [['.jsonld', 'jsonld'], ['.json', 'json']] as const;

/** What a path below the base asks for, read from the path as it was sent (before any decoding). */
export function readRecordAddress(rawSegment: string): RecordAddress | undefined {
  let segment = rawSegment;
  let view: RecordAddress['view'] = 'page';
  for (const [suffix, name] of VIEW_SUFFIXES) {
    if (segment.endsWith(suffix)) {
      segment = segment.slice(0, -suffix.length);
      view = name;
      break;
    }
  }
  if (segment === '') return undefined;
  let identifier: string;
  try {
    identifier = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return { identifier, view, canonical: encodeRecordSegment(identifier) === segment };
}

export function recordPath(base: CatalogueBase, identifier: string, view: RecordAddress['view'] = 'page'): string {
  return `${base}/${encodeRecordSegment(identifier)}${view === 'page' ? '' : `.${view}`}`;
}
