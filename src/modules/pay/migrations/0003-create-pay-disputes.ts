import type { Kysely } from 'kysely';

/**
 * Disputes: a paying user challenging a captured payment through their bank, as the payment's
 * provider reports it. `fee` and `net_amount` are known once the dispute is lost; `settled_at`
 * is when the provider took the money back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pay_dispute')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('payment_id', 'text', (column) => column.notNull().references('pay_payment.id'))
    .addColumn('account_id', 'text', (column) => column.notNull().references('pay_account.id'))
    .addColumn('live', 'integer', (column) => column.notNull())
    .addColumn('amount', 'integer', (column) => column.notNull())
    .addColumn('fee', 'integer')
    .addColumn('net_amount', 'integer')
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('evidence_due_date', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema.createIndex('pay_dispute_account_created').on('pay_dispute').columns(['account_id', 'live', 'created_at']).execute();
  await db.schema.createIndex('pay_dispute_payment').on('pay_dispute').column('payment_id').execute();
}
