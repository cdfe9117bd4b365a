import { sql } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';

export type RecordRow = {
  identifier: string;
  type: string;
  organisation_id: string | null;
  version: number;
  content: string;
  created_at: string;
  updated_at: string;
};
type VersionRow = { identifier: string; version: number; content: string; recorded_by: string; recorded_at: string };
type RevisionRow = { name: string; revision: number };
type MarketplaceTables = { marketplace_record: RecordRow; marketplace_record_version: VersionRow; marketplace_revision: RevisionRow };

const WRITES_LOCK = lockIdOf('marketplace.writes');

export function createRecordStore() {
  const tables = (executor: Executor) => executor.withTables<MarketplaceTables>();
  return {
    /** Writes to the catalogue run one at a time, so versions and the revision never collide. */
    lockWrites: (transaction: Executor) => lockUntilTransactionEnds(transaction, WRITES_LOCK),

    async findRecord(executor: Executor, identifier: string): Promise<RecordRow | undefined> {
      return tables(executor).selectFrom('marketplace_record').selectAll().where('identifier', '=', identifier).executeTakeFirst();
    },
    /** Every record, in identifier order; of one organisation when it is given. */
    async listRecords(executor: Executor, organisationId?: string): Promise<RecordRow[]> {
      let query = tables(executor).selectFrom('marketplace_record').selectAll();
      if (organisationId !== undefined) query = query.where('organisation_id', '=', organisationId);
      return query.orderBy('identifier').execute();
    },
    async insertRecord(executor: Executor, row: RecordRow): Promise<void> {
      await tables(executor).insertInto('marketplace_record').values(row).execute();
    },
    async updateRecord(executor: Executor, row: RecordRow): Promise<void> {
      const { identifier, ...changes } = row;
      await tables(executor).updateTable('marketplace_record').set(changes).where('identifier', '=', identifier).execute();
    },
    async insertVersion(executor: Executor, row: VersionRow): Promise<void> {
      await tables(executor).insertInto('marketplace_record_version').values(row).execute();
    },
    async countVersions(executor: Executor, identifier: string): Promise<number> {
      const row = await tables(executor)
        .selectFrom('marketplace_record_version')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('identifier', '=', identifier)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async readRevision(executor: Executor): Promise<number> {
      const row = await tables(executor).selectFrom('marketplace_revision').select('revision').where('name', '=', 'catalogue').executeTakeFirstOrThrow();
      return Number(row.revision);
    },
    async countRevision(executor: Executor): Promise<void> {
      await tables(executor).updateTable('marketplace_revision').set({ revision: sql`revision + 1` }).where('name', '=', 'catalogue').execute();
    },
  };
}

export type RecordStore = ReturnType<typeof createRecordStore>;
