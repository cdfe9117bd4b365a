import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
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
  /** Jobs are claimed in turns across groups; '' is the group of every job enqueued without one. */
  group_key: string;
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

/** Candidates a claim ranks beyond what it takes, so claims running at once on PostgreSQL each find some unlocked. */
const CANDIDATES_PER_JOB = 2;

function takeLease(claim: { leaseToken: string; leaseUntil: string; now: string }) {
  return (update: ExpressionBuilder<JobTables, 'job'>) => ({
    status: 'running' as const,
    attempts: update('attempts', '+', 1),
    locked_by: claim.leaseToken,
    locked_until: claim.leaseUntil,
    updated_at: claim.now,
  });
}

/**
 * The ids of up to `limit` pending jobs now due, taken in turns across groups, so one group's
 * backlog never holds back another's. A group's next job's turn is one more than the jobs it has
 * running, and each turn goes oldest first: a group with none running goes before one with four,
 * from one claim to the next as well as within one. Every step walks an index, so no claim reads
 * or sorts a whole backlog: the groups with pending jobs one seek apiece (a loose index scan,
 * whose first row of each group is its oldest), then from the groups served first just enough of
 * each to rank a window of candidates. Claims at the same time on PostgreSQL rank the same
 * candidates and skip those another holds: the window is wider than the claim for them.
 */
function selectDueInTurn(kind: DatabaseKind, due: { types: readonly string[]; now: string; limit: number }) {
  const window = due.limit * CANDIDATES_PER_JOB;
  const dueIn = (alias: string) =>
    sql`${sql.ref(`${alias}.status`)} = 'pending' and ${sql.ref(`${alias}.run_at`)} <= ${due.now} and ${sql.ref(`${alias}.type`)} in (${sql.join(due.types)})`;
  const firstDue = (alias: string, limit: RawBuilder<unknown>) =>
    sql`select d.id, d.run_at, d.group_key from job d where ${dueIn('d')} and d.group_key = ${sql.ref(`${alias}.group_key`)} order by d.run_at, d.id limit ${limit}`;
  const perGroup = sql`(select (${sql.lit(window)} + count(*) - 1) / count(*) from served)`;
  // PostgreSQL reads each group's share through LATERAL; SQLite, which has none, looks the ids up.
  const shares =
    kind === 'postgres'
      ? sql`served cross join lateral (${firstDue('served', perGroup)}) share`
      : sql`served join job share on share.id in (select id from (${firstDue('served', perGroup)}))`;
  // The first pending job of the next group, in index order: it names the group and, since a
  // group's jobs are in run_at order, says whether the group has any job due.
  const firstOfNextGroup = (after?: RawBuilder<unknown>) =>
    sql`(select q.id from job q where q.status = 'pending' and q.type in (${sql.join(due.types)})${after ? sql` and q.group_key > ${after}` : sql``} order by q.group_key, q.run_at, q.id limit 1)`;
  return sql`with recursive queued_group(group_key, oldest, first_id) as (
      select g.group_key, g.run_at, g.id from job g where g.id = ${firstOfNextGroup()}
      union all
      select g.group_key, g.run_at, g.id from queued_group join job g on g.id = ${firstOfNextGroup(sql`queued_group.group_key`)}
    ),
    running as (select r.group_key, count(*) as held from job r where r.status = 'running' group by r.group_key),
    served as (
      select queued_group.group_key, queued_group.oldest, coalesce(running.held, 0) as held
      from queued_group left join running on running.group_key = queued_group.group_key
      where queued_group.oldest <= ${due.now} order by held, queued_group.oldest, queued_group.first_id limit ${window}
    ),
    candidate as (
      select id, run_at, turn from (
        select share.id, share.run_at, served.held + row_number() over (partition by share.group_key order by share.run_at, share.id) as turn from ${shares}
      ) ranked order by turn, run_at, id limit ${window}
    )
    select job.id from candidate join job on job.id = candidate.id
    where ${dueIn('job')}
    order by candidate.turn, candidate.run_at, candidate.id
    limit ${due.limit}${kind === 'postgres' ? sql` for update of job skip locked` : sql``}`;
}

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
      group_key: value('group_key'),
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

      const lease = (ids: SelectQueryBuilder<JobTables, 'job', { id: string }> | RawBuilder<string>) =>
        db.updateTable('job').set(takeLease(claim)).where('id', 'in', ids).returningAll().execute();
      const firstComeFirstServed = (limit: number, where: (eb: ExpressionBuilder<JobTables, 'job'>) => Expression<SqlBool>) => {
        const ids = db.selectFrom('job').select('id').where('type', 'in', claim.types).where(where).orderBy('run_at').limit(limit);
        return lease(kind === 'postgres' ? ids.forUpdate().skipLocked() : ids);
      };
      // Jobs whose worker died first: they are the most overdue, and few.
      const claimed = await firstComeFirstServed(claim.limit, (where) =>
        where.and([where('status', '=', 'running'), where('locked_until', '<', claim.now), where('attempts', '<', where.ref('max_attempts'))]),
      );
      if (claimed.length < claim.limit) {
        const dueInTurn = selectDueInTurn(kind, { types: claim.types, now: claim.now, limit: claim.limit - claimed.length });
        claimed.push(...(await lease(sql<string>`(${dueInTurn})`)));
      }
      // Claims at the same time on PostgreSQL may leave each other short, and a window may end
      // before a long backlog does: the rest come first come, first served, walking past held jobs.
      if (claimed.length < claim.limit) {
        claimed.push(...(await firstComeFirstServed(claim.limit - claimed.length, (where) => where.and([where('status', '=', 'pending'), where('run_at', '<=', claim.now)]))));
      }
      return claimed;
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
