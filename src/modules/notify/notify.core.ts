import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Config } from '../../platform/config/config.schema.ts';
import { describeDatabaseKind, type Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/job-queue.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import type { ServiceEventRecorder } from '../../platform/events/service-events.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { outboundPolicyOf } from '../../platform/net/outbound-request.ts';
import { createFileStore } from './files/file.store.ts';
import { createNotifyLimiter } from './limits/limiter.ts';
import { createLimitsStore } from './limits/limits.store.ts';
import { createNotificationStore } from './notifications/notification.store.ts';
import { createNotificationSender } from './notifications/send-notification.ts';
import { createScheduleStore } from './retention/schedule.store.ts';
import { createNotifySecretBox } from './services/secret-box.ts';
import { createServiceAdmin } from './services/service.service.ts';
import { createServiceStore } from './services/service.store.ts';
import { createTemplateService } from './templates/template.service.ts';
import { createTemplateStore } from './templates/template.store.ts';
import { createGroupCommit } from '../../platform/db/group-commit.ts';
import { createReadCache } from './notify.read-cache.ts';
import type { ApiKeyRow, SenderRow, ServiceRow } from './services/service.store.ts';
import type { TemplateRow } from './templates/template.store.ts';

/** How stale a service, API key, template or sender read on the hot path may be in another process. */
const READ_CACHE_TTL_MS = 1000;

/** What Notify's routes, jobs, commands and contract share, built from the kernel's parts. */
export type NotifyCoreParts = {
  config: Config;
  db: Database;
  audit: AuditService;
  jobs: JobQueue;
  /** Where deliveries are counted for Prometheus; none in tests that build a core by hand. */
  metrics?: Pick<Metrics, 'counter'>;
  clock?: () => Date;
  /** Where sends and their outcomes are recorded for Insight; none in tests that build a core by hand. */
  serviceEvents?: ServiceEventRecorder;
};

export function createNotifyCore(parts: NotifyCoreParts) {
  const { config, db, audit, jobs } = parts;
  const clock = parts.clock ?? (() => new Date());
  const deliveries = parts.metrics?.counter({
    name: 'civitas_notify_deliveries_total',
    help: 'Notifications this process moved to a delivery status (sending, delivered, temporary-failure, permanent-failure, technical-failure), by type (email, sms, letter), once committed.',
    labelNames: ['type', 'status'],
  });
  /** Counts a notification moved to `status` (and records its outcome for Insight): call it after the change committed. */
  const countDelivery = (notification: { id: string; service_id: string; type: string }, status: string): void => {
    deliveries?.inc({ type: notification.type, status });
    const outcome = status === 'delivered' ? 'notify.notification.delivered' : status.endsWith('-failure') ? 'notify.notification.failed' : undefined;
    if (outcome) parts.serviceEvents?.record({ service: `notify-service:${notification.service_id}`, type: outcome, journeyId: notification.id });
  };
  const kind = describeDatabaseKind(config.DATABASE_URL);
  const stores = {
    services: createServiceStore(),
    templates: createTemplateStore(),
    notifications: createNotificationStore(),
    limits: createLimitsStore(kind),
    files: createFileStore(),
    schedule: createScheduleStore(),
  };
  const secrets = createNotifySecretBox({ secrets: secretBoxesOf(config), cookieSecret: config.COOKIE_SECRET });
  const caches = {
    services: createReadCache<ServiceRow | undefined>({ ttlMs: READ_CACHE_TTL_MS }),
    apiKeys: createReadCache<ApiKeyRow[]>({ ttlMs: READ_CACHE_TTL_MS }),
    templates: createReadCache<TemplateRow | undefined>({ ttlMs: READ_CACHE_TTL_MS }),
    senders: createReadCache<SenderRow[]>({ ttlMs: READ_CACHE_TTL_MS }),
  };
  const serviceAdmin = createServiceAdmin({ db, store: stores.services, audit, secrets, caches, outboundPolicy: outboundPolicyOf(config), clock });
  const templates = createTemplateService({ db, store: stores.templates, audit, cache: caches.templates, clock });
  const writes = createGroupCommit(db);
  const limiter = createNotifyLimiter({ db, store: stores.limits, clock });
  const sender = createNotificationSender({
    db,
    jobs,
    services: stores.services,
    templates: stores.templates,
    notifications: stores.notifications,
    limiter,
    files: stores.files,
    writes,
    caches,
    baseUrl: config.BASE_URL,
    clock,
    serviceEvents: parts.serviceEvents,
  });
  return { config, db, audit, jobs, clock, countDelivery, stores, caches, serviceAdmin, templates, sender, limiter, writes, baseUrl: config.BASE_URL };
}

export type NotifyCore = ReturnType<typeof createNotifyCore>;
