import type { StoredRecord } from '../records/catalogue-records.ts';
import type { CatalogueRecord } from '../records/validate-record.ts';

/** Who is looking: anyone, or a signed-in member of an organisation on the platform. */
export type Audience = 'public' | 'members';

/** A record as the catalogue shows it, with what the pages need beside the model's slots. */
export type CatalogueEntry = {
  record: CatalogueRecord;
  organisationId: string | null;
  /** Only members see it: INTERNAL, or a distribution with no access rights of its own whose datasets are not all public. */
  membersOnly: boolean;
  /** Datasets and data services are listed and searched; distributions show on their datasets' pages. */
  listed: boolean;
  /** The record as anyone may see it: references to members-only records left out. */
  publicRecord: CatalogueRecord;
};

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

export type CatalogueEntries = {
  entries: readonly CatalogueEntry[];
  byIdentifier: ReadonlyMap<string, CatalogueEntry>;
  /** The records related to one, as the audience may see them. */
  relatedTo(entry: CatalogueEntry, audience: Audience): RelatedRecords;
};

export type RelatedRecords = {
  /** Of a data service: the datasets it serves. Of a dataset: the data services that serve it. */
  servedDatasets: CatalogueEntry[];
  servingServices: CatalogueEntry[];
  distributions: CatalogueEntry[];
  /** Of a distribution: the datasets it is a distribution of. */
  distributionOf: CatalogueEntry[];
  relatedResources: CatalogueEntry[];
};

const REFERENCE_SLOTS = ['servesData', 'distribution', 'relatedResource', 'accessService'] as const;

/** The record as the audience may see it. */
export const recordFor = (entry: CatalogueEntry, audience: Audience): CatalogueRecord => (audience === 'members' ? entry.record : entry.publicRecord);

export const isVisibleTo = (entry: CatalogueEntry, audience: Audience): boolean => audience === 'members' || !entry.membersOnly;

/**
 * The catalogue as pages and search read it, built from every stored record. A distribution
 * without access rights of its own is as open as the datasets that list it, and members-only
 * when no dataset lists it.
 */
export function buildCatalogueEntries(stored: readonly StoredRecord[]): CatalogueEntries {
  const holderOf = new Map(stored.map(({ record, organisationId }) => [record.identifier, organisationId]));
  // Only the record's own holder's records count from the other side: another organisation's
  // dataset listing a distribution neither shows on its page nor changes who may see it.
  const sameHolder = (identifier: string, organisationId: string | null) => holderOf.has(identifier) && holderOf.get(identifier) === organisationId;
  const datasetsOfDistribution = new Map<string, CatalogueRecord[]>();
  for (const { record, organisationId } of stored) {
    if (record.type !== 'dcat:Dataset') continue;
    for (const identifier of stringsOf(record.distribution)) {
      if (sameHolder(identifier, organisationId)) datasetsOfDistribution.set(identifier, [...(datasetsOfDistribution.get(identifier) ?? []), record]);
    }
  }
  const entries = stored.map(({ record, organisationId }): CatalogueEntry => {
    const listed = record.type !== 'dcat:Distribution';
    let membersOnly = record.accessRights === 'INTERNAL';
    if (!listed && record.accessRights === undefined) {
      const datasets = datasetsOfDistribution.get(record.identifier) ?? [];
      membersOnly = datasets.length === 0 || datasets.some((dataset) => dataset.accessRights === 'INTERNAL');
    }
    return { record, organisationId, membersOnly, listed, publicRecord: record };
  });
  const byIdentifier = new Map(entries.map((entry) => [entry.record.identifier, entry]));
  const isMembersOnly = (identifier: string) => byIdentifier.get(identifier)?.membersOnly === true;
  for (const entry of entries) {
    const hidden = REFERENCE_SLOTS.filter((slot) => stringsOf(entry.record[slot]).some(isMembersOnly));
    if (hidden.length === 0) continue;
    const publicRecord: CatalogueRecord = { ...entry.record };
    for (const slot of hidden) {
      const kept = stringsOf(entry.record[slot]).filter((identifier) => !isMembersOnly(identifier));
      if (kept.length > 0) publicRecord[slot] = kept;
      else delete publicRecord[slot];
    }
    entry.publicRecord = publicRecord;
  }
  const servicesOfDataset = new Map<string, CatalogueEntry[]>();
  for (const entry of entries) {
    if (entry.record.type !== 'dcat:DataService') continue;
    for (const identifier of stringsOf(entry.record.servesData)) {
      // A dataset's page lists the services its own holder says serve it, never another organisation's.
      if (sameHolder(identifier, entry.organisationId)) servicesOfDataset.set(identifier, [...(servicesOfDataset.get(identifier) ?? []), entry]);
    }
  }

  function relatedTo(entry: CatalogueEntry, audience: Audience): RelatedRecords {
    const visible = (list: readonly (CatalogueEntry | undefined)[]) =>
      list.filter((item): item is CatalogueEntry => item !== undefined && item !== entry && isVisibleTo(item, audience));
    const lookUp = (identifiers: readonly string[]) => identifiers.map((identifier) => byIdentifier.get(identifier));
    const { record } = entry;
    return {
      servedDatasets: visible(lookUp(stringsOf(record.servesData))),
      servingServices: visible(servicesOfDataset.get(record.identifier) ?? []),
      distributions: visible(lookUp(stringsOf(record.distribution))),
      distributionOf: visible((datasetsOfDistribution.get(record.identifier) ?? []).map((dataset) => byIdentifier.get(dataset.identifier))),
      relatedResources: visible(lookUp(stringsOf(record.relatedResource))),
    };
  }

  return { entries, byIdentifier, relatedTo };
}
