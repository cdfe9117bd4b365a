import type { Kysely } from 'kysely';

/** A payment with a dispute can no longer be refunded (Pay: refund status `unavailable`, P0603). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('pay_payment')
    .addColumn('disputed', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
}
