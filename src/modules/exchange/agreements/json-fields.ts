/**
 * The fields of an answer an agreement lets a consumer receive, as JSON paths: `$.status`,
 * `$.award.rate`, `$.items[*].id`, `$["odd name"]`. A path to an object or array gives all of it.
 * The gateway cuts each answer down to them, so a provider that returns more cannot over-share.
 * Given the answer's shape (from the service's OpenAPI description), it is stricter: a path to an
 * object the schema describes gives only the fields described under it, and a path the schema
 * does not say is an object or array gives a string, number, boolean or null, never more.
 */

type Segment = { kind: 'name'; name: string } | { kind: 'each' };
type Node = { whole: boolean; scalarOnly?: boolean; children: Map<string, Node>; each?: Node };

/** What a service's OpenAPI description says of its answers: every field path, and those typed object or array. */
export type AnswerShape = { known: readonly string[]; containers: readonly string[] };
type AgreedPath = { path: string; scalarOnly: boolean };

function isUnder(path: string, prefix: string): boolean {
  return path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Each agreed path, a described object's replaced by the deepest fields described under it. */
function resolvePaths(paths: readonly string[], shape: AnswerShape | undefined): AgreedPath[] {
  if (!shape) return paths.map((path) => ({ path, scalarOnly: false }));
  const containers = new Set(shape.containers);
  const deepest = (path: string) => !shape.known.some((other) => isUnder(other, path));
  return paths.flatMap((path) => {
    const under = shape.known.filter((other) => isUnder(other, path) && deepest(other));
    return (under.length > 0 ? under : [path]).map((leaf) => ({ path: leaf, scalarOnly: !containers.has(leaf) }));
  });
}

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

export function parseJsonPath(path: string): Segment[] {
  if (!path.startsWith('$') || path.length > 500) throw new JsonPathError(`${path.slice(0, 60)} is not a JSON path such as $.status`);
  const segments: Segment[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    const dotted = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (dotted) {
      segments.push({ kind: 'name', name: dotted[1] ?? '' });
      rest = rest.slice(dotted[0].length);
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'each' });
      rest = rest.slice(3);
    } else if (quoted) {
      segments.push({ kind: 'name', name: JSON.parse(quoted[1] ?? '""') as string });
      rest = rest.slice(quoted[0].length);
    } else {
      throw new JsonPathError(`${path.slice(0, 60)} is not a JSON path such as $.status`);
    }
  }
  if (segments.length === 0) throw new JsonPathError('Name fields, not the whole answer ($)');
  return segments;
}

function buildTree(paths: readonly AgreedPath[]): Node {
  const root: Node = { whole: false, children: new Map() };
  for (const { path, scalarOnly } of paths) {
    let node = root;
    for (const segment of parseJsonPath(path)) {
      if (segment.kind === 'each') {
        node.each ??= { whole: false, children: new Map() };
        node = node.each;
      } else {
        let child = node.children.get(segment.name);
        if (!child) {
          child = { whole: false, children: new Map() };
          node.children.set(segment.name, child);
        }
        node = child;
      }
    }
    // Two paths to one place: the more generous wins.
    node.scalarOnly = node.whole ? Boolean(node.scalarOnly) && scalarOnly : scalarOnly;
    node.whole = true;
  }
  return root;
}

function pick(value: unknown, node: Node): unknown {
  if (node.whole) return node.scalarOnly && typeof value === 'object' && value !== null ? undefined : value;
  if (Array.isArray(value)) return node.each ? value.map((item) => pick(item, node.each as Node)).filter((item) => item !== undefined) : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [name, child] of node.children) {
    if (!Object.hasOwn(value, name)) continue;
    const picked = pick((value as Record<string, unknown>)[name], child);
    if (picked !== undefined) kept[name] = picked;
  }
  return kept;
}

/** A copy of `value` holding only what `paths` name (cut to `shape` when given). */
export function pickFields(value: unknown, paths: readonly string[], shape?: AnswerShape): unknown {
  return pick(value, buildTree(resolvePaths(paths, shape))) ?? {};
}
