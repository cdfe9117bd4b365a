import type { Kysely } from 'kysely';

/**
 * Recurring card payments, as GOV.UK Pay's: an account takes them only when `recurring_enabled`
 * (Pay's gateway account flag). An agreement is made by the service (`created`), set up by a
 * payment made with `set_up_agreement` that saves the card as a payment instrument (`active`),
 * and ends `cancelled` by the service or `inactive` when a payment it authorised was declined
 * for good. Each payment instrument keeps the provider's token for the card, sealed, and what
 * may be shown of the card (first 6 and last 4 digits, brand, type, expiry, holder, address).
 * Payments remember the agreement they set up or were authorised with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('pay_account')
    .addColumn('recurring_enabled', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('pay_agreement')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('user_identifier', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('payment_instrument_id', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('cancelled_at', 'text')
    .execute();
  await db.schema
    .createIndex('pay_agreement_account_created')
    .on('pay_agreement')
    .columns(['account_id', 'live', 'created_at'])
    .execute();

  await db.schema
    .createTable('pay_payment_instrument')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('agreement_id', 'text', (column) => column.notNull().references('pay_agreement.id'))
    .addColumn('payment_id', 'text', (column) => column.notNull().unique().references('pay_payment.id'))
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('token', 'text', (column) => column.notNull())
    .addColumn('card_first_digits', 'text')
    .addColumn('card_last_digits', 'text')
    .addColumn('card_brand', 'text')
    .addColumn('card_type', 'text')
    .addColumn('card_expiry', 'text')
    .addColumn('cardholder_name', 'text')
    .addColumn('billing_address', 'text')
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('pay_payment_instrument_agreement')
    .on('pay_payment_instrument')
    .column('agreement_id')
    .execute();

  await db.schema.alterTable('pay_payment').addColumn('agreement_id', 'text').execute();
  await db.schema
    .alterTable('pay_payment')
    .addColumn('save_to_agreement', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('pay_payment').addColumn('agreement_payment_type', 'text').execute();
  await db.schema.alterTable('pay_payment').addColumn('can_retry', 'integer').execute();
  await db.schema.createIndex('pay_payment_agreement').on('pay_payment').column('agreement_id').execute();
}
