import { sql, type Kysely } from 'kysely';

/**
 * Notify's tables. Text ids (UUIDs), ISO-8601 UTC timestamps as text, JSON as text, booleans as
 * integers 0/1, so the same schema serves SQLite and PostgreSQL.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notify_service')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('active', 'integer', (column) => column.notNull())
    .addColumn('system_key', 'text', (column) => column.unique())
    .addColumn('rate_limit', 'integer', (column) => column.notNull())
    .addColumn('email_daily_limit', 'integer', (column) => column.notNull())
    .addColumn('sms_daily_limit', 'integer', (column) => column.notNull())
    .addColumn('letter_daily_limit', 'integer', (column) => column.notNull())
    .addColumn('retention_days', 'integer', (column) => column.notNull())
    .addColumn('can_send_international_sms', 'integer', (column) => column.notNull())
    .addColumn('sms_sender', 'text', (column) => column.notNull())
    .addColumn('delivery_callback_url', 'text')
    .addColumn('delivery_callback_token', 'text')
    .addColumn('inbound_callback_url', 'text')
    .addColumn('inbound_callback_token', 'text')
    .addColumn('inbound_number', 'text', (column) => column.unique())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('notify_api_key')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('key_type', 'text', (column) => column.notNull())
    .addColumn('secret', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('notify_api_key_service').on('notify_api_key').column('service_id').execute();

  await db.schema
    .createTable('notify_team_member')
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('email_address', 'text', (column) => column.notNull())
    .addColumn('phone_number', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('notify_team_member_pk', ['service_id', 'email_address'])
    .execute();
  await db.schema.createIndex('notify_team_member_email').on('notify_team_member').column('email_address').execute();

  await db.schema
    .createTable('notify_guest_list')
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('recipient_type', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('notify_guest_list_pk', ['service_id', 'recipient'])
    .execute();

  await db.schema
    .createTable('notify_sender')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('sender_type', 'text', (column) => column.notNull())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('is_default', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('notify_sender_service').on('notify_sender').column('service_id').execute();

  await db.schema
    .createTable('notify_template')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('system_key', 'text', (column) => column.unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('postage', 'text')
    .addColumn('letter_contact_block', 'text')
    .addColumn('archived', 'integer', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text')
    .execute();
  await db.schema.createIndex('notify_template_service').on('notify_template').column('service_id').execute();

  await db.schema
    .createTable('notify_template_version')
    .addColumn('template_id', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('postage', 'text')
    .addColumn('letter_contact_block', 'text')
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('notify_template_version_pk', ['template_id', 'version'])
    .execute();

  await db.schema
    .createTable('notify_notification')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('key_type', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('template_id', 'text')
    .addColumn('template_version', 'integer')
    .addColumn('recipient', 'text', (column) => column.notNull())
    .addColumn('personalisation', 'text', (column) => column.notNull())
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('reference', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('postage', 'text')
    .addColumn('billable_units', 'integer', (column) => column.notNull())
    .addColumn('reply_to', 'text')
    .addColumn('sender', 'text')
    .addColumn('one_click_unsubscribe_url', 'text')
    .addColumn('precompiled', 'integer', (column) => column.notNull())
    .addColumn('delivery_attempts', 'integer', (column) => column.notNull())
    .addColumn('provider_reference', 'text')
    .addColumn('created_by_name', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  // Listing newest first within a service, and finding what retention must delete (per service).
  await db.schema
    .createIndex('notify_notification_service_created')
    .on('notify_notification')
    .columns(['service_id', 'created_at'])
    .execute();
  // Delivery receipts from an SMS gateway name the message by the gateway's own id. Partial:
  // most notifications have none, and every index is written on every accepted notification.
  await db.schema
    .createIndex('notify_notification_provider_reference')
    .on('notify_notification')
    .column('provider_reference')
    .where(sql.ref('provider_reference'), 'is not', null)
    .execute();

  // A precompiled letter's PDF, base64, kept until the service's retention period ends.
  await db.schema
    .createTable('notify_letter_pdf')
    .addColumn('notification_id', 'text', (column) => column.primaryKey())
    .addColumn('content', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('notify_received_text')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('user_number', 'text', (column) => column.notNull())
    .addColumn('notify_number', 'text', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('notify_received_text_service_created')
    .on('notify_received_text')
    .columns(['service_id', 'created_at'])
    .execute();

  // Token buckets for the per-key-type rate limit, shared by every process.
  await db.schema
    .createTable('notify_rate_bucket')
    .addColumn('bucket', 'text', (column) => column.primaryKey())
    .addColumn('tokens', 'real', (column) => column.notNull())
    .addColumn('refilled_at_ms', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('notify_daily_count')
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('notify_daily_count_pk', ['service_id', 'day', 'type'])
    .execute();

  await db.schema
    .createTable('notify_file')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('notification_id', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull())
    .addColumn('filename', 'text')
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('confirm_email', 'integer', (column) => column.notNull())
    .addColumn('recipient_email', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('notify_file_expires').on('notify_file').column('expires_at').execute();

  await db.schema
    .createTable('notify_sign_in_token')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('email_address', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema
    .createTable('notify_session')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('email_address', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();

  // When each recurring job (retention) should next run; one row per job, shared by processes.
  await db.schema
    .createTable('notify_schedule')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('next_run_at', 'text', (column) => column.notNull())
    .execute();
}
