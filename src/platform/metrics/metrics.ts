import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../audit/audit.service.ts';

/**
 * The figures one process keeps for Prometheus, in a registry of its own (never prom-client's
 * global one: tests open many kernels in one process). Labels carry only names the code chose
 * (route patterns, job types, audit actions, statuses), never what a request or a person sent:
 * no ids, addresses or personal data, and a bounded number of series.
 */

/** How the job queue stands now, as the job table shows it: one row per job type and state. */
export type JobQueueState = {
  type: string;
  state: 'due' | 'scheduled' | 'running' | 'failed';
  count: number;
  /** For due jobs: when the job that has waited longest became due (ISO 8601). */
  oldestRunAt: string | null;
};

/** How the database pool is used now; undefined where there is no pool (SQLite's one connection). */
export type DatabasePoolUse = { max: number; open: number; idle: number; waiting: number };

export type JobOutcome = 'completed' | 'retrying' | 'failed' | 'lost';

export type MetricsSources = {
  /** Reads the job table; may throw while the database is unavailable. */
  readJobQueue?(): Promise<JobQueueState[]>;
  readDatabasePool?(): DatabasePoolUse | undefined;
};

/** The value a label takes when the value offered could be an id or personal data. */
export const OTHER_LABEL = 'other';
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Names the code chose look like this: `notify.deliver`, `identity.sign-in.completed`, `/v2/notifications/:id`. */
const NAME_LABEL = /^[A-Za-z/:._*-][A-Za-z0-9/:._*{}-]{0,119}$/;
/** A run of digits or hex long enough to be an id, or anything shaped like an address. */
const LOOKS_LIKE_DATA = /\d{4,}|[0-9a-f]{12,}|@|\s/i;
/** How long a scrape waits for the job table before reporting the database as down. */
const COLLECT_TIMEOUT_MS = 2000;
const NO_ROUTE = '(no route)';
/** Request series whose children are kept at hand (unmatched methods could otherwise grow it). */
const MAX_CACHED_SERIES = 2000;

/** A name the code chose, or `other` if the value could carry an id or personal data. */
export function toSafeLabel(value: string): string {
  return NAME_LABEL.test(value) && !LOOKS_LIKE_DATA.test(value) ? value : OTHER_LABEL;
}

/**
 * The label of a route pattern: the pattern as registered (it comes from the router, never from
 * the request), with each parameter's regular expression left out (`:serviceId([0-9a-f-]{36})`
 * is `:serviceId`).
 */
export function describeRoute(pattern: string): string {
  return toSafeLabel(pattern.replace(/(:[A-Za-z0-9_]+)\([^/]*\)/g, '$1'));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A sign-in step is an audit action named `MODULE.sign-in.WHAT`: `.completed` counts a sign-in,
 * any other with a failure or denied outcome counts a failed attempt (a wrong password or code).
 */
function signInOutcomeOf(event: Pick<AuditEvent, 'action' | 'outcome'>): 'success' | 'failure' | undefined {
  const match = /^([a-z0-9-]+)\.sign-in\.([a-z0-9-]+)$/.exec(event.action);
  if (!match) return undefined;
  if (match[2] === 'completed' && event.outcome === 'success') return 'success';
  return event.outcome === 'success' ? undefined : 'failure';
}

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  const registers = [registry];
  const moduleCounters = new Map<string, Counter<string>>();
  let defaultsCollected = false;

  const httpDuration = new Histogram({
    name: 'civitas_http_request_duration_seconds',
    help: 'Time from a request arriving to its response being sent, by route pattern, method and status code. Its _count is the request count.',
    labelNames: ['route', 'method', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  const httpSeries = new Map<string, ReturnType<typeof httpDuration.labels>>();

  const jobRuns = new Counter({
    name: 'civitas_job_runs_total',
    help: 'Job runs this process finished, by job type and outcome: completed, retrying (failed, will run again), failed (no tries left) or lost (its lease ran out).',
    labelNames: ['type', 'outcome'],
    registers,
  });

  const jobFailures = new Counter({
    name: 'civitas_job_failures_total',
    help: 'Job runs in this process that failed, by job type and outcome: retrying or failed (no tries left, kept for `civitas jobs retry`).',
    labelNames: ['type', 'outcome'],
    registers,
  });

  const auditEvents = new Counter({
    name: 'civitas_audit_events_total',
    help: 'Audit events this process recorded, by action and outcome.',
    labelNames: ['action', 'outcome'],
    registers,
  });

  const signIns = new Counter({
    name: 'civitas_sign_ins_total',
    help: 'Sign-ins this process completed (outcome success) and failed attempts, such as a wrong password or security code (outcome failure), by module.',
    labelNames: ['module', 'outcome'],
    registers,
  });

  // Before the gauges that read the job table, so the pool is seen as it was before this scrape's query.
  new Gauge({
    name: 'civitas_database_pool_connections',
    help: "This process's PostgreSQL connections, by state: in_use, idle, max (the pool's limit), waiting (queries waiting for a connection). Absent on SQLite.",
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const pool = sources.readDatabasePool?.();
      if (!pool) return;
      this.set({ state: 'in_use' }, pool.open - pool.idle);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'max' }, pool.max);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });

  // The queue gauges and civitas_database_up share one read of the job table per scrape
  // (prom-client collects every metric of a scrape at once).
  let queueRead: Promise<JobQueueState[] | undefined> | undefined;
  async function readQueueOnce(): Promise<JobQueueState[] | undefined> {
    if (!sources.readJobQueue) return undefined;
    queueRead ??= withTimeout(sources.readJobQueue(), COLLECT_TIMEOUT_MS)
      .catch(() => undefined)
      .finally(() => {
        setImmediate(() => {
          queueRead = undefined;
        });
      });
    return queueRead;
  }

  new Gauge({
    name: 'civitas_jobs',
    help: 'Jobs in the queue (shared by every process), by type and state: due (waiting for a worker), scheduled (to run later), running, failed (no tries left).',
    labelNames: ['type', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const row of (await readQueueOnce()) ?? []) this.set({ type: toSafeLabel(row.type), state: row.state }, row.count);
    },
  });

  new Gauge({
    name: 'civitas_job_oldest_due_age_seconds',
    help: 'How long the due job that has waited longest has been waiting for a worker, by type (0 when none is due).',
    labelNames: ['type'],
    registers,
    async collect() {
      this.reset();
      const now = Date.now();
      for (const row of (await readQueueOnce()) ?? []) {
        if (row.state !== 'due' || row.oldestRunAt === null) continue;
        this.set({ type: toSafeLabel(row.type) }, Math.max(0, (now - Date.parse(row.oldestRunAt)) / 1000));
      }
    },
  });

  new Gauge({
    name: 'civitas_database_up',
    help: `1 if the job table could be read for this scrape, 0 if not (the database is unreachable, or did not answer within ${COLLECT_TIMEOUT_MS / 1000} seconds).`,
    registers,
    async collect() {
      if (sources.readJobQueue) this.set((await readQueueOnce()) === undefined ? 0 : 1);
    },
  });

  return {
    registry,

    /** Called for every response: `route` is the pattern the request matched, or undefined if none did. */
    observeRequest(request: { route: string | undefined; method: string; statusCode: number; seconds: number }): void {
      // Each series' child is found once: prom-client hashes the labels on every observe otherwise
      // (some 6 µs a request). Routes, methods and status codes are few, so the map stays small.
      const key = `${request.route ?? ''}\u0000${request.method}\u0000${request.statusCode}`;
      let series = httpSeries.get(key);
      if (!series) {
        series = httpDuration.labels({
          route: request.route === undefined ? NO_ROUTE : describeRoute(request.route),
          method: HTTP_METHODS.has(request.method) ? request.method : OTHER_LABEL,
          status_code: String(request.statusCode),
        });
        if (httpSeries.size < MAX_CACHED_SERIES) httpSeries.set(key, series);
      }
      series.observe(request.seconds);
    },

    countJobOutcome(type: string, outcome: JobOutcome): void {
      const labels = { type: toSafeLabel(type), outcome };
      jobRuns.inc(labels);
      if (outcome === 'retrying' || outcome === 'failed') jobFailures.inc(labels);
    },

    countAuditEvent(event: Pick<AuditEvent, 'action' | 'outcome'>): void {
      auditEvents.inc({ action: toSafeLabel(event.action), outcome: event.outcome });
      const signIn = signInOutcomeOf(event);
      if (signIn) signIns.inc({ module: event.action.split('.')[0] as string, outcome: signIn });
    },

    /**
     * A counter of a module's own, such as `civitas_notify_deliveries_total`: modules count
     * through this (their kernel), never by importing prom-client. The same name gives the same
     * counter; label values pass through `toSafeLabel`.
     */
    counter(definition: { name: string; help: string; labelNames: readonly string[] }) {
      if (!/^civitas_[a-z][a-z0-9_]*_total$/.test(definition.name)) {
        throw new Error(`A counter's name is civitas_..._total in snake case, not ${definition.name}`);
      }
      let counter = moduleCounters.get(definition.name);
      if (!counter) {
        counter = new Counter({ name: definition.name, help: definition.help, labelNames: [...definition.labelNames], registers });
        moduleCounters.set(definition.name, counter);
      }
      const chosen = counter;
      return {
        inc(labels: Record<string, string>, by = 1): void {
          chosen.inc(Object.fromEntries(Object.entries(labels).map(([name, value]) => [name, toSafeLabel(value)])), by);
        },
      };
    },

    /** Adds Node's own figures (memory, CPU, event-loop delay, GC): once, by the process that serves them. */
    collectProcessMetrics(): void {
      if (defaultsCollected) return;
      defaultsCollected = true;
      collectDefaultMetrics({ register: registry, prefix: 'civitas_' });
    },

    /** The text Prometheus reads. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
