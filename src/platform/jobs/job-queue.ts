import { randomUUID } from 'node:crypto';
import { createTimeOrderedId } from '../db/time-ordered-id.ts';
import type { Database, DatabaseNotifications, Executor } from '../db/database.ts';
import type { JobQueueState } from '../metrics/metrics.ts';
import { JOB_ENQUEUED_CHANNEL, type HeldJob, type JobRow, type JobStatus, type JobStore } from './job.store.ts';

export type JobPayload = Record<string, unknown>;

export type NewJob = {
  type: string;
  payload: JobPayload;
  /** When the job may first run; now if unset. */
  runAt?: Date;
  /** How many times to try before the job is kept as failed. */
  maxAttempts?: number;
  /**
   * Whose job it is (a Notify service's id): claims take the oldest due job of each group in
   * turn, so one group's backlog does not hold back another's. Jobs without one share a group.
   */
  group?: string;
};

export type ClaimedJob = {
  id: string;
  type: string;
  payload: JobPayload;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
  /**
   * Names the claim that holds the job. Renewing, completing and failing the job are refused once
   * another claim holds it (the lease ran out and another worker, or this one, took it again).
   */
  leaseToken: string;
};

export type JobSummary = {
  id: string;
  type: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
};

export const DEFAULT_MAX_ATTEMPTS = 10;
/** Longest group key: an id, never text from outside. */
export const MAX_JOB_GROUP_LENGTH = 200;
const ERROR_TEXT_LIMIT = 1000;
/** Most jobs completed by one statement. */
const COMPLETION_BATCH = 500;

type Completion = { held: HeldJob; resolve(removed: boolean): void; reject(error: unknown): void };

function summarise(row: JobRow): JobSummary {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}

function heldOf(job: ClaimedJob): HeldJob {
  return { id: job.id, leaseToken: job.leaseToken };
}

/** The durable job queue, kept in the platform database beside the data the jobs act on. */
export function createJobQueue(dependencies: {
  db: Database;
  store: JobStore;
  clock?: () => Date;
  /** Tells this process of jobs committed by any process (PostgreSQL's LISTEN); unset, only its own. */
  notifications?: DatabaseNotifications;
}) {
  const { db, store, notifications } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const enqueueListeners = new Set<() => void>();
  let stopListening: (() => void) | undefined;
  let completions: Completion[] = [];

  function tellListeners(): void {
    for (const listener of enqueueListeners) listener();
  }

  /** Removes every job completed in the same turn of the event loop, one statement for them all. */
  async function removeCompleted(): Promise<void> {
    const batch = completions;
    completions = [];
    for (let start = 0; start < batch.length; start += COMPLETION_BATCH) {
      const chunk = batch.slice(start, start + COMPLETION_BATCH);
      try {
        const removed = new Set(await store.deleteHeld(db, chunk.map((completion) => completion.held)));
        for (const completion of chunk) completion.resolve(removed.has(completion.held));
      } catch (error) {
        for (const completion of chunk) completion.reject(error);
      }
    }
  }

  return {
    /**
     * Adds a job. Pass the caller's transaction so the job exists if, and only if, the change
     * that asked for it was committed (the outbox pattern).
     */
    async enqueue(executor: Executor, job: NewJob): Promise<string> {
      if (job.group !== undefined && job.group.length > MAX_JOB_GROUP_LENGTH) throw new Error(`a job group is at most ${MAX_JOB_GROUP_LENGTH} characters`);
      const now = clock().toISOString();
      const id = createTimeOrderedId();
      await store.insert(executor, {
        id,
        type: job.type,
        payload: JSON.stringify(job.payload),
        status: 'pending',
        attempts: 0,
        max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        run_at: (job.runAt ?? clock()).toISOString(),
        locked_by: null,
        locked_until: null,
        last_error: null,
        group_key: job.group ?? '',
        created_at: now,
        updated_at: now,
      });
      tellListeners();
      return id;
    },

    /**
     * Called after each enqueue in this process, and, on PostgreSQL, when any process commits a
     * job (and when the listening connection comes back after a cut, since jobs may have been
     * committed meanwhile), so a worker looks sooner than its next poll.
     */
    onEnqueue(listener: () => void): () => void {
      enqueueListeners.add(listener);
      if (notifications && !stopListening) stopListening = notifications.listen(JOB_ENQUEUED_CHANNEL, tellListeners);
      return () => {
        enqueueListeners.delete(listener);
        if (enqueueListeners.size === 0) {
          stopListening?.();
          stopListening = undefined;
        }
      };
    },

    async claim(claim: {
      types: readonly string[];
      workerId: string;
      limit: number;
      leaseMs: number;
    }): Promise<ClaimedJob[]> {
      if (claim.types.length === 0 || claim.limit < 1) return [];
      const now = clock();
      const leaseToken = `${claim.workerId}/${randomUUID()}`;
      const rows = await db.transaction().execute((transaction) =>
        store.claimDue(transaction, {
          types: claim.types,
          leaseToken,
          limit: claim.limit,
          now: now.toISOString(),
          leaseUntil: new Date(now.getTime() + claim.leaseMs).toISOString(),
        }),
      );
      return rows.map((row) => ({
        id: row.id,
        type: row.type,
        payload: JSON.parse(row.payload) as JobPayload,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        leaseToken,
      }));
    },

    /**
     * Extends the leases of jobs still running to `leaseMs` from now, in one statement, and
     * answers those whose claims still hold them; any other was lost (its lease ran out and it
     * was claimed again), and its run must stop.
     */
    async renew(renewal: { jobs: readonly ClaimedJob[]; leaseMs: number }): Promise<ClaimedJob[]> {
      if (renewal.jobs.length === 0) return [];
      const now = clock();
      const byHeld = new Map(renewal.jobs.map((job) => [heldOf(job), job]));
      const renewed = await store.renewHeld(db, {
        held: [...byHeld.keys()],
        leaseUntil: new Date(now.getTime() + renewal.leaseMs).toISOString(),
        now: now.toISOString(),
      });
      return renewed.map((held) => byHeld.get(held) as ClaimedJob);
    },

    /**
     * Removes a finished job, if its claim still holds it, and answers whether it did (false: the
     * lease was lost and another claim holds the job, which is left alone). Jobs completed
     * together (a worker running many side by side) are removed by one statement; each promise
     * settles once its job is gone.
     */
    complete(job: ClaimedJob): Promise<boolean> {
      return new Promise((resolve, reject) => {
        completions.push({ held: heldOf(job), resolve, reject });
        if (completions.length === 1) setImmediate(() => void removeCompleted());
      });
    },

    /**
     * Schedules the next try after `retryInMs`, or keeps the job as failed when no tries are left;
     * `lost` if its claim no longer holds it (then nothing changes). A failure that is
     * `notTheJobsFault` (Civitas's own database was unavailable) gives the attempt back: an outage
     * of our own must not use up the tries a delivery has against the receiver's.
     */
    async fail(failure: { job: ClaimedJob; error: string; retryInMs: number; notTheJobsFault?: boolean }): Promise<'retrying' | 'failed' | 'lost'> {
      const now = clock();
      const exhausted = !failure.notTheJobsFault && failure.job.attempt >= failure.job.maxAttempts;
      const released = await store.releaseHeld(db, {
        held: heldOf(failure.job),
        status: exhausted ? 'failed' : 'pending',
        runAt: new Date(now.getTime() + (exhausted ? 0 : failure.retryInMs)).toISOString(),
        error: failure.error.slice(0, ERROR_TEXT_LIMIT),
        now: now.toISOString(),
        giveAttemptBack: failure.notTheJobsFault,
      });
      if (!released) return 'lost';
      return exhausted ? 'failed' : 'retrying';
    },

    /** How the queue stands, by job type and state (due, scheduled, running, failed): for the metrics. */
    async describeQueue(): Promise<JobQueueState[]> {
      const rows = await store.countByState(db, clock().toISOString());
      return rows.map((row) => ({ type: row.type, state: row.state, count: row.count, oldestRunAt: row.state === 'due' ? row.oldest_run_at : null }));
    },

    async list(filter: { status?: JobStatus; limit?: number } = {}): Promise<JobSummary[]> {
      const rows = await store.list(db, { status: filter.status, limit: filter.limit ?? 100 });
      return rows.map(summarise);
    },

    /** Pass the caller's transaction to record, in it, who put the job back. */
    async retryFailed(id: string, executor: Executor = db): Promise<boolean> {
      const retried = await store.retryFailed(executor, { id, now: clock().toISOString() });
      if (retried) tellListeners();
      return retried;
    },

    /** Puts every failed job back in the queue; the ids it put back. */
    async retryAllFailed(executor: Executor = db): Promise<string[]> {
      const ids = await store.retryAllFailed(executor, clock().toISOString());
      if (ids.length > 0) tellListeners();
      return ids;
    },

    /** Failed jobs (no tries left), a page at a time in the order they were made. */
    async listFailed(page: { afterId?: string; limit?: number } = {}): Promise<JobSummary[]> {
      const rows = await store.listFailed(db, { ...(page.afterId === undefined ? {} : { afterId: page.afterId }), limit: page.limit ?? 50 });
      return rows.map(summarise);
    },

    /** How many jobs' last try failed since `since`: now waiting to retry, and now failed for good. */
    countFailuresSince(since: Date): Promise<{ retrying: number; failed: number }> {
      return store.countFailuresSince(db, since.toISOString());
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
