import { createTimeOrderedId } from '../db/time-ordered-id.ts';
import type { Database, Executor } from '../db/database.ts';
import type { JobRow, JobStatus, JobStore } from './job.store.ts';

export type JobPayload = Record<string, unknown>;

export type NewJob = {
  type: string;
  payload: JobPayload;
  /** When the job may first run; now if unset. */
  runAt?: Date;
  /** How many times to try before the job is kept as failed. */
  maxAttempts?: number;
};

export type ClaimedJob = {
  id: string;
  type: string;
  payload: JobPayload;
  /** 1 on the first try. */
  attempt: number;
  maxAttempts: number;
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
const ERROR_TEXT_LIMIT = 1000;
/** Most jobs completed by one statement. */
const COMPLETION_BATCH = 500;

type Completion = { id: string; workerId: string; resolve(): void; reject(error: unknown): void };

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

/** The durable job queue, kept in the platform database beside the data the jobs act on. */
export function createJobQueue(dependencies: { db: Database; store: JobStore; clock?: () => Date }) {
  const { db, store } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const enqueueListeners = new Set<() => void>();
  let completions: Completion[] = [];

  /** Removes every job completed in the same turn of the event loop, one statement per worker. */
  async function removeCompleted(): Promise<void> {
    const batch = completions;
    completions = [];
    const byWorker = Map.groupBy(batch, (completion) => completion.workerId);
    for (const [workerId, completed] of byWorker) {
      for (let start = 0; start < completed.length; start += COMPLETION_BATCH) {
        const chunk = completed.slice(start, start + COMPLETION_BATCH);
        try {
          await store.deleteHeld(db, { ids: chunk.map((completion) => completion.id), workerId });
          for (const completion of chunk) completion.resolve();
        } catch (error) {
          for (const completion of chunk) completion.reject(error);
        }
      }
    }
  }

  return {
    /**
     * Adds a job. Pass the caller's transaction so the job exists if, and only if, the change
     * that asked for it was committed (the outbox pattern).
     */
    async enqueue(executor: Executor, job: NewJob): Promise<string> {
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
        created_at: now,
        updated_at: now,
      });
      for (const listener of enqueueListeners) listener();
      return id;
    },

    /** Called after each enqueue in this process, so a local worker can look sooner than its next poll. */
    onEnqueue(listener: () => void): () => void {
      enqueueListeners.add(listener);
      return () => enqueueListeners.delete(listener);
    },

    async claim(claim: {
      types: readonly string[];
      workerId: string;
      limit: number;
      leaseMs: number;
    }): Promise<ClaimedJob[]> {
      if (claim.types.length === 0 || claim.limit < 1) return [];
      const now = clock();
      const rows = await db.transaction().execute((transaction) =>
        store.claimDue(transaction, {
          types: claim.types,
          workerId: claim.workerId,
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
      }));
    },

    /**
     * Removes a finished job, if this worker still holds it. Jobs completed together (a worker
     * running many side by side) are removed by one statement; each promise settles once its
     * job is gone.
     */
    complete(job: ClaimedJob, workerId: string): Promise<void> {
      return new Promise((resolve, reject) => {
        completions.push({ id: job.id, workerId, resolve, reject });
        if (completions.length === 1) setImmediate(() => void removeCompleted());
      });
    },

    /** Schedules the next try after `retryInMs`, or keeps the job as failed when no tries are left. */
    async fail(failure: { job: ClaimedJob; workerId: string; error: string; retryInMs: number }): Promise<'retrying' | 'failed'> {
      const now = clock();
      const exhausted = failure.job.attempt >= failure.job.maxAttempts;
      await store.releaseHeld(db, {
        id: failure.job.id,
        workerId: failure.workerId,
        status: exhausted ? 'failed' : 'pending',
        runAt: new Date(now.getTime() + (exhausted ? 0 : failure.retryInMs)).toISOString(),
        error: failure.error.slice(0, ERROR_TEXT_LIMIT),
        now: now.toISOString(),
      });
      return exhausted ? 'failed' : 'retrying';
    },

    async list(filter: { status?: JobStatus; limit?: number } = {}): Promise<JobSummary[]> {
      const rows = await store.list(db, { status: filter.status, limit: filter.limit ?? 100 });
      return rows.map(summarise);
    },

    async retryFailed(id: string): Promise<boolean> {
      return store.retryFailed(db, { id, now: clock().toISOString() });
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
