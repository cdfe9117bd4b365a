import type { LocalisedText } from './form-definition.ts';
import { DEFINITION_LIMITS } from './form-definition.ts';

/** A fault in a definition, at a JSON path such as `pages[2].question.cy`. */
export type DefinitionProblem = { path: string; message: string };

type Json = Record<string, unknown>;

/**
 * Reads one level of untrusted JSON, noting every fault with its path instead of stopping at the
 * first, so an importer sees all of them. Unknown properties are faults: what is not understood
 * would otherwise be lost on export.
 */
export class DefinitionReader {
  readonly problems: DefinitionProblem[];

  constructor(problems: DefinitionProblem[] = []) {
    this.problems = problems;
  }

  fault(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }

  object(value: unknown, path: string, known: readonly string[]): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fault(path, 'must be an object');
    for (const key of Object.keys(value).slice(0, 50)) {
      if (!known.includes(key)) this.fault(`${path}.${key.slice(0, 100)}`, 'is not a known property');
    }
    return value as Json;
  }

  array(value: unknown, path: string, maxItems: number): unknown[] | undefined {
    if (!Array.isArray(value)) return this.fault(path, 'must be an array');
    if (value.length > maxItems) return this.fault(path, `must have at most ${maxItems} items`);
    return value;
  }

  string(value: unknown, path: string, options: { maxLength: number; pattern?: RegExp; patternMessage?: string }): string | undefined {
    if (typeof value !== 'string') return this.fault(path, 'must be a string');
    if (value.trim() === '') return this.fault(path, 'must not be empty');
    if (value.length > options.maxLength) return this.fault(path, `must be at most ${options.maxLength} characters`);
    if (options.pattern && !options.pattern.test(value)) return this.fault(path, options.patternMessage ?? 'is not in the right format');
    return value;
  }

  integer(value: unknown, path: string, range: { min: number; max: number }): number | undefined {
    if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max) return this.fault(path, `must be a whole number from ${range.min} to ${range.max}`);
    return value as number;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value !== 'boolean') return this.fault(path, 'must be true or false');
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !allowed.includes(value as T)) return this.fault(path, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  text(value: unknown, path: string, options: { welsh: boolean; maxLength?: number }): LocalisedText | undefined {
    const json = this.object(value, path, ['en', 'cy']);
    if (!json) return undefined;
    const maxLength = options.maxLength ?? DEFINITION_LIMITS.shortText;
    const en = this.string(json.en, `${path}.en`, { maxLength });
    if (options.welsh && json.cy === undefined) this.fault(`${path}.cy`, 'is needed: the form is offered in Welsh');
    const cy = json.cy === undefined ? undefined : this.string(json.cy, `${path}.cy`, { maxLength });
    if (en === undefined) return undefined;
    return cy === undefined ? { en } : { en, cy };
  }

  /** Reads `json[key]` with `read` when it is present. */
  optional<T>(json: Json, key: string, read: (value: unknown) => T | undefined): T | undefined {
    return json[key] === undefined ? undefined : read(json[key]);
  }
}

/** Copies only the properties that are set, so an exported definition has no `undefined` holes. */
export function withoutUnset<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
