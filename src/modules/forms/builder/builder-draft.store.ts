import type { Executor } from '../../../platform/db/database.ts';

export type BuilderDraftRow = { form_id: string; definition: string; revision: number; updated_by: string; updated_at: string };

type Tables = { forms_builder_draft: BuilderDraftRow };

/** The console builder's working copy of each form. */
export function createBuilderDraftStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findDraft: (formId: string) => tables.selectFrom('forms_builder_draft').selectAll().where('form_id', '=', formId).executeTakeFirst(),
    async insertDraft(row: BuilderDraftRow): Promise<void> {
      await tables.insertInto('forms_builder_draft').values(row).execute();
    },
    /** Saves a change made to `revision`; false when someone else's change came first. */
    async updateDraft(input: { formId: string; revision: number; definition: string; updatedBy: string; updatedAt: string }): Promise<boolean> {
      const result = await tables
        .updateTable('forms_builder_draft')
        .set({ definition: input.definition, revision: input.revision + 1, updated_by: input.updatedBy, updated_at: input.updatedAt })
        .where('form_id', '=', input.formId)
        .where('revision', '=', input.revision)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteDraft(formId: string): Promise<void> {
      await tables.deleteFrom('forms_builder_draft').where('form_id', '=', formId).execute();
    },
  };
}
