import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Every table of the Pay module. Money is in pence as integers; ids are text; times are
 * ISO-8601 UTC text; booleans are 0 or 1; JSON is text.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pay_secret')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .execute();
  // Keys random for each installation: behind the checksum on every API key, and behind the
  // one-time tokens in payments' next_url.
  await db
    .withTables<{ pay_secret: { name: string; value: string } }>()
    .insertInto('pay_secret')
    .values([
      { name: 'api-key-checksum', value: randomBytes(32).toString('hex') },
      { name: 'next-url', value: randomBytes(32).toString('hex') },
    ])
    .execute();

  await db.schema
    .createTable('pay_account')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('live_provider', 'text')
    .addColumn('rate_limit_post', 'integer', (column) => column.notNull())
    .addColumn('rate_limit_other', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('pay_api_key')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('token_hint', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('pay_api_key_account').on('pay_api_key').column('account_id').execute();

  await db.schema
    .createTable('pay_payment')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('language', 'text', (column) => column.notNull())
    .addColumn('email', 'text')
    .addColumn('return_url', 'text', (column) => column.notNull())
    .addColumn('delayed_capture', 'integer', (column) => column.notNull())
    .addColumn('moto', 'integer', (column) => column.notNull())
    .addColumn('metadata', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('failure_code', 'text')
    .addColumn('cardholder_name', 'text')
    .addColumn('billing_address', 'text')
    .addColumn('card_first_digits', 'text')
    .addColumn('card_last_digits', 'text')
    .addColumn('card_brand', 'text')
    .addColumn('card_type', 'text')
    .addColumn('card_expiry', 'text')
    .addColumn('three_d_secure_required', 'integer', (column) => column.notNull())
    .addColumn('refund_amount_submitted', 'integer', (column) => column.notNull())
    .addColumn('refund_amount_refunded', 'integer', (column) => column.notNull())
    .addColumn('capture_submitted_at', 'text')
    .addColumn('captured_at', 'text')
    .addColumn('settled_at', 'text')
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('pay_payment_account_created')
    .on('pay_payment')
    .columns(['account_id', 'live', 'created_at'])
    .execute();
  await db.schema
    .createIndex('pay_payment_status_expires')
    .on('pay_payment')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('pay_refund')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('payment_id', 'text', (column) => column.notNull().references('pay_payment.id'))
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('requested_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema.createIndex('pay_refund_payment').on('pay_refund').column('payment_id').execute();
  await db.schema
    .createIndex('pay_refund_account_created')
    .on('pay_refund')
    .columns(['account_id', 'live', 'created_at'])
    .execute();

  // The ledger: every state change of a payment or refund, with the money it moved.
  await db.schema
    .createTable('pay_ledger_entry')
    .addColumn('payment_id', 'text', (column) => column.notNull().references('pay_payment.id'))
    .addColumn('sequence', 'integer', (column) => column.notNull())
    .addColumn('refund_id', 'text')
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('event_type', 'text', (column) => column.notNull())
    .addColumn('status', 'text')
    .addColumn('code', 'text')
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('occurred_at', 'text', (column) => column.notNull())
    // Each payment's entries are numbered 1, 2, 3...: the order its changes happened in.
    .addPrimaryKeyConstraint('pay_ledger_entry_pk', ['payment_id', 'sequence'])
    .execute();
  await db.schema
    .createIndex('pay_ledger_entry_account')
    .on('pay_ledger_entry')
    .columns(['account_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('pay_idempotency_key')
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('request_hash', 'text', (column) => column.notNull())
    .addColumn('payment_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('pay_idempotency_key_pk', ['account_id', 'live', 'key'])
    .execute();
  await db.schema.createIndex('pay_idempotency_key_created').on('pay_idempotency_key').column('created_at').execute();

  await db.schema
    .createTable('pay_rate_limit')
    .addColumn('bucket', 'text', (column) => column.primaryKey())
    .addColumn('window_start', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('pay_webhook')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('url', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('signing_secret', 'text', (column) => column.notNull())
    .addColumn('events', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('pay_webhook_account').on('pay_webhook').columns(['account_id', 'live']).execute();

  await db.schema
    .createTable('pay_webhook_message')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('webhook_id', 'text', (column) => column.notNull().references('pay_webhook.id'))
    .addColumn('event_type', 'text', (column) => column.notNull())
    .addColumn('resource_id', 'text', (column) => column.notNull())
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('next_attempt_at', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('pay_webhook_message_webhook')
    .on('pay_webhook_message')
    .columns(['webhook_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('pay_webhook_attempt')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('message_id', 'text', (column) => column.notNull().references('pay_webhook_message.id'))
    .addColumn('attempt', 'integer', (column) => column.notNull())
    .addColumn('attempted_at', 'text', (column) => column.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('problem', 'text')
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('pay_webhook_attempt_message').on('pay_webhook_attempt').column('message_id').execute();

  await db.schema
    .createTable('pay_team_session')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('key_id', 'text', (column) => column.notNull().references('pay_api_key.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('pay_schedule')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('next_run_at', 'text', (column) => column.notNull())
    .execute();
}
