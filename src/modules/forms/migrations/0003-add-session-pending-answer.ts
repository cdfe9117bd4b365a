import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // An answer refused with errors, kept for the page the person is redirected to (post/redirect/get),
  // as JSON: the step, what they entered and the errors. Cleared once shown or when an answer is saved.
  await db.schema.alterTable('forms_session').addColumn('pending', 'text').execute();
}
