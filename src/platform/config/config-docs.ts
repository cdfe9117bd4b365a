import { configSchema, type Setting } from './config.schema.ts';

export const CONFIG_SECTION_START = '<!-- config:start -->';
export const CONFIG_SECTION_END = '<!-- config:end -->';

const GENERATED_NOTE =
  '<!-- Generated from src/platform/config/config.schema.ts by `npm run docs:config`: edit the schema, not this table. -->';

type Schema = Readonly<Record<string, Setting<unknown>>>;

/**
 * Text for one table cell: one line, no `|` that would end the cell, and no `<` that would start
 * an HTML tag (such as `Name <address>`) outside a code span.
 */
function toCell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('')
    .replace(/\|/g, '\\|');
}

function toCode(text: string): string {
  return `\`${text}\``;
}

/**
 * How the docs show a default. One computed from other settings shows them as `$NAME`, so
 * BASE_URL's reads `http://localhost:$PORT`. A secret's development value is not printed.
 */
function describeDefault(definition: Setting<unknown>): string {
  const fallback = definition.default;
  let shown: string;
  if (typeof fallback === 'function') {
    shown = toCode(fallback(new Proxy({}, { get: (_, name) => `$${String(name)}` })));
  } else if (fallback === undefined || fallback === '') {
    shown = 'unset';
  } else if (definition.secret && definition.insecureDefault) {
    shown = 'a development-only value';
  } else {
    shown = toCode(fallback);
  }
  return definition.insecureDefault ? `${shown} (not in production)` : shown;
}

function describeSetting(definition: Setting<unknown>): string {
  return definition.secret
    ? `${definition.description} A secret: never printed or logged.`
    : definition.description;
}

/** The Markdown table of every setting, in the schema's order. */
export function renderConfigTable(schema: Schema = configSchema): string {
  const rows = Object.entries(schema).map(([name, definition]) =>
    [toCode(name), describeDefault(definition), definition.accepts, describeSetting(definition)].map(toCell),
  );
  return [
    GENERATED_NOTE,
    '',
    '| Variable | Default | Accepts | Description |',
    '|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

function findConfigSection(readme: string): { start: number; end: number } {
  const start = readme.indexOf(CONFIG_SECTION_START);
  const end = readme.indexOf(CONFIG_SECTION_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(`The README needs ${CONFIG_SECTION_START} and, after it, ${CONFIG_SECTION_END}.`);
  }
  return { start: start + CONFIG_SECTION_START.length, end };
}

/** What stands between the README's markers, without the line breaks next to them. */
export function readConfigSection(readme: string): string {
  const { start, end } = findConfigSection(readme);
  return readme.slice(start, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** The README with `table` between its markers, and everything outside them unchanged. */
export function replaceConfigSection(readme: string, table: string): string {
  const { start, end } = findConfigSection(readme);
  return `${readme.slice(0, start)}\n${table}\n${readme.slice(end)}`;
}
