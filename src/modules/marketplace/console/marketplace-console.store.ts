import type { Executor } from '../../../platform/db/database.ts';

export type DraftRow = { id: string; organisation_id: string; type: string; editing: string | null; content: string; updated_by: string; updated_at: string };
type Tables = { marketplace_draft: DraftRow };

/** The console's drafts of records, each an organisation's own. */
export function createMarketplaceConsoleStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insertDraft(row: DraftRow): Promise<void> {
      await tables.insertInto('marketplace_draft').values(row).execute();
    },
    findDraft: (organisationId: string, id: string) =>
      tables.selectFrom('marketplace_draft').selectAll().where('id', '=', id).where('organisation_id', '=', organisationId).executeTakeFirst(),
    listDrafts: (organisationId: string) => tables.selectFrom('marketplace_draft').selectAll().where('organisation_id', '=', organisationId).orderBy('updated_at', 'desc').limit(100).execute(),
    async updateDraft(id: string, changes: Pick<DraftRow, 'content' | 'updated_by' | 'updated_at'>): Promise<void> {
      await tables.updateTable('marketplace_draft').set(changes).where('id', '=', id).execute();
    },
    async deleteDraft(id: string): Promise<void> {
      await tables.deleteFrom('marketplace_draft').where('id', '=', id).execute();
    },
  };
}
