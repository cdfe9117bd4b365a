import type { Executor } from '../../../platform/db/database.ts';

type Tables = { forms_webhook_secret: { form_id: string; sealed_secret: string; created_at: string } };

export function createWebhookSecretStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    /** Keeps the form's secret unless it has one already (the first one made stays). */
    async insertUnlessPresent(row: { form_id: string; sealed_secret: string; created_at: string }): Promise<void> {
      await tables.insertInto('forms_webhook_secret').values(row).onConflict((conflict) => conflict.column('form_id').doNothing()).execute();
    },
    find: (formId: string) => tables.selectFrom('forms_webhook_secret').select('sealed_secret').where('form_id', '=', formId).executeTakeFirst(),
    async deleteSecret(formId: string): Promise<void> {
      await tables.deleteFrom('forms_webhook_secret').where('form_id', '=', formId).execute();
    },
  };
}
