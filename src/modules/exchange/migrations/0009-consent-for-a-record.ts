import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A consent is for one record of the person's at the provider (their PIP reference, say), named
  // by the consumer when it asks and shown to the person: a call under the consent must name that
  // record. Null on consents and requests from before: such a consent lets no call through.
  await db.schema.alterTable('exchange_consent_request').addColumn('record', 'text').execute();
  await db.schema.alterTable('exchange_consent').addColumn('record', 'text').execute();
}
