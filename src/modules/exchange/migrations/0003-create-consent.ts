import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A service whose personal data is shared only with the person's consent: each call names the
  // person (X-Road-UserId) and needs their consent in force.
  await db.schema.alterTable('exchange_service').addColumn('under_consent', 'integer', (column) => column.notNull().defaultTo(0)).execute();

  // The One Login client whose pairwise `sub` a consumer subsystem sends as X-Road-UserId (a client
  // of the member's own organisation), and the addresses its consent page may send people back to (JSON).
  await db.schema
    .createTable('exchange_consumer_link')
    .addColumn('subsystem_id', 'text', (column) => column.primaryKey())
    .addColumn('one_login_client_id', 'text', (column) => column.notNull())
    .addColumn('return_urls', 'text', (column) => column.notNull())
    .addColumn('linked_by', 'text', (column) => column.notNull())
    .addColumn('linked_at', 'text', (column) => column.notNull())
    .execute();

  // A consumer's request for a person's consent, from the consumer's link until the person answers.
  // `subject` is the person's `sub` for the consumer's client, set when they first open it signed in.
  await db.schema
    .createTable('exchange_consent_request')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('client_subsystem_id', 'text', (column) => column.notNull())
    .addColumn('agreement_id', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('return_url', 'text', (column) => column.notNull())
    .addColumn('subject', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('consent_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_consent_request_expires_at').on('exchange_consent_request').column('expires_at').execute();

  // A person's consent for one consumer member, service and agreement, known only by the pairwise
  // `sub` of the consumer's One Login client: Exchange never learns the account.
  await db.schema
    .createTable('exchange_consent')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('one_login_client_id', 'text', (column) => column.notNull())
    .addColumn('consumer_member_id', 'text', (column) => column.notNull())
    .addColumn('consumer_subsystem_id', 'text', (column) => column.notNull())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('agreement_id', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('given_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_consent_subject').on('exchange_consent').columns(['subject', 'service_id', 'consumer_member_id']).execute();
}
