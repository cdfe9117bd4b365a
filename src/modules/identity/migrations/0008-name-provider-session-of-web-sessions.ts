import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The ID token's subject and provider session (sid) each account-pages session came from, so a
  // back-channel logout token from the provider ends exactly the sessions it names. Sessions
  // from before have neither and end by themselves within the hour.
  await db.schema.alterTable('identity_web_session').addColumn('subject', 'text').execute();
  await db.schema.alterTable('identity_web_session').addColumn('sid', 'text').execute();
  await db.schema.createIndex('identity_web_session_subject').on('identity_web_session').column('subject').execute();
}
