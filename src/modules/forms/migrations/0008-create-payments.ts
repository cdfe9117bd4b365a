import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Each try at paying for a session's submission: a Pay payment, reached back through a return
  // address holding a random token (only its hash is kept) bound to the session and the form.
  await db.schema
    .createTable('forms_payment')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('session_hash', 'text', (column) => column.notNull())
    .addColumn('form_id', 'text', (column) => column.notNull())
    .addColumn('pay_account_id', 'text', (column) => column.notNull())
    .addColumn('pay_payment_id', 'text', (column) => column.notNull().unique())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('forms_payment_expires_at').on('forms_payment').column('expires_at').execute();
  // A submission of a form that charges names the payment that paid for it, once.
  await db.schema.alterTable('forms_submission').addColumn('payment_reference', 'text').execute();
  await db.schema.alterTable('forms_submission').addColumn('pay_payment_id', 'text').execute();
  await db.schema.alterTable('forms_submission').addColumn('payment_amount', 'integer').execute();
  await db.schema.createIndex('forms_submission_pay_payment').on('forms_submission').column('pay_payment_id').unique().execute();
}
