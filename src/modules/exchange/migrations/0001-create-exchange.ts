import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A console organisation as a member of the exchange: INSTANCE/CLASS/CODE, usable once an operator approves it.
  await db.schema
    .createTable('exchange_member')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('organisation_id', 'text', (column) => column.notNull())
    .addColumn('instance', 'text', (column) => column.notNull())
    .addColumn('member_class', 'text', (column) => column.notNull())
    .addColumn('member_code', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addUniqueConstraint('exchange_member_identifier_unique', ['instance', 'member_class', 'member_code'])
    .addUniqueConstraint('exchange_member_organisation_unique', ['instance', 'organisation_id'])
    .execute();

  await db.schema
    .createTable('exchange_subsystem')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('member_id', 'text', (column) => column.notNull())
    .addColumn('subsystem_code', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('exchange_subsystem_code_unique', ['member_id', 'subsystem_code'])
    .execute();

  // A subsystem's public keys, known by their RFC 7638 thumbprint (the keyid of its signatures).
  await db.schema
    .createTable('exchange_subsystem_key')
    .addColumn('thumbprint', 'text', (column) => column.primaryKey())
    .addColumn('subsystem_id', 'text', (column) => column.notNull())
    .addColumn('algorithm', 'text', (column) => column.notNull())
    .addColumn('public_jwk', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_subsystem_key_subsystem').on('exchange_subsystem_key').column('subsystem_id').execute();

  // `endpoints` is JSON: [{method, path, fields}] read from the OpenAPI description.
  await db.schema
    .createTable('exchange_service')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('subsystem_id', 'text', (column) => column.notNull())
    .addColumn('service_code', 'text', (column) => column.notNull())
    .addColumn('base_url', 'text', (column) => column.notNull())
    .addColumn('openapi', 'text', (column) => column.notNull())
    .addColumn('openapi_format', 'text', (column) => column.notNull())
    .addColumn('endpoints', 'text', (column) => column.notNull())
    .addColumn('personal_data', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addUniqueConstraint('exchange_service_code_unique', ['subsystem_id', 'service_code'])
    .execute();

  // `endpoint_method` and `endpoint_path` are `*` for every endpoint; a path may end in `*`.
  await db.schema
    .createTable('exchange_access_right')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('service_id', 'text', (column) => column.notNull())
    .addColumn('client_subsystem_id', 'text', (column) => column.notNull())
    .addColumn('endpoint_method', 'text', (column) => column.notNull())
    .addColumn('endpoint_path', 'text', (column) => column.notNull())
    .addColumn('granted_by', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('revoked_by', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('exchange_access_right_pair').on('exchange_access_right').columns(['service_id', 'client_subsystem_id']).execute();

  // What a call has used once (its signature, its client's X-Road-Id), until a replay would be too old anyway.
  await db.schema
    .createTable('exchange_replay_guard')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('exchange_replay_guard_expires_at').on('exchange_replay_guard').column('expires_at').execute();

  // Civitas's own Exchange keys (Ed25519): one signs what it forwards to providers, one the message log.
  await db.schema
    .createTable('exchange_key')
    .addColumn('key_id', 'text', (column) => column.primaryKey())
    .addColumn('purpose', 'text', (column) => column.notNull())
    .addColumn('private_key', 'text', (column) => column.notNull())
    .addColumn('public_jwk', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('retired_at', 'text')
    .execute();

  // One record per call, allowed or refused: metadata and hashes, never bodies. Each record's hash
  // covers the one before it, and the log key signs it.
  await db.schema
    .createTable('exchange_message_log')
    .addColumn('sequence', 'bigint', (column) => column.primaryKey())
    .addColumn('x_road_id', 'text', (column) => column.notNull())
    .addColumn('client', 'text')
    .addColumn('service', 'text')
    .addColumn('endpoint', 'text')
    .addColumn('user_id', 'text')
    .addColumn('issue', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('response_hash', 'text')
    .addColumn('status_code', 'integer', (column) => column.notNull())
    .addColumn('error_type', 'text')
    .addColumn('agreement_id', 'text')
    .addColumn('consent_id', 'text')
    .addColumn('started_at', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'text', (column) => column.notNull())
    .addColumn('previous_hash', 'text', (column) => column.notNull())
    .addColumn('record_hash', 'text', (column) => column.notNull())
    .addColumn('key_id', 'text', (column) => column.notNull())
    .addColumn('signature', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('exchange_message_log_recorded_at').on('exchange_message_log').column('recorded_at').execute();
  await db.schema.createIndex('exchange_message_log_user').on('exchange_message_log').columns(['user_id', 'recorded_at']).execute();
}
