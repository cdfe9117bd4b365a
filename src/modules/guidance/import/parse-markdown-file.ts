import { parse as parseYaml } from 'yaml';
import { isLocale } from '../../../platform/http/i18n.ts';
import { isPageType, slugify, type GuidePart, type PageContent, type PageDraft, type Step, type StepLogic } from '../content/guidance-content.ts';

/** Why a file could not be imported, in words for the person importing it. */
export class ImportRefusal extends Error {
  override name = 'ImportRefusal';
}

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const FRONT_MATTER_FIELDS = new Set(['title', 'slug', 'type', 'description', 'lang']);

function optionalText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new ImportRefusal(`The front matter's ${name} is not text`);
  return String(value);
}

function readFrontMatter(source: string): { fields: Record<string, unknown>; body: string } {
  const match = FRONT_MATTER.exec(source);
  if (!match) throw new ImportRefusal('The file does not start with front matter between two lines of ---');
  let fields: unknown;
  try {
    // No aliases: a few lines of them can expand to gigabytes.
    fields = parseYaml(match[1]!, { schema: 'core', maxAliasCount: 0, uniqueKeys: true });
  } catch (error) {
    throw new ImportRefusal(`The front matter is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new ImportRefusal('The front matter is not a set of fields');
  const unknown = Object.keys(fields).filter((name) => !FRONT_MATTER_FIELDS.has(name));
  if (unknown.length > 0) throw new ImportRefusal(`The front matter has fields guidance does not know: ${unknown.slice(0, 5).join(', ')}`);
  return { fields: fields as Record<string, unknown>, body: source.slice(match[0].length) };
}

/** Splits text at lines that start with `marker` (such as `# `), giving each heading and the lines under it. */
function splitAtHeadings(body: string, marker: RegExp): { before: string; sections: Array<{ heading: string; text: string }> } {
  const before: string[] = [];
  const sections: Array<{ heading: string; lines: string[] }> = [];
  for (const line of body.split(/\r?\n/)) {
    const heading = marker.exec(line);
    if (heading) sections.push({ heading: heading[1]!.trim(), lines: [] });
    else (sections.at(-1)?.lines ?? before).push(line);
  }
  return { before: before.join('\n').trim(), sections: sections.map((section) => ({ heading: section.heading, text: section.lines.join('\n').trim() })) };
}

function guidePartsOf(body: string): GuidePart[] {
  const { before, sections } = splitAtHeadings(body, /^#[ \t]+(.*)$/);
  if (before !== '') throw new ImportRefusal('A guide starts with its first part\'s heading (# Part title); there is text before it');
  return sections.map((section) => ({ slug: slugify(section.heading), title: section.heading, body: section.text }));
}

const STEP_MARKER = /[ \t]*\{(and|or|optional)\}[ \t]*$/;

function stepOf(section: { heading: string; text: string }): Step {
  let title = section.heading;
  let logic: StepLogic = 'number';
  let optional = false;
  for (let marker = STEP_MARKER.exec(title); marker; marker = STEP_MARKER.exec(title)) {
    if (marker[1] === 'optional') optional = true;
    else logic = marker[1] as StepLogic;
    title = title.slice(0, marker.index);
  }
  return { title: title.trim(), logic, optional, body: section.text };
}

export function contentOf(type: PageContent['type'], body: string): PageContent {
  if (type === 'answer') return { type, body: body.trim() };
  if (type === 'guide') return { type, parts: guidePartsOf(body) };
  const { before, sections } = splitAtHeadings(body, /^##[ \t]+(.*)$/);
  return { type, introduction: before, steps: sections.map(stepOf) };
}

/** A markdown file with front matter (title, slug, type, optional description and lang) as a draft. */
export function parseMarkdownFile(source: string): PageDraft {
  const { fields, body } = readFrontMatter(source.replace(/^\uFEFF/, ''));
  const title = optionalText(fields, 'title');
  const slug = optionalText(fields, 'slug');
  const type = optionalText(fields, 'type');
  const lang = optionalText(fields, 'lang') ?? 'en';
  if (!title) throw new ImportRefusal('The front matter has no title');
  if (!slug) throw new ImportRefusal('The front matter has no slug');
  if (!isPageType(type)) throw new ImportRefusal('The front matter\'s type must be guide, answer or step-by-step');
  if (!isLocale(lang)) throw new ImportRefusal('The front matter\'s lang must be en or cy');
  return { slug, lang, title, description: optionalText(fields, 'description') ?? '', content: contentOf(type, body) };
}
