import type { Kysely } from 'kysely';

/**
 * Answers to a file's email question, counted on the file itself so every process sees
 * them: how many in the current window, when that window began, and until when the question is
 * locked. Deleted with the file.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notify_file').addColumn('confirm_answers', 'integer', (column) => column.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('notify_file').addColumn('confirm_answers_since', 'text').execute();
  await db.schema.alterTable('notify_file').addColumn('confirm_locked_until', 'text').execute();
}
