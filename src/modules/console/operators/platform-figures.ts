import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import type { Readiness } from '../../../platform/http/health.routes.ts';
import type { Metrics } from '../../../platform/metrics/metrics.ts';

type MetricJson = Awaited<ReturnType<Metrics['registry']['getMetricsAsJSON']>>[number];
type Labels = Record<string, string | number | undefined>;

/** Node's own figures (prom-client's defaults, under the civitas_ prefix): not the platform's. */
const NODE_OWN = /^civitas_(process|nodejs)_/;
const QUEUE_STATES = ['due', 'scheduled', 'running', 'failed'] as const;
/** The request series shown: the routes asked most. */
const TOP_ROUTES = 10;
/** Shown in sections of their own, not again among the counters. */
const SHOWN_APART = new Set([
  'civitas_jobs',
  'civitas_job_oldest_due_age_seconds',
  'civitas_job_failures_total',
  'civitas_sign_ins_total',
  'civitas_database_up',
  'civitas_database_pool_connections',
  'civitas_http_request_duration_seconds',
]);

export type QueueRow = { type: string; due: number; scheduled: number; running: number; failed: number; oldestDueSeconds: number };
export type RouteRow = { route: string; requests: number; serverErrors: number; meanMs: number };
export type CounterRow = { name: string; labels: string; value: number };

/** What the operators' health page shows: /readyz's answer, and the figures Prometheus reads from /metrics. */
export type PlatformFigures = {
  readiness: Readiness;
  /** civitas_database_up: undefined if this process has no job table to read. */
  databaseUp: number | undefined;
  queue: QueueRow[];
  /** Jobs whose last try failed in the last hour, from the job table (every process). */
  failuresLastHour: { retrying: number; failed: number };
  /** civitas_job_failures_total, civitas_sign_ins_total and the modules' own counters: this process since it started. */
  jobFailures: CounterRow[];
  signIns: CounterRow[];
  pool: CounterRow[];
  requests: { total: number; serverErrors: number; routes: RouteRow[] };
  counters: CounterRow[];
};

const describeLabels = (labels: Labels) =>
  Object.entries(labels)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');

const rowsOf = (metric: MetricJson | undefined): CounterRow[] =>
  (metric?.values ?? []).filter((value) => value.value !== 0).map((value) => ({ name: metric?.name ?? '', labels: describeLabels(value.labels), value: value.value }));

function queueOf(jobs: MetricJson | undefined, oldest: MetricJson | undefined): QueueRow[] {
  const byType = new Map<string, QueueRow>();
  const rowFor = (type: string) => {
    let row = byType.get(type);
    if (!row) byType.set(type, (row = { type, due: 0, scheduled: 0, running: 0, failed: 0, oldestDueSeconds: 0 }));
    return row;
  };
  for (const value of jobs?.values ?? []) {
    const state = String(value.labels.state) as (typeof QUEUE_STATES)[number];
    if (QUEUE_STATES.includes(state)) rowFor(String(value.labels.type))[state] = value.value;
  }
  for (const value of oldest?.values ?? []) rowFor(String(value.labels.type)).oldestDueSeconds = Math.round(value.value);
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}

function requestsOf(histogram: MetricJson | undefined): PlatformFigures['requests'] {
  const routes = new Map<string, RouteRow & { seconds: number }>();
  let total = 0;
  let serverErrors = 0;
  for (const value of (histogram?.values ?? []) as Array<{ value: number; labels: Labels; metricName?: string }>) {
    const part = value.metricName?.endsWith('_count') ? 'count' : value.metricName?.endsWith('_sum') ? 'sum' : undefined;
    if (!part) continue;
    const route = String(value.labels.route);
    let row = routes.get(route);
    if (!row) routes.set(route, (row = { route, requests: 0, serverErrors: 0, meanMs: 0, seconds: 0 }));
    if (part === 'sum') {
      row.seconds += value.value;
      continue;
    }
    row.requests += value.value;
    total += value.value;
    if (String(value.labels.status_code).startsWith('5')) {
      row.serverErrors += value.value;
      serverErrors += value.value;
    }
  }
  const top = [...routes.values()].sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route)).slice(0, TOP_ROUTES);
  return {
    total,
    serverErrors,
    routes: top.map(({ seconds, ...row }) => ({ ...row, meanMs: row.requests === 0 ? 0 : Math.round((seconds / row.requests) * 10_000) / 10 })),
  };
}

/** Reads every figure at once: the metrics registry (which reads the job table), /readyz's check, and the last hour's job failures. */
export async function readPlatformFigures(sources: {
  metrics: Metrics;
  jobs: Pick<JobQueue, 'countFailuresSince'>;
  checkReadiness(): Promise<Readiness>;
  now: Date;
}): Promise<PlatformFigures> {
  const [metrics, readiness, failuresLastHour] = await Promise.all([
    sources.metrics.registry.getMetricsAsJSON(),
    sources.checkReadiness(),
    sources.jobs.countFailuresSince(new Date(sources.now.getTime() - 60 * 60 * 1000)).catch(() => ({ retrying: 0, failed: 0 })),
  ]);
  const named = new Map(metrics.map((metric) => [metric.name, metric]));
  return {
    readiness,
    databaseUp: named.get('civitas_database_up')?.values[0]?.value,
    queue: queueOf(named.get('civitas_jobs'), named.get('civitas_job_oldest_due_age_seconds')),
    failuresLastHour,
    jobFailures: rowsOf(named.get('civitas_job_failures_total')),
    signIns: rowsOf(named.get('civitas_sign_ins_total')),
    pool: (named.get('civitas_database_pool_connections')?.values ?? []).map((value) => ({ name: 'civitas_database_pool_connections', labels: describeLabels(value.labels), value: value.value })),
    requests: requestsOf(named.get('civitas_http_request_duration_seconds')),
    counters: metrics
      .filter((metric) => String(metric.type) === 'counter' && metric.name.startsWith('civitas_') && !NODE_OWN.test(metric.name) && !SHOWN_APART.has(metric.name))
      .flatMap((metric) => rowsOf(metric)),
  };
}
