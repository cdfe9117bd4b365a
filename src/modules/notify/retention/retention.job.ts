import type { Logger } from 'pino';
import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import type { NotifyCore } from '../notify.core.ts';
import { enqueueDeliveryCallback } from '../callbacks/callback.job.ts';

export const RETENTION_JOB = 'notify.retention';
const RETENTION_SCHEDULE = 'retention';
const RUN_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 1000;
/** Notify's SENDING_NOTIFICATIONS_TIMEOUT_PERIOD: 72 hours with no outcome. */
const SENDING_TIMEOUT_MS = 72 * 60 * 60 * 1000;

/**
 * Makes sure the hourly retention job is queued. Called when the web app starts: if no run is
 * booked (first start) or the booked one is long overdue (its job was lost), one is queued now.
 * Several processes starting together book one run between them.
 */
export async function ensureRetentionScheduled(core: NotifyCore): Promise<void> {
  const now = core.clock();
  await core.db.transaction().execute(async (transaction) => {
    const claimed = await core.stores.schedule.claimRun(transaction, {
      name: RETENTION_SCHEDULE,
      dueBy: new Date(now.getTime() - 2 * RUN_EVERY_MS).toISOString(),
      nextRunAt: now.toISOString(),
    });
    if (claimed) await core.jobs.enqueue(transaction, { type: RETENTION_JOB, payload: {}, runAt: now });
  });
}

/**
 * Emails and text messages handed to a provider over 72 hours ago with no outcome since (a lost
 * receipt, or a delivery whose tries all ended in a crash) become `temporary-failure`, as in
 * Notify, and the service's delivery-receipt callback is told.
 */
async function timeOutUnfinished(core: NotifyCore, now: Date): Promise<number> {
  const before = new Date(now.getTime() - SENDING_TIMEOUT_MS).toISOString();
  let timedOut = 0;
  for (;;) {
    const rows = await core.db.transaction().execute(async (transaction) => {
      const timedOutRows = await core.stores.notifications.timeOutUnfinished(transaction, { before, now: now.toISOString(), limit: BATCH });
      for (const row of timedOutRows) {
        await enqueueDeliveryCallback(core, transaction, { notificationId: row.id, serviceId: row.service_id, status: 'temporary-failure' });
      }
      return timedOutRows;
    });
    for (const row of rows) core.countDelivery(row, 'temporary-failure');
    const moved = rows.length;
    timedOut += moved;
    if (moved < BATCH) return timedOut;
  }
}

/**
 * Deletes what Notify must not keep: each service's notifications (with their personal content
 * and letter PDFs) and received text messages once older than its retention period (7 days by
 * default), and files past their own retention; before that,
 * times out deliveries with no outcome for 72 hours. Then books the next run, an hour on.
 */
export async function runRetention(core: NotifyCore): Promise<{ timedOut: number; notifications: number; receivedTexts: number; files: number }> {
  const now = core.clock();
  const timedOut = await timeOutUnfinished(core, now);
  let notifications = 0;
  let receivedTexts = 0;
  for (const service of await core.stores.services.listServices(core.db)) {
    const before = new Date(now.getTime() - service.retention_days * DAY_MS).toISOString();
    for (;;) {
      const deleted = await core.db.transaction().execute((transaction) =>
        core.stores.notifications.deleteOlderThan(transaction, { serviceId: service.id, before, limit: BATCH }),
      );
      notifications += deleted.length;
      if (deleted.length < BATCH) break;
    }
    receivedTexts += await core.stores.notifications.deleteReceivedTextsOlderThan(core.db, { serviceId: service.id, before });
  }
  const files = await core.stores.files.deleteExpired(core.db, now.toISOString());
  await core.stores.limits.deleteDailyCountsBefore(core.db, new Date(now.getTime() - 7 * DAY_MS).toISOString().slice(0, 10));
  return { timedOut, notifications, receivedTexts, files };
}

export function createRetentionHandler(dependencies: { core: NotifyCore; logger: Logger }): JobHandler {
  const { core } = dependencies;
  const logger = dependencies.logger.child({ component: 'notify-retention' });
  return {
    async run() {
      const deleted = await runRetention(core);
      logger.info(deleted, 'notify retention ran');
      const next = new Date(core.clock().getTime() + RUN_EVERY_MS);
      await core.db.transaction().execute(async (transaction) => {
        await core.stores.schedule.claimRun(transaction, { name: RETENTION_SCHEDULE, dueBy: '9999-12-31T00:00:00.000Z', nextRunAt: next.toISOString() });
        await core.jobs.enqueue(transaction, { type: RETENTION_JOB, payload: {}, runAt: next });
      });
    },
  };
}
