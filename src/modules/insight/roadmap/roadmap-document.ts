/**
 * The roadmap tracker's import format (docs/insight/roadmap.schema.json): missions, each with its
 * commitments, each with a baseline, a target and dated progress updates (a measured value, a RAG
 * status with its reason, and evidence links). Welsh texts sit beside the English ones (`*_cy`).
 * Read whole and checked before anything is stored: every problem is reported by its JSON path.
 */

export const RAG_STATUSES = ['green', 'amber', 'red'] as const;
export type RagStatus = (typeof RAG_STATUSES)[number];

export type Bilingual = { en: string; cy?: string };
export type Evidence = { title: string; url: string };
export type ProgressUpdate = { date: string; value?: number; status: RagStatus; reason: Bilingual; evidence: Evidence[] };
export type Commitment = {
  id: string;
  title: Bilingual;
  owner: string;
  unit?: Bilingual;
  baseline?: { value: number; date: string };
  target: { value?: number; date: string; description?: Bilingual };
  updates: ProgressUpdate[];
};
export type Mission = { id: string; title: Bilingual; description?: Bilingual; commitments: Commitment[] };
export type Roadmap = { title: Bilingual; missions: Mission[] };

export type RoadmapProblem = { path: string; message: string };

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;
const MAX_TEXT = 2000;
const MAX_ITEMS = 500;

class Reader {
  readonly problems: RoadmapProblem[] = [];
  problem(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }
  object(value: unknown, path: string): Record<string, unknown> | undefined {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : this.problem(path, 'must be an object');
  }
  list(value: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(value)) return this.problem(path, 'must be a list');
    return value.length > MAX_ITEMS ? this.problem(path, `must have at most ${MAX_ITEMS} items`) : value;
  }
  text(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || value.trim() === '') return this.problem(path, 'must be text');
    return value.length > MAX_TEXT ? this.problem(path, `must be at most ${MAX_TEXT} characters`) : value.trim();
  }
  optionalText(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.text(value, path);
  }
  bilingual(object: Record<string, unknown>, name: string, path: string): Bilingual | undefined {
    const en = this.text(object[name], `${path}.${name}`);
    const cy = this.optionalText(object[`${name}_cy`], `${path}.${name}_cy`);
    return en === undefined ? undefined : { en, ...(cy === undefined ? {} : { cy }) };
  }
  optionalBilingual(object: Record<string, unknown>, name: string, path: string): Bilingual | undefined {
    return object[name] === undefined ? undefined : this.bilingual(object, name, path);
  }
  id(value: unknown, path: string, seen: Set<string>): string | undefined {
    if (typeof value !== 'string' || !ID.test(value) || value.length > 80) return this.problem(path, 'must be 1 to 80 lower-case letters, digits and single hyphens');
    if (seen.has(value)) return this.problem(path, `is used twice (${value})`);
    seen.add(value);
    return value;
  }
  date(value: unknown, path: string): string | undefined {
    return typeof value === 'string' && DATE.test(value) ? value : this.problem(path, 'must be a date, YYYY-MM-DD or YYYY-MM');
  }
  number(value: unknown, path: string): number | undefined {
    return typeof value === 'number' && Number.isFinite(value) ? value : this.problem(path, 'must be a number');
  }
  url(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https:\/\//.test(value) || value.length > MAX_TEXT) return this.problem(path, 'must be an https address');
    return value;
  }
}

function readUpdate(reader: Reader, value: unknown, path: string): ProgressUpdate | undefined {
  const object = reader.object(value, path);
  if (!object) return undefined;
  const date = reader.date(object.date, `${path}.date`);
  const updateValue = object.value === undefined ? undefined : reader.number(object.value, `${path}.value`);
  const status = (RAG_STATUSES as readonly unknown[]).includes(object.status) ? (object.status as RagStatus) : reader.problem(`${path}.status`, 'must be green, amber or red');
  const reason = reader.bilingual(object, 'reason', path);
  const evidence = (reader.list(object.evidence ?? [], `${path}.evidence`) ?? []).map((item, index) => {
    const link = reader.object(item, `${path}.evidence[${index}]`);
    const title = link && reader.text(link.title, `${path}.evidence[${index}].title`);
    const url = link && reader.url(link.url, `${path}.evidence[${index}].url`);
    return title && url ? { title, url } : undefined;
  });
  if (!date || !status || !reason || evidence.includes(undefined)) return undefined;
  return { date, ...(updateValue === undefined ? {} : { value: updateValue }), status, reason, evidence: evidence as Evidence[] };
}

function readCommitment(reader: Reader, value: unknown, path: string, ids: Set<string>): Commitment | undefined {
  const object = reader.object(value, path);
  if (!object) return undefined;
  const id = reader.id(object.id, `${path}.id`, ids);
  const title = reader.bilingual(object, 'title', path);
  const owner = reader.text(object.owner, `${path}.owner`);
  const unit = reader.optionalBilingual(object, 'unit', path);
  const baselineObject = object.baseline === undefined ? undefined : reader.object(object.baseline, `${path}.baseline`);
  const baseline = baselineObject && { value: reader.number(baselineObject.value, `${path}.baseline.value`), date: reader.date(baselineObject.date, `${path}.baseline.date`) };
  const targetObject = reader.object(object.target, `${path}.target`);
  const target = targetObject && {
    value: targetObject.value === undefined ? undefined : reader.number(targetObject.value, `${path}.target.value`),
    date: reader.date(targetObject.date, `${path}.target.date`),
    description: reader.optionalBilingual(targetObject, 'description', `${path}.target`),
  };
  const updates = (reader.list(object.updates ?? [], `${path}.updates`) ?? []).map((update, index) => readUpdate(reader, update, `${path}.updates[${index}]`));
  const dates = updates.flatMap((update) => (update ? [update.date] : []));
  if (new Set(dates).size !== dates.length) reader.problem(`${path}.updates`, 'has two updates on one date');
  if (!id || !title || !owner || !target?.date || (baseline && (baseline.value === undefined || !baseline.date)) || updates.includes(undefined)) return undefined;
  return {
    id,
    title,
    owner,
    ...(unit ? { unit } : {}),
    ...(baseline ? { baseline: { value: baseline.value as number, date: baseline.date as string } } : {}),
    target: { date: target.date, ...(target.value === undefined ? {} : { value: target.value }), ...(target.description ? { description: target.description } : {}) },
    updates: (updates as ProgressUpdate[]).sort((a, b) => a.date.localeCompare(b.date)),
  };
}

/** The roadmap `document` holds, or every problem it has. */
export function readRoadmap(document: unknown): { roadmap: Roadmap } | { problems: RoadmapProblem[] } {
  const reader = new Reader();
  const root = reader.object(document, '$');
  const title = root && reader.bilingual(root, 'title', '$');
  const missionIds = new Set<string>();
  const commitmentIds = new Set<string>();
  const missions = (root ? (reader.list(root.missions, '$.missions') ?? []) : []).map((value, index) => {
    const path = `$.missions[${index}]`;
    const object = reader.object(value, path);
    if (!object) return undefined;
    const id = reader.id(object.id, `${path}.id`, missionIds);
    const missionTitle = reader.bilingual(object, 'title', path);
    const description = reader.optionalBilingual(object, 'description', path);
    const commitments = (reader.list(object.commitments, `${path}.commitments`) ?? []).map((item, position) => readCommitment(reader, item, `${path}.commitments[${position}]`, commitmentIds));
    if (!id || !missionTitle || commitments.includes(undefined)) return undefined;
    return { id, title: missionTitle, ...(description ? { description } : {}), commitments: commitments as Commitment[] };
  });
  if (reader.problems.length > 0 || !title) return { problems: reader.problems };
  return { roadmap: { title, missions: missions as Mission[] } };
}
