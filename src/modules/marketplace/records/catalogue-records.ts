import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Config } from '../../../platform/config/config.schema.ts';
import type { Database } from '../../../platform/db/database.ts';
import { createHolderRules } from './holder-rules.ts';
import { createRecordStore, type RecordRow } from './record.store.ts';
import { describeProblem, validateRecord, type CatalogueRecord, type RecordProblem } from './validate-record.ts';

/** A record as the catalogue holds it: the model's record, whose it is, and its version. */
export type StoredRecord = {
  record: CatalogueRecord;
  /** The console organisation that holds the record, or null for one an operator imported for nobody. */
  organisationId: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export type SaveOutcome =
  | { outcome: 'created' | 'updated' | 'unchanged'; identifier: string; version: number }
  | { outcome: 'refused'; identifier: string | null; problems: RecordProblem[] };

function storedRecordOf(row: RecordRow): StoredRecord {
  return {
    record: JSON.parse(row.content) as CatalogueRecord,
    organisationId: row.organisation_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The catalogue's records: each saved only when it follows the model, every change kept as a new
 * version (an unchanged record is left as it is), audited, and counted in the revision the
 * search index follows. A record held by one organisation is never changed for another.
 */
export function createCatalogueRecords(dependencies: { db: Database; audit: AuditService; config: Config; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createRecordStore();
  const holderRules = createHolderRules(dependencies);

  return {
    async saveRecord(input: { document: unknown; organisationId?: string; actor: string }): Promise<SaveOutcome> {
      const validation = validateRecord(input.document);
      if (!validation.valid) return { outcome: 'refused', identifier: validation.identifier ?? null, problems: validation.problems };
      const { record } = validation;
      // Checked before the transaction: the console's and Exchange's reads take a connection of their own.
      const holderProblems = await holderRules.check(record, input.organisationId);
      if (holderProblems.length > 0) return { outcome: 'refused', identifier: record.identifier, problems: holderProblems };
      const content = JSON.stringify(record);
      return db.transaction().execute(async (transaction): Promise<SaveOutcome> => {
        await store.lockWrites(transaction);
        const existing = await store.findRecord(transaction, record.identifier);
        if (existing && input.organisationId !== undefined && existing.organisation_id !== input.organisationId) {
          return { outcome: 'refused', identifier: record.identifier, problems: [describeProblem('identifier', 'heldByAnother')] };
        }
        if (existing && existing.type !== record.type) {
          return { outcome: 'refused', identifier: record.identifier, problems: [describeProblem('type', 'keepsType', { type: existing.type })] };
        }
        if (existing?.content === content) return { outcome: 'unchanged', identifier: record.identifier, version: existing.version };
        const now = clock().toISOString();
        const version = (existing?.version ?? 0) + 1;
        const row: RecordRow = {
          identifier: record.identifier,
          type: record.type,
          organisation_id: existing ? existing.organisation_id : (input.organisationId ?? null),
          version,
          content,
          created_at: existing?.created_at ?? now,
          updated_at: now,
        };
        if (existing) await store.updateRecord(transaction, row);
        else await store.insertRecord(transaction, row);
        await store.insertVersion(transaction, { identifier: record.identifier, version, content, recorded_by: input.actor, recorded_at: now });
        await store.countRevision(transaction);
        await audit.record(
          {
            actor: input.actor,
            action: existing ? 'marketplace.record.updated' : 'marketplace.record.created',
            subject: `record:${record.identifier}`,
            outcome: 'success',
            details: { version, organisationId: row.organisation_id },
          },
          transaction,
        );
        return { outcome: existing ? 'updated' : 'created', identifier: record.identifier, version };
      });
    },

    async findRecord(identifier: string): Promise<StoredRecord | undefined> {
      const row = await store.findRecord(db, identifier);
      return row && storedRecordOf(row);
    },

    async listRecords(organisationId?: string): Promise<StoredRecord[]> {
      return (await store.listRecords(db, organisationId)).map(storedRecordOf);
    },

    /** What a draft's answers say of whose it is that its holder may not say (the console's question pages check each answer). */
    checkHolding: (draft: Record<string, unknown>, organisationId: string) => holderRules.check(draft, organisationId),

    countVersions: (identifier: string) => store.countVersions(db, identifier),
    readRevision: () => store.readRevision(db),
  };
}

export type CatalogueRecords = ReturnType<typeof createCatalogueRecords>;
