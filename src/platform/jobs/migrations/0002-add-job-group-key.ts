import type { Kysely } from 'kysely';

/**
 * Jobs carry the key of the group they are claimed fairly within (a Notify service's deliveries).
 * Jobs enqueued without one, and those already queued, share the group ''. The index walks each
 * group's due jobs in order, so a claim finds every group's oldest due job without a sort.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job').addColumn('group_key', 'text', (column) => column.notNull().defaultTo('')).execute();
  await db.schema.createIndex('job_status_group_run_at').on('job').columns(['status', 'group_key', 'run_at', 'id']).execute();
}
