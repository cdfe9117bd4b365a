import type { Kysely } from 'kysely';

/**
 * The answers someone has said were useful or not, by the answer's random id alone (no question,
 * answer or person), so each answer shown counts one vote. Rows past the time a vote can be given
 * are deleted as new votes come.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('guidance_answer_vote')
    .addColumn('answer_id', 'text', (column) => column.primaryKey())
    .addColumn('voted_at', 'text', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('guidance_answer_vote_voted_at').on('guidance_answer_vote').column('voted_at').execute();
}
