import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedJob, JobQueue } from './job-queue.ts';

export type JobHandler = {
  run(job: ClaimedJob): Promise<void>;
  /** How long to wait before try number `attempt + 1`; exponential backoff if unset. */
  retryDelayMs?(attempt: number): number;
};

export type JobHandlers = Readonly<Record<string, JobHandler>>;

/**
 * A job still running after this long is taken to have lost its worker and is run again, so
 * handlers finish well within it and are safe to repeat.
 */
const LEASE_MS = 5 * 60 * 1000;

/**
 * 5 s, 10 s, 20 s ... up to an hour, with a fifth either way so retries do not arrive in step.
 * `maxMs` is a hard cap: the jitter never takes a delay past it.
 */
export function exponentialBackoff(attempt: number, baseMs = 5000, maxMs = 60 * 60 * 1000): number {
  const delay = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(maxMs, Math.round(delay * (0.8 + Math.random() * 0.4)));
}

export function createJobWorker(options: {
  queue: JobQueue;
  handlers: JobHandlers;
  logger: Logger;
  concurrency: number;
  pollIntervalMs?: number;
  /** How long a claimed job is held before another worker may take it as lost; LEASE_MS if unset. */
  leaseMs?: number;
}) {
  const { queue, handlers, concurrency } = options;
  const logger = options.logger.child({ component: 'job-worker' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const types = Object.keys(handlers);
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /** Set by a wake-up that came while the loop was busy, so its next pause does not wait. */
  let wakeRequested = false;
  let unsubscribe: (() => void) | undefined;

  async function runJob(job: ClaimedJob): Promise<void> {
    const handler = handlers[job.type];
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await handler.run(job);
      await queue.complete(job, workerId);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryInMs = handler?.retryDelayMs?.(job.attempt) ?? exponentialBackoff(job.attempt);
      const outcome = await queue.fail({ job, workerId, error: message, retryInMs });
      logger.warn({ jobId: job.id, jobType: job.type, attempt: job.attempt, outcome }, 'job failed');
    }
  }

  /** Claims as many jobs as there is room for and starts them. Returns how many it started. */
  async function fillSlots(): Promise<number> {
    const room = concurrency - inFlight.size;
    if (room <= 0) return 0;
    // A claim is a transaction of its own: with many slots, claim for a quarter of them at once
    // rather than one by one as each job ends (with the default few slots, nothing changes).
    if (inFlight.size > 0 && room < Math.ceil(concurrency / 4)) return 0;
    const jobs = await queue.claim({ types, workerId, limit: room, leaseMs });
    for (const job of jobs) {
      const task = runJob(job).catch((error: unknown) => {
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
    while (running) {
      wakeRequested = false;
      try {
        const started = await fillSlots();
        if (started === 0 || inFlight.size >= concurrency) await pause(pollIntervalMs);
      } catch (error) {
        logger.error({ err: error }, 'claiming jobs failed');
        await pause(pollIntervalMs);
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
        const started = await fillSlots();
        if (started === 0 && inFlight.size === 0) return;
        if (inFlight.size > 0) await Promise.race(inFlight);
      }
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
