import { sql } from 'kysely';
import type { DatabaseKind, Executor } from '../db/database.ts';
import { compileOnce } from '../db/compile-once.ts';

export type JobStatus = 'pending' | 'running' | 'failed';

export type JobRow = {
  id: string;
  type: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: string;
  /** The lease token of the claim that holds the job (its worker's id and a claim number). */
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
};

type JobTables = { job: JobRow };

/** A job as one claim holds it: a worker may hold the same job twice only under different tokens. */
export type HeldJob = { id: string; leaseToken: string };

/**
 * The PostgreSQL channel told of every job committed, so idle workers in every process look at
 * once. NOTIFY is delivered at commit, and never for a transaction rolled back.
 */
export const JOB_ENQUEUED_CHANNEL = 'civitas_job_enqueued';

function keyOf(held: HeldJob): string {
  return `${held.id}\u0000${held.leaseToken}`;
}

/** Which of `held` are among the rows an owner-checked statement touched. */
function stillHeld(held: readonly HeldJob[], touched: readonly { id: string; locked_by: string | null }[]): HeldJob[] {
  const keys = new Set(touched.map((row) => keyOf({ id: row.id, leaseToken: row.locked_by ?? '' })));
  return held.filter((job) => keys.has(keyOf(job)));
}

/** Kept as the last error of a job whose final try never finished. */
export const LEASE_EXPIRED_ERROR = 'The job was still running when its lease ran out, and no tries are left.';

export function createJobStore(kind: DatabaseKind) {
  const tables = (executor: Executor) => executor.withTables<JobTables>();
  // Runs once for every job enqueued (every notification, every webhook delivery). On PostgreSQL
  // the same statement tells the channel, so waking other processes costs no round trip.
  const insertQuery = compileOnce<JobRow>((executor, value) => {
    const row = {
      id: value('id'),
      type: value('type'),
      payload: value('payload'),
      status: value('status'),
      attempts: value('attempts'),
      max_attempts: value('max_attempts'),
      run_at: value('run_at'),
      locked_by: value('locked_by'),
      locked_until: value('locked_until'),
      last_error: value('last_error'),
      created_at: value('created_at'),
      updated_at: value('updated_at'),
    };
    if (kind === 'sqlite') return tables(executor).insertInto('job').values(row);
    return tables(executor)
      .with('inserted', (db) => db.insertInto('job').values(row).returning('id'))
      .selectFrom('inserted')
      .select(sql<string>`pg_notify(${sql.lit(JOB_ENQUEUED_CHANNEL)}, '')`.as('notified'));
  });

  return {
    async insert(executor: Executor, row: JobRow): Promise<void> {
      await executor.executeQuery(insertQuery(executor, row));
    },

    /**
     * Marks up to `limit` due jobs as running for this worker and returns them. A running job
     * whose lease ran out (its worker died) is due again while it has tries left; with none left
     * it is kept as failed, so a job that kills its worker is not run for ever. On PostgreSQL,
     * SKIP LOCKED lets many workers claim at once without waiting for, or taking, each other's jobs.
     */
    async claimDue(
      executor: Executor,
      claim: { types: readonly string[]; leaseToken: string; now: string; leaseUntil: string; limit: number },
    ): Promise<JobRow[]> {
      const db = tables(executor);
      let abandoned = db
        .selectFrom('job')
        .select('id')
        .where('type', 'in', claim.types)
        .where('status', '=', 'running')
        .where('locked_until', '<', claim.now)
        .where((where) => where('attempts', '>=', where.ref('max_attempts')));
      if (kind === 'postgres') abandoned = abandoned.forUpdate().skipLocked();
      await db
        .updateTable('job')
        // locked_by stays: if its worker was only cut off, it may still complete or fail the job.
        .set({ status: 'failed', last_error: LEASE_EXPIRED_ERROR, locked_until: null, updated_at: claim.now })
        .where('id', 'in', abandoned)
        .execute();

      // Two claims, not one with OR: each then walks the (status, run_at) index. With OR, SQLite
      // sorted every due job to find the first few (about 30 ms a claim with 50,000 queued).
      const claimWhere = async (limit: number, running: boolean): Promise<JobRow[]> => {
        let due = db
          .selectFrom('job')
          .select('id')
          .where('type', 'in', claim.types)
          .where((where) =>
            running
              ? where.and([
                  where('status', '=', 'running'),
                  where('locked_until', '<', claim.now),
                  where('attempts', '<', where.ref('max_attempts')),
                ])
              : where.and([where('status', '=', 'pending'), where('run_at', '<=', claim.now)]),
          )
          .orderBy('run_at')
          .limit(limit);
        if (kind === 'postgres') due = due.forUpdate().skipLocked();
        return db
          .updateTable('job')
          .set((update) => ({
            status: 'running',
            attempts: update('attempts', '+', 1),
            locked_by: claim.leaseToken,
            locked_until: claim.leaseUntil,
            updated_at: claim.now,
          }))
          .where('id', 'in', due)
          .returningAll()
          .execute();
      };
      // Jobs whose worker died first: they are the most overdue.
      const lost = await claimWhere(claim.limit, true);
      if (lost.length >= claim.limit) return lost;
      return [...lost, ...(await claimWhere(claim.limit - lost.length, false))];
    },

    /**
     * Moves the lease of each job on to `leaseUntil`, if its claim still holds it, and answers
     * those it still holds: one statement for all the jobs a worker runs.
     */
    async renewHeld(executor: Executor, renewal: { held: readonly HeldJob[]; leaseUntil: string; now: string }): Promise<HeldJob[]> {
      if (renewal.held.length === 0) return [];
      const renewed = await tables(executor)
        .updateTable('job')
        .set({ locked_until: renewal.leaseUntil, updated_at: renewal.now })
        .where('id', 'in', renewal.held.map((job) => job.id))
        // A job given up on its last try (failed, locked_by kept) matches too: no one else may
        // take it, so its run goes on and may still complete it.
        .where('locked_by', 'in', [...new Set(renewal.held.map((job) => job.leaseToken))])
        .returning(['id', 'locked_by'])
        .execute();
      return stillHeld(renewal.held, renewed);
    },

    /** Removes finished jobs, those their claims still hold, and answers which it removed. */
    async deleteHeld(executor: Executor, held: readonly HeldJob[]): Promise<HeldJob[]> {
      if (held.length === 0) return [];
      const deleted = await tables(executor)
        .deleteFrom('job')
        .where('id', 'in', held.map((job) => job.id))
        .where('locked_by', 'in', [...new Set(held.map((job) => job.leaseToken))])
        .returning(['id', 'locked_by'])
        .execute();
      return stillHeld(held, deleted);
    },

    /** Puts a job its claim still holds back in the queue, or keeps it as failed. False if not held. */
    async releaseHeld(
      executor: Executor,
      release: { held: HeldJob; status: 'pending' | 'failed'; runAt: string; error: string; now: string; giveAttemptBack?: boolean },
    ): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('job')
        .set((eb) => ({
          ...(release.giveAttemptBack ? { attempts: eb('attempts', '-', 1) } : {}),
          status: release.status,
          run_at: release.runAt,
          last_error: release.error,
          locked_by: null,
          locked_until: null,
          updated_at: release.now,
        }))
        .where('id', '=', release.held.id)
        .where('locked_by', '=', release.held.leaseToken)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * How many jobs there are of each type in each state, and for due ones the earliest run_at:
     * one statement, for the metrics. Pending jobs are `due` once their run_at has come.
     */
    async countByState(
      executor: Executor,
      now: string,
    ): Promise<Array<{ type: string; state: 'due' | 'scheduled' | 'running' | 'failed'; count: number; oldest_run_at: string | null }>> {
      const state = sql<'due' | 'scheduled' | 'running' | 'failed'>`case when status = 'pending' then (case when run_at <= ${now} then 'due' else 'scheduled' end) else status end`;
      // The state in a subquery: PostgreSQL would see the parameter in SELECT and in GROUP BY as two expressions.
      const rows = await tables(executor)
        .selectFrom((db) => db.selectFrom('job').select(['type', 'run_at', state.as('state')]).as('queued'))
        .select((select) => [
          'type',
          'state',
          select.fn.countAll<number>().as('count'),
          select.fn.min<string | null>('run_at').as('oldest_run_at'),
        ])
        .groupBy(['type', 'state'])
        .execute();
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    },

    async list(executor: Executor, filter: { status?: JobStatus; limit: number }): Promise<JobRow[]> {
      let query = tables(executor).selectFrom('job').selectAll();
      if (filter.status) query = query.where('status', '=', filter.status);
      return query.orderBy('created_at', 'desc').limit(filter.limit).execute();
    },

    /** Failed jobs (no tries left), oldest first from after `afterId`, at most `limit`. */
    async listFailed(executor: Executor, page: { afterId?: string; limit: number }): Promise<JobRow[]> {
      let query = tables(executor).selectFrom('job').selectAll().where('status', '=', 'failed');
      if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
      return query.orderBy('id').limit(page.limit).execute();
    },

    /** Jobs whose last try failed at or after `since`: waiting to retry (pending) or kept as failed. */
    async countFailuresSince(executor: Executor, since: string): Promise<{ retrying: number; failed: number }> {
      const rows = await tables(executor)
        .selectFrom('job')
        .select((select) => ['status', select.fn.countAll<number>().as('count')])
        .where('last_error', 'is not', null)
        .where('status', 'in', ['pending', 'failed'])
        .where('updated_at', '>=', since)
        .groupBy('status')
        .execute();
      const countOf = (status: JobStatus) => Number(rows.find((row) => row.status === status)?.count ?? 0);
      return { retrying: countOf('pending'), failed: countOf('failed') };
    },

    /** Puts every failed job back in the queue with a fresh set of attempts; the ids it put back. */
    async retryAllFailed(executor: Executor, now: string): Promise<string[]> {
      const rows = await tables(executor)
        .updateTable('job')
        .set({ status: 'pending', attempts: 0, run_at: now, locked_by: null, locked_until: null, updated_at: now })
        .where('status', '=', 'failed')
        .returning('id')
        .execute();
      return rows.map((row) => row.id);
    },

    /** Puts a failed job back in the queue with a fresh set of attempts. */
    async retryFailed(executor: Executor, retry: { id: string; now: string }): Promise<boolean> {
      const result = await tables(executor)
        .updateTable('job')
        // No worker that held it before may now complete or fail the new run.
        .set({ status: 'pending', attempts: 0, run_at: retry.now, locked_by: null, locked_until: null, updated_at: retry.now })
        .where('id', '=', retry.id)
        .where('status', '=', 'failed')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
