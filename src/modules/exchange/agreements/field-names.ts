import { OpenApiError, readFieldTitles, type FieldTitle } from '../registry/openapi-description.ts';
import { JsonPathError, parseJsonPath } from './json-fields.ts';

/** A field an agreement shares, named for the person whose data it is, in English and Welsh. */
export type FieldName = { path: string; en: string; cy: string };

/** `$.award.dateOfBirth` as words: "Award date of birth"; `$.items[*].id`: "Items id". */
export function humaniseFieldPath(path: string): string {
  let names: string[];
  try {
    names = parseJsonPath(path).flatMap((segment) => (segment.kind === 'name' ? [segment.name] : []));
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    names = [path.replace(/^\$\.?/, '')];
  }
  const words = names
    .join(' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-.\s]+/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? path : `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/**
 * Plain names for an agreement's fields, from the provider's own OpenAPI description: a field's
 * schema `title` in English, `x-title-cy` in Welsh (the English title where there is no Welsh one),
 * or the field's own name in words where the description names it not at all. The provider knows
 * its data best, and the description is what both members agreed the fields against.
 */
export async function nameAgreedFields(input: { openApi: string; fields: readonly string[] }): Promise<FieldName[]> {
  let titles: Record<string, FieldTitle> = {};
  try {
    titles = await readFieldTitles(input.openApi);
  } catch (error) {
    // Checked when the service was registered; should it no longer read, each field keeps its own name.
    if (!(error instanceof OpenApiError)) throw error;
  }
  return input.fields.map((path) => {
    const title = Object.hasOwn(titles, path) ? titles[path] : undefined;
    const en = title?.en ?? humaniseFieldPath(path);
    return { path, en, cy: title?.cy ?? en };
  });
}
