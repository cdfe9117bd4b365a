import type { Logger } from 'pino';
import { auditKeyRingOf } from './audit/audit-keys.ts';
import { createAuditService, type AuditService } from './audit/audit.service.ts';
import { createAuditStore } from './audit/audit.store.ts';
import * as createAuditEvent from './audit/migrations/0001-create-audit-event.ts';
import * as addAuditEventKeyId from './audit/migrations/0002-add-audit-event-key-id.ts';
import type { Config } from './config/config.schema.ts';
import { openDatabase, type Database, type DatabaseHandle } from './db/database.ts';
import { listPendingMigrations, migrateToLatest, type MigrationList } from './db/migrations.ts';
import { createJobQueue, type JobQueue } from './jobs/job-queue.ts';
import { createJobWorker, type JobHandlers, type JobWorker } from './jobs/job-worker.ts';
import { createJobStore } from './jobs/job.store.ts';
import * as createJob from './jobs/migrations/0001-create-job.ts';
import * as addJobGroupKey from './jobs/migrations/0002-add-job-group-key.ts';
import * as createJobSchedule from './jobs/migrations/0003-create-job-schedule.ts';
import { createLogger } from './logger.ts';
import { createDevelopmentOutbox, type DevelopmentOutbox } from './mail/development-outbox.ts';
import { createDevelopmentOutboxStore } from './mail/development-outbox.store.ts';
import {
  createDevelopmentOutboxTransport,
  createSmtpTransport,
  type MailTransport,
} from './mail/mail-transport.ts';
import * as createDevelopmentMessage from './mail/migrations/0001-create-development-message.ts';
import * as createServiceEvent from './events/migrations/0001-create-service-event.ts';
import * as createServiceEventAggregates from './events/migrations/0002-create-service-event-aggregates.ts';
import * as createRateLimitWindow from './rate-limit/migrations/0001-create-rate-limit-window.ts';
import { createServiceEventJobs } from './events/service-event.jobs.ts';
import { createServiceEventStore } from './events/service-event.store.ts';
import { createServiceEvents, type ServiceEvents } from './events/service-events.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import type { CivitasModule } from './module.ts';
import { secretBoxesOf, type SecretBoxes } from './secrets/secret-box.ts';

/** The kernel's own migrations, run before any module's. */
export const kernelMigrations: MigrationList = {
  owner: 'platform',
  migrations: [
    { id: '0001-create-audit-event', migration: createAuditEvent },
    { id: '0002-create-job', migration: createJob },
    { id: '0003-create-development-message', migration: createDevelopmentMessage },
    { id: '0004-add-audit-event-key-id', migration: addAuditEventKeyId },
    { id: '0005-add-job-group-key', migration: addJobGroupKey },
    { id: '0006-create-service-event', migration: createServiceEvent },
    { id: '0007-create-job-schedule', migration: createJobSchedule },
    { id: '0008-create-service-event-aggregates', migration: createServiceEventAggregates },
    { id: '0009-create-rate-limit-window', migration: createRateLimitWindow },
  ],
};

/** The services every module builds on. One per process; stateless apart from the database. */
export type Kernel = {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  db: Database;
  audit: AuditService;
  jobs: JobQueue;
  mail: MailTransport;
  /** The figures this process serves to Prometheus; modules add counters of their own through it. */
  metrics: Metrics;
  /** Service-level events for Insight (no personal data), written in batches. */
  serviceEvents: ServiceEvents;
  /** Encrypts the secrets modules keep and must read back, one box per purpose. */
  secrets: SecretBoxes;
  /** Set when no SMTP server is configured (never in production): messages are kept here instead. */
  developmentOutbox?: DevelopmentOutbox;
  modules: readonly CivitasModule[];
  migrate(): Promise<string[]>;
  pendingMigrations(): Promise<string[]>;
  /** Books the kernel's recurring jobs (service events' aggregation and retention) unless they are booked; each process calls it as it starts. */
  scheduleRecurringJobs(): Promise<void>;
  createWorker(options?: { pollIntervalMs?: number; handlers?: JobHandlers; leaseMs?: number; outageRetryMs?: number }): JobWorker;
  close(): Promise<void>;
};

export function openKernel(options: {
  config: Config;
  modules: readonly CivitasModule[];
  logger?: Logger;
}): Kernel {
  const { config, modules } = options;
  const logger = options.logger ?? createLogger(config);
  const database = openDatabase(config.DATABASE_URL, { logger });
  const { db } = database;
  const migrationLists = [kernelMigrations, ...modules.flatMap((module) => module.migrations ?? [])];
  const jobs = createJobQueue({ db, store: createJobStore(database.kind), notifications: database });
  const metrics = createMetrics({
    readJobQueue: () => jobs.describeQueue(),
    readDatabasePool: () => database.describePool(),
  });
  const audit = createAuditService({
    db,
    store: createAuditStore(),
    keys: auditKeyRingOf(config),
    checkpoints: { logger, file: config.AUDIT_CHECKPOINT_FILE },
    onRecorded: (event) => metrics.countAuditEvent(event),
  });
  const droppedServiceEvents = metrics.counter({
    name: 'civitas_service_events_dropped_total',
    help: 'Service events this process dropped: its buffer was full, or the database was out of reach when it stopped.',
    labelNames: [],
  });
  const serviceEventStore = createServiceEventStore();
  const recurringJobs = createServiceEventJobs({ db, store: serviceEventStore, jobs, logger });
  const serviceEvents = createServiceEvents({
    db,
    store: serviceEventStore,
    logger,
    onDropped: (count) => droppedServiceEvents.inc({}, count),
  });
  const developmentOutbox =
    config.SMTP_URL === ''
      ? createDevelopmentOutbox({ store: createDevelopmentOutboxStore(db) })
      : undefined;
  const mail = developmentOutbox
    ? createDevelopmentOutboxTransport(developmentOutbox)
    : createSmtpTransport({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });

  const kernel: Kernel = {
    config,
    logger,
    database,
    db,
    audit,
    jobs,
    mail,
    metrics,
    serviceEvents,
    secrets: secretBoxesOf(config),
    developmentOutbox,
    modules,
    async migrate() {
      const { applied } = await migrateToLatest(db, migrationLists);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      return applied;
    },
    pendingMigrations: () => listPendingMigrations(db, migrationLists),
    async scheduleRecurringJobs() {
      for (const job of recurringJobs) await job.ensureScheduled();
    },
    createWorker(workerOptions = {}) {
      const handlers =
        workerOptions.handlers ??
        Object.assign(
          Object.fromEntries(recurringJobs.map((job) => [job.type, job.handler])),
          ...modules.map((module) => module.createJobHandlers?.(kernel) ?? {}),
        );
      return createJobWorker({
        queue: jobs,
        handlers,
        logger,
        concurrency: config.WORKER_CONCURRENCY,
        pollIntervalMs: workerOptions.pollIntervalMs,
        leaseMs: workerOptions.leaseMs,
        outageRetryMs: workerOptions.outageRetryMs,
        onOutcome: (type, outcome) => metrics.countJobOutcome(type, outcome),
      });
    },
    async close() {
      await audit.close();
      await serviceEvents.close();
      await mail.close();
      await database.close();
    },
  };
  return kernel;
}
