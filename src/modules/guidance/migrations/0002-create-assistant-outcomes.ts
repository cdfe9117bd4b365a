import type { Kysely } from 'kysely';

/**
 * How the assistant's answers ended, counted by day: answered, or refused and why. Counts only:
 * no question, answer or person is kept (for Insight and the transparency record).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('guidance_assistant_outcome')
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('guidance_assistant_outcome_pk', ['day', 'outcome'])
    .execute();
}
