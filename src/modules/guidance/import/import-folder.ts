import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { PageDraft } from '../content/guidance-content.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { GuidanceError } from '../guidance.errors.ts';
import { parseContentApiDocument } from './parse-content-api.ts';
import { ImportRefusal, parseMarkdownFile } from './parse-markdown-file.ts';

export type ImportResult =
  | { file: string; outcome: 'created' | 'updated' | 'unchanged'; slug: string; lang: string; version: number; published: boolean }
  | { file: string; outcome: 'refused'; reason: string };

/** A file larger than this is refused unread. */
export const MAX_FILE_BYTES = 1_000_000;
export const MAX_FILES = 2_000;

const PARSERS: ReadonlyMap<string, (source: string) => PageDraft> = new Map([
  ['.md', parseMarkdownFile],
  ['.markdown', parseMarkdownFile],
  ['.json', parseContentApiDocument],
]);

async function readDraft(path: string, name: string): Promise<PageDraft> {
  const parse = PARSERS.get(extname(name).toLowerCase());
  if (!parse) throw new ImportRefusal('Only .md, .markdown and .json files are imported');
  const { size } = await stat(path);
  if (size > MAX_FILE_BYTES) throw new ImportRefusal(`The file is larger than ${MAX_FILE_BYTES} bytes`);
  const source = await readFile(path, 'utf8');
  return parse(source);
}

/**
 * Imports every markdown and Content API file directly in a folder (in name order), each as a
 * new version of its page and language unless it says what the newest already says. A file is
 * refused, with the reason, if it cannot be read as guidance; the others are imported all the same.
 */
export async function importGuidanceFolder(options: { directory: string; library: GuidanceLibrary; actor: string; publish: boolean }): Promise<ImportResult[]> {
  const entries = (await readdir(options.directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  if (entries.length > MAX_FILES) throw new ImportRefusal(`The folder has more than ${MAX_FILES} files; import it in parts`);
  const seen = new Map<string, string>();
  const results: ImportResult[] = [];
  for (const name of entries) {
    try {
      const draft = await readDraft(join(options.directory, name), name);
      const key = `${draft.slug} ${draft.lang}`;
      const earlier = seen.get(key);
      if (earlier) throw new ImportRefusal(`${earlier} has the same slug and language`);
      seen.set(key, name);
      const saved = await options.library.save({ draft, actor: options.actor, publish: options.publish });
      results.push({ file: name, outcome: saved.status, slug: draft.slug, lang: draft.lang, version: saved.version, published: saved.published });
    } catch (error) {
      if (!(error instanceof ImportRefusal || error instanceof GuidanceError)) throw error;
      results.push({ file: name, outcome: 'refused', reason: error.message });
    }
  }
  return results;
}
