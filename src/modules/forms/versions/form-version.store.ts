import type { Executor } from '../../../platform/db/database.ts';

export type FormRow = { id: string; service_id: string; slug: string; live_version_id: string | null; created_at: string; updated_at: string };
export type VersionStatus = 'draft' | 'live' | 'archived';
export type FormVersionRow = {
  id: string;
  form_id: string;
  number: number;
  status: VersionStatus;
  definition: string;
  created_at: string;
  published_at: string | null;
};

type Tables = { forms_form: FormRow; forms_version: FormVersionRow };

/** Forms and their versions. */
export function createFormVersionStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insertForm(row: FormRow): Promise<void> {
      await tables.insertInto('forms_form').values(row).execute();
    },
    findForm: (id: string) => tables.selectFrom('forms_form').selectAll().where('id', '=', id).executeTakeFirst(),
    listFormsOfService: (serviceId: string) => tables.selectFrom('forms_form').selectAll().where('service_id', '=', serviceId).orderBy('created_at').orderBy('id').execute(),
    findFormBySlug: (slug: string) => tables.selectFrom('forms_form').selectAll().where('slug', '=', slug).executeTakeFirst(),

    async insertVersion(row: FormVersionRow): Promise<void> {
      await tables.insertInto('forms_version').values(row).execute();
    },
    findVersion: (id: string) => tables.selectFrom('forms_version').selectAll().where('id', '=', id).executeTakeFirst(),
    async findLatestNumber(formId: string): Promise<number> {
      const row = await tables.selectFrom('forms_version').select((eb) => eb.fn.max('number').as('latest')).where('form_id', '=', formId).executeTakeFirst();
      return Number(row?.latest ?? 0);
    },
    listVersions: (formId: string) => tables.selectFrom('forms_version').select(['id', 'number', 'status', 'created_at', 'published_at']).where('form_id', '=', formId).orderBy('number').execute(),

    /** Deletes a form that has never had a version (one begun in the builder and never published); false when it has one. */
    async deleteFormNeverPublished(formId: string): Promise<boolean> {
      const result = await tables
        .deleteFrom('forms_form')
        .where('id', '=', formId)
        .where('live_version_id', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('forms_version').select('forms_version.id').where('forms_version.form_id', '=', formId))))
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /** Takes the form down: its live version is archived and /forms/{slug} finds nothing. */
    async archiveLive(input: { formId: string; at: string }): Promise<boolean> {
      const result = await tables.updateTable('forms_version').set({ status: 'archived' }).where('form_id', '=', input.formId).where('status', '=', 'live').executeTakeFirst();
      await tables.updateTable('forms_form').set({ live_version_id: null, updated_at: input.at }).where('id', '=', input.formId).execute();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Makes `versionId` the form's live version and archives the one it replaces. */
    async makeLive(input: { formId: string; versionId: string; at: string }): Promise<void> {
      await tables.updateTable('forms_version').set({ status: 'archived' }).where('form_id', '=', input.formId).where('status', '=', 'live').execute();
      await tables.updateTable('forms_version').set({ status: 'live', published_at: input.at }).where('id', '=', input.versionId).execute();
      await tables.updateTable('forms_form').set({ live_version_id: input.versionId, updated_at: input.at }).where('id', '=', input.formId).execute();
    },
  };
}

export type FormVersionStore = ReturnType<typeof createFormVersionStore>;
