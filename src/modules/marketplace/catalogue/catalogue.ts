import type { CatalogueRecords } from '../records/catalogue-records.ts';
import { buildCatalogueEntries, type CatalogueEntries } from './catalogue-entries.ts';
import { createCatalogueIndex, type CatalogueIndex } from './catalogue-search.ts';

export type CatalogueSnapshot = CatalogueEntries & { index: CatalogueIndex };

/**
 * The catalogue as this process serves it: every record and the search index over them, built
 * again when the revision in the database has moved (any process's change counts it up), so
 * every process serves what is stored now. Reading the revision is one row.
 */
export function createCatalogue(records: CatalogueRecords) {
  let built: { revision: number; snapshot: CatalogueSnapshot } | undefined;
  let pending: { revision: number; promise: Promise<CatalogueSnapshot> } | undefined;

  async function build(revision: number): Promise<CatalogueSnapshot> {
    const entries = buildCatalogueEntries(await records.listRecords());
    const snapshot = { ...entries, index: createCatalogueIndex(entries) };
    if (!built || built.revision < revision) built = { revision, snapshot };
    return snapshot;
  }

  return {
    async current(): Promise<CatalogueSnapshot> {
      const revision = await records.readRevision();
      if (built?.revision === revision) return built.snapshot;
      if (pending?.revision !== revision) {
        const promise = build(revision).finally(() => {
          if (pending?.promise === promise) pending = undefined;
        });
        pending = { revision, promise };
      }
      return pending.promise;
    },
  };
}

export type Catalogue = ReturnType<typeof createCatalogue>;
