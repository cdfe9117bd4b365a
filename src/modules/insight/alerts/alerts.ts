import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { ServiceEvents } from '../../../platform/events/service-events.ts';
import { findConsoleService, listConsoleTeamEmails } from '../../console/console.contract.ts';
import { sendSystemEmail, SYSTEM_TEMPLATES, type NotifyPlatform } from '../../notify/notify.contract.ts';
import { InsightError } from '../insight.errors.ts';
import { countByType, eventSourcesOf, readServiceCounts } from '../kpis/service-figures.ts';
import { computeServiceKpis } from '../kpis/service-kpis.ts';
import { createAlertStore, type AlertRow } from './alert.store.ts';

export const ALERT_KINDS = ['completion-below', 'delivery-failures-above'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const HOUR_MS = 3_600_000;
const MAX_ALERTS_PER_SERVICE = 10;
/** Fewer journeys than this in a day say nothing about a completion rate: no alert either way. */
export const MIN_JOURNEYS_JUDGED = 10;
const LIMITS: Record<AlertKind, { min: number; max: number }> = { 'completion-below': { min: 1, max: 100 }, 'delivery-failures-above': { min: 0, max: 1_000_000 } };

export type Alert = { id: string; kind: AlertKind; threshold: number; crossed: boolean; changedAt: string };

const startOfHour = (at: Date) => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Thresholds a team sets on a service: completion rate over the last 24 hours below a percentage,
 * or messages that failed to deliver in the last full hour above a number. Checked by a job every
 * 10 minutes from the kernel's hourly counts; when a threshold becomes crossed the service's owners
 * and developers get one email through Notify, and no other until it has cleared and is crossed again.
 */
export function createInsightAlerts(dependencies: { db: Database; audit: AuditService; serviceEvents: Pick<ServiceEvents, 'readAggregates'>; notify: NotifyPlatform; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createAlertStore(db);

  /** What the alert measures now, or undefined when there is too little to judge. */
  async function measure(alert: AlertRow, now: Date): Promise<number | undefined> {
    const hourStart = startOfHour(now);
    if (alert.kind === 'delivery-failures-above') {
      const rows = await readServiceCounts(dependencies, await eventSourcesOf(dependencies.db, alert.service_id), { from: new Date(hourStart.getTime() - HOUR_MS).toISOString(), to: hourStart.toISOString(), granularity: 'hour' });
      return countByType(rows)['notify.notification.failed'] ?? 0;
    }
    const rows = await readServiceCounts(dependencies, await eventSourcesOf(dependencies.db, alert.service_id), { from: new Date(hourStart.getTime() - 23 * HOUR_MS).toISOString(), to: new Date(hourStart.getTime() + HOUR_MS).toISOString(), granularity: 'hour' });
    const kpis = computeServiceKpis({ counts: countByType(rows) });
    return kpis.started >= MIN_JOURNEYS_JUDGED && kpis.completionRate ? kpis.completionRate.value * 100 : undefined;
  }

  const isCrossed = (alert: AlertRow, value: number) => (alert.kind === 'completion-below' ? value < alert.threshold : value > alert.threshold);

  async function tellTeam(alert: AlertRow, value: number): Promise<void> {
    const service = await findConsoleService(db, alert.service_id);
    if (!service) return;
    const recipients = await listConsoleTeamEmails(db, service.organisationId, ['owner', 'developer']);
    const what =
      alert.kind === 'completion-below'
        ? `Completion rate over the last 24 hours is ${Math.round(value * 10) / 10}%, below your alert at ${alert.threshold}%.`
        : `${value} messages failed to deliver in the last hour, more than your alert at ${alert.threshold}.`;
    for (const to of recipients) {
      await sendSystemEmail(dependencies.notify, {
        templateKey: SYSTEM_TEMPLATES.accountNoticeEmail,
        to,
        personalisation: { subject: `${service.name}: an alert was crossed`, body: `${what}\n\nYou will not be emailed about this alert again until it clears. See the service's performance in the console.` },
        reference: `insight-alert-${alert.id}`,
      });
    }
  }

  return {
    async add(input: { serviceId: string; kind: string; threshold: number; actor: string }): Promise<string> {
      if (!(ALERT_KINDS as readonly string[]).includes(input.kind)) throw new InsightError('insight.INVALID_ALERT', `The alert must be one of ${ALERT_KINDS.join(', ')}`);
      const kind = input.kind as AlertKind;
      const { min, max } = LIMITS[kind];
      if (!Number.isInteger(input.threshold) || input.threshold < min || input.threshold > max) throw new InsightError('insight.INVALID_ALERT', `The threshold must be a whole number from ${min} to ${max.toLocaleString('en-GB')}`);
      if (!(await findConsoleService(db, input.serviceId))) throw new InsightError('insight.SERVICE_NOT_FOUND', `There is no console service ${input.serviceId}`);
      const existing = await store.listOfService(input.serviceId);
      if (existing.length >= MAX_ALERTS_PER_SERVICE) throw new InsightError('insight.INVALID_ALERT', `A service has at most ${MAX_ALERTS_PER_SERVICE} alerts`);
      // The same alert twice would only email twice.
      if (existing.some((alert) => alert.kind === kind && Number(alert.threshold) === input.threshold)) throw new InsightError('insight.DUPLICATE_ALERT', 'The service has this alert already');
      const id = randomUUID();
      const now = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        await createAlertStore(transaction).insert({ id, service_id: input.serviceId, kind, threshold: input.threshold, state: 'clear', changed_at: now, created_by: input.actor, created_at: now });
        await audit.record({ actor: input.actor, action: 'insight.alert.added', subject: `console-service:${input.serviceId}`, outcome: 'success', details: { alert: id, kind, threshold: input.threshold } }, transaction);
      });
      return id;
    },

    async remove(input: { serviceId: string; alertId: string; actor: string }): Promise<boolean> {
      return db.transaction().execute(async (transaction) => {
        const removed = await createAlertStore(transaction).remove(input.serviceId, input.alertId);
        if (removed) await audit.record({ actor: input.actor, action: 'insight.alert.removed', subject: `console-service:${input.serviceId}`, outcome: 'success', details: { alert: input.alertId } }, transaction);
        return removed;
      });
    },

    async list(serviceId: string): Promise<Alert[]> {
      return (await store.listOfService(serviceId)).map((row) => ({ id: row.id, kind: row.kind as AlertKind, threshold: Number(row.threshold), crossed: row.state === 'crossed', changedAt: row.changed_at }));
    },

    /** Checks every alert now; returns how many became crossed (and so emailed) and cleared. */
    async evaluate(): Promise<{ crossed: number; cleared: number }> {
      const now = clock();
      let crossed = 0;
      let cleared = 0;
      for (const alert of await store.listAll()) {
        const value = await measure(alert, now);
        if (value === undefined) continue;
        const over = isCrossed(alert, value);
        if (over && alert.state === 'clear' && (await store.changeState(alert.id, 'clear', 'crossed', now.toISOString()))) {
          // The state moved first, in one statement: two processes checking at once email once.
          await audit.record({ actor: 'system', action: 'insight.alert.crossed', subject: `console-service:${alert.service_id}`, outcome: 'success', details: { alert: alert.id, kind: alert.kind, threshold: Number(alert.threshold), value } });
          await tellTeam(alert, value);
          crossed += 1;
        } else if (!over && alert.state === 'crossed' && (await store.changeState(alert.id, 'crossed', 'clear', now.toISOString()))) {
          await audit.record({ actor: 'system', action: 'insight.alert.cleared', subject: `console-service:${alert.service_id}`, outcome: 'success', details: { alert: alert.id, kind: alert.kind, value } });
          cleared += 1;
        }
      }
      return { crossed, cleared };
    },
  };
}

export type InsightAlerts = ReturnType<typeof createInsightAlerts>;
