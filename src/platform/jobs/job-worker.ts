import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { JobOutcome } from '../metrics/metrics.ts';
import type { ClaimedJob, JobQueue } from './job-queue.ts';
import { DatabaseUnavailableError } from '../db/database-unavailable.ts';

/** What a handler is given besides its job. */
export type JobRunContext = {
  /**
   * Aborted when the worker lost the job's lease (it could not renew it in time, or another
   * claim holds the job now): the run should stop before it does anything more, since its
   * outcome will not be recorded and another run may already be under way.
   */
  signal: AbortSignal;
};

export type JobHandler = {
  /** The worker always passes `context`; it is optional so a test may call a handler with a job alone. */
  run(job: ClaimedJob, context?: JobRunContext): Promise<void>;
  /** How long to wait before try number `attempt + 1`; exponential backoff if unset. */
  retryDelayMs?(attempt: number): number;
};

export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** The reason a run's signal is aborted with. */
export class JobLeaseLostError extends Error {
  readonly code = 'job_lease_lost';

  constructor() {
    super('The job lease was lost: another claim may hold the job');
    this.name = 'JobLeaseLostError';
  }
}

/**
 * How long a claim holds a job unless renewed. A running job's lease is renewed every third of
 * this, so only a job whose worker died (or was cut off from the database for this long) is
 * claimed again: a killed process's jobs move on within this, plus a poll.
 */
export const LEASE_MS = 30_000;
/** Longest pause between tries to claim, or to record an outcome, while the database is unavailable. */
const LONGEST_BACKOFF_MS = 10_000;

/**
 * 5 s, 10 s, 20 s ... up to an hour, with a fifth either way so retries do not arrive in step.
 * `maxMs` is a hard cap: the jitter never takes a delay past it.
 */
export function exponentialBackoff(attempt: number, baseMs = 5000, maxMs = 60 * 60 * 1000): number {
  const delay = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(maxMs, Math.round(delay * (0.8 + Math.random() * 0.4)));
}

/** A job this worker runs, and until when (by this process's clock) its lease surely holds. */
type RunningJob = { job: ClaimedJob; controller: AbortController; leaseEndsAt: number };

export function createJobWorker(options: {
  queue: JobQueue;
  handlers: JobHandlers;
  logger: Logger;
  concurrency: number;
  pollIntervalMs?: number;
  /** How long a claim holds a job unless renewed; LEASE_MS if unset. Renewed every third of it. */
  leaseMs?: number;
  /** How long a job waits after a run Civitas's own database failed; the error's Retry-After if unset. */
  outageRetryMs?: number;
  /** Told how each run ended, for the metrics. */
  onOutcome?(type: string, outcome: JobOutcome): void;
}) {
  const { queue, handlers, concurrency } = options;
  const logger = options.logger.child({ component: 'job-worker' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const heartbeatMs = Math.max(1, Math.floor(leaseMs / 3));
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const types = Object.keys(handlers);
  const inFlight = new Set<Promise<void>>();
  const runningJobs = new Set<RunningJob>();
  let heartbeat: NodeJS.Timeout | undefined;
  let renewing = false;
  let renewalFailing = false;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** Set by a wake-up that came while the loop was busy, so its next pause does not wait. */
  let wakeRequested = false;
  let unsubscribe: (() => void) | undefined;

  const countOutcome = (type: string, outcome: JobOutcome) => options.onOutcome?.(type, outcome);

  function loseLease(runningJob: RunningJob): void {
    if (runningJob.controller.signal.aborted) return;
    countOutcome(runningJob.job.type, 'lost');
    runningJob.controller.abort(new JobLeaseLostError());
    logger.warn({ jobId: runningJob.job.id, jobType: runningJob.job.type }, 'job lease lost; its run is stopped');
  }

  /** Renews the lease of every job this worker runs, in one statement; stops the runs that lost theirs. */
  async function renewLeases(): Promise<void> {
    const now = Date.now();
    for (const runningJob of runningJobs) if (now >= runningJob.leaseEndsAt) loseLease(runningJob);
    const holding = [...runningJobs].filter((runningJob) => !runningJob.controller.signal.aborted);
    if (renewing || holding.length === 0) return;
    renewing = true;
    try {
      const askedAt = Date.now();
      const held = new Set(await queue.renew({ jobs: holding.map((runningJob) => runningJob.job), leaseMs }));
      for (const runningJob of holding) {
        if (held.has(runningJob.job)) runningJob.leaseEndsAt = askedAt + leaseMs;
        else loseLease(runningJob);
      }
      if (renewalFailing) logger.info('renewing job leases works again');
      renewalFailing = false;
    } catch (error) {
      // The leases run on in the database: a later heartbeat may still renew them in time.
      if (!renewalFailing) logger.warn({ errorCode: (error as { code?: unknown }).code }, 'renewing job leases failed');
      renewalFailing = true;
    } finally {
      renewing = false;
    }
  }

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => void renewLeases(), heartbeatMs);
  }

  function stopHeartbeatWhenIdle(): void {
    if (runningJobs.size > 0 || !heartbeat) return;
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  /**
   * Records a run's outcome. While the database is unavailable it tries again with a backoff,
   * for as long as the lease holds (the heartbeat goes on); once it is lost, the job is left to
   * whoever claims it next.
   */
  async function recordOutcome(runningJob: RunningJob, error: unknown, handled: boolean): Promise<void> {
    const { job, controller } = runningJob;
    const handler = handlers[job.type];
    for (let tries = 1; !controller.signal.aborted; tries++) {
      try {
        if (handled) {
          const completed = await queue.complete(job);
          countOutcome(job.type, completed ? 'completed' : 'lost');
          if (!completed) logger.warn({ jobId: job.id, jobType: job.type }, 'job finished after its lease was lost; left to the claim that holds it');
          return;
        }
        const message = error instanceof Error ? error.message : String(error);
        const outage = error instanceof DatabaseUnavailableError;
        const retryInMs = outage ? (options.outageRetryMs ?? error.retryAfterSeconds * 1000) : (handler?.retryDelayMs?.(job.attempt) ?? exponentialBackoff(job.attempt));
        const outcome = await queue.fail({ job, error: message, retryInMs, notTheJobsFault: outage });
        countOutcome(job.type, outcome);
        logger.warn({ jobId: job.id, jobType: job.type, attempt: job.attempt, outcome }, 'job failed');
        return;
      } catch (recordError) {
        if (tries === 1) logger.warn({ jobId: job.id, errorCode: (recordError as { code?: unknown }).code }, 'recording a job outcome failed; trying again');
        await sleep(Math.min(LONGEST_BACKOFF_MS, 250 * 2 ** tries), undefined, { signal: controller.signal }).catch(() => {});
      }
    }
  }

  async function runJob(job: ClaimedJob, claimedAt: number): Promise<void> {
    const runningJob: RunningJob = { job, controller: new AbortController(), leaseEndsAt: claimedAt + leaseMs };
    runningJobs.add(runningJob);
    startHeartbeat();
    try {
      const handler = handlers[job.type];
      let failure: unknown;
      let handled = false;
      try {
        if (!handler) throw new Error(`no handler for job type ${job.type}`);
        await handler.run(job, { signal: runningJob.controller.signal });
        handled = true;
      } catch (error) {
        failure = error;
      }
      if (runningJob.controller.signal.aborted) return;
      await recordOutcome(runningJob, failure, handled);
    } finally {
      runningJobs.delete(runningJob);
      stopHeartbeatWhenIdle();
    }
  }

  /** Claims as many jobs as there is room for and starts them. Returns how many it started. */
  async function fillSlots(): Promise<number> {
    const room = concurrency - inFlight.size;
    if (room <= 0) return 0;
    // A claim is a transaction of its own: with many slots, claim for a quarter of them at once
    // rather than one by one as each job ends (with the default few slots, nothing changes).
    if (inFlight.size > 0 && room < Math.ceil(concurrency / 4)) return 0;
    const claimedAt = Date.now();
    const jobs = await queue.claim({ types, workerId, limit: room, leaseMs });
    for (const job of jobs) {
      const task = runJob(job, claimedAt).catch((error: unknown) => {
        logger.error({ err: error, jobId: job.id }, 'job bookkeeping failed');
      });
      inFlight.add(task);
      void task.finally(() => {
        inFlight.delete(task);
        wakeUp();
      });
    }
    return jobs.length;
  }

  /** Ends the loop's pause now, or, if it is busy claiming, its next one. */
  function wakeUp(): void {
    wakeRequested = true;
    wake?.();
  }

  function pause(ms: number): Promise<void> {
    if (wakeRequested || !running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function pollUntilStopped(): Promise<void> {
    let failures = 0;
    while (running) {
      wakeRequested = false;
      try {
        const started = await fillSlots();
        if (failures > 0) logger.info('claiming jobs works again');
        failures = 0;
        if (started === 0 || inFlight.size >= concurrency) await pause(pollIntervalMs);
      } catch (error) {
        // The database is unavailable (or the claim failed): try again later, more slowly each
        // time, logging only the first failure.
        failures += 1;
        if (failures === 1) logger.error({ err: error }, 'claiming jobs failed; trying again');
        wakeRequested = false;
        await pause(Math.min(LONGEST_BACKOFF_MS, Math.max(pollIntervalMs, 250 * 2 ** failures)));
      }
    }
  }

  return {
    workerId,

    start(): void {
      if (running) return;
      running = true;
      unsubscribe = queue.onEnqueue(wakeUp);
      loop = pollUntilStopped();
      logger.info({ workerId, types, concurrency }, 'job worker started');
    },

    /** Stops claiming, then waits for the jobs in progress to finish. */
    async stop(): Promise<void> {
      running = false;
      unsubscribe?.();
      wakeUp();
      await loop;
      await Promise.all(inFlight);
      logger.info({ workerId }, 'job worker stopped');
    },

    /** Runs jobs until none is due. For the CLI and for tests. */
    async runUntilIdle(): Promise<void> {
      for (;;) {
        // A job that ends while a claim is under way may leave work due after the claim's "now"
        // (a retry due at once, a job it enqueued): only a claim begun with nothing running
        // proves that nothing is due.
        const nothingRanDuringClaim = inFlight.size === 0;
        const started = await fillSlots();
        if (started === 0 && inFlight.size === 0 && nothingRanDuringClaim) return;
        if (inFlight.size > 0) await Promise.race(inFlight);
      }
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
