import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // On a form that asks people to sign in, the session belongs to the One Login account that
  // signed in (its subject for Forms' client), with the email address and phone number One
  // Login gave, to prefill; it lasts the form's retention period, so the person can come back.
  await db.schema.alterTable('forms_session').addColumn('account_subject', 'text').execute();
  await db.schema.alterTable('forms_session').addColumn('account_level', 'text').execute();
  await db.schema.alterTable('forms_session').addColumn('account_email', 'text').execute();
  await db.schema.alterTable('forms_session').addColumn('account_phone', 'text').execute();
  await db.schema.createIndex('forms_session_account').on('forms_session').columns(['form_id', 'account_subject']).execute();
}
