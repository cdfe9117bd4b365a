import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/unique-violation.ts';
import type { ServiceEvents } from '../../platform/events/service-events.ts';
import { findConsoleOrganisation, findConsoleService, listConsoleServicesWithOrganisation, type ConsoleService } from '../console/console.contract.ts';
import { InsightError } from './insight.errors.ts';
import { createInsightStore } from './kpis/insight.store.ts';
import { eventSourcesOf, isMonth, monthOf, previousMonth, rangeOf, readMonthFigures, type Month, type MonthFigures } from './kpis/service-figures.ts';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_SLUG_LENGTH = 60;
/** Addresses under /performance that are Insight's own pages. */
const RESERVED_SLUGS = new Set(['roadmap']);
/** More than any service's transactions in a month; a figure past it is a typing slip. */
const MAX_FIGURE = 1_000_000_000_000;
export const MAX_COMMENT_LENGTH = 1200;
const MAX_COMMENTS_SHOWN = 200;

/** A slug from a service's name: "Apply for a fishing licence" is apply-for-a-fishing-licence. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
}

export type PublishedService = { service: ConsoleService; slug: string; organisationName?: string };
export type ServiceFigures = { service: ConsoleService; current: MonthFigures; previous: MonthFigures };

/**
 * Insight's service: which services publish their figures, the figures teams enter, the
 * satisfaction answers people give, and each service's KPIs for a month beside the month before.
 * Changes are audited; a comment is never logged or audited, only stored for the team.
 */
export function createInsight(dependencies: { db: Database; audit: AuditService; serviceEvents: Pick<ServiceEvents, 'readAggregates'>; clock?: () => Date }) {
  const { db, audit, serviceEvents } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createInsightStore(db);

  async function requireService(serviceId: string): Promise<ConsoleService> {
    const service = await findConsoleService(db, serviceId);
    if (!service) throw new InsightError('insight.SERVICE_NOT_FOUND', `There is no console service ${serviceId}`);
    return service;
  }

  function readMonth(month: string | undefined): Month {
    if (month === undefined) return monthOf(clock());
    if (!isMonth(month)) throw new InsightError('insight.INVALID_MONTH', 'The month must be a year and month, such as 2026-11');
    return month;
  }

  return {
    readMonth,

    async publish(input: { serviceId: string; slug?: string; actor: string }): Promise<PublishedService> {
      const service = await requireService(input.serviceId);
      const slug = input.slug ?? slugOf(service.name);
      if (RESERVED_SLUGS.has(slug)) throw new InsightError('insight.INVALID_SLUG', `/performance/${slug} is Insight's own page: choose another address`);
      if (!SLUG.test(slug) || slug.length > MAX_SLUG_LENGTH) {
        throw new InsightError('insight.INVALID_SLUG', `The address must be 1 to ${MAX_SLUG_LENGTH} lower-case letters, digits and single hyphens`);
      }
      try {
        await db.transaction().execute(async (transaction) => {
          const insightStore = createInsightStore(transaction);
          const owner = await insightStore.findAddressOwner(slug);
          if (owner !== undefined && owner !== service.id) throw new InsightError('insight.SLUG_TAKEN', `Another service has published at /performance/${slug}`);
          await insightStore.keepAddress({ slug, service_id: service.id, first_used_at: clock().toISOString() });
          await insightStore.upsertPublication({ service_id: service.id, slug, published_at: clock().toISOString(), published_by: input.actor });
          await audit.record({ actor: input.actor, action: 'insight.service.published', subject: `console-service:${service.id}`, outcome: 'success', details: { slug } }, transaction);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new InsightError('insight.SLUG_TAKEN', `Another service has published at /performance/${slug}`);
        throw error;
      }
      return { service, slug };
    },

    async unpublish(input: { serviceId: string; actor: string }): Promise<void> {
      const service = await requireService(input.serviceId);
      await db.transaction().execute(async (transaction) => {
        if (!(await createInsightStore(transaction).deletePublication(service.id))) throw new InsightError('insight.NOT_PUBLISHED', 'The service does not publish its figures');
        await audit.record({ actor: input.actor, action: 'insight.service.unpublished', subject: `console-service:${service.id}`, outcome: 'success' }, transaction);
      });
    },

    /** Every published service, by its address. */
    async listPublished(): Promise<PublishedService[]> {
      const rows = await store.listPublications();
      const services = new Map((await listConsoleServicesWithOrganisation(db, rows.map((row) => row.service_id))).map((service) => [service.id, service]));
      return rows.flatMap((row) => {
        const found = services.get(row.service_id);
        if (!found) return [];
        const { organisationName, ...service } = found;
        return [{ service, slug: row.slug, organisationName }];
      });
    },

    /** Where an address a service once published at leads now: the service's current address, if it still publishes. */
    async currentAddressOf(oldSlug: string): Promise<string | undefined> {
      const serviceId = await store.findAddressOwner(oldSlug);
      return serviceId === undefined ? undefined : (await store.findPublicationOfService(serviceId))?.slug;
    },

    async findPublished(slug: string): Promise<PublishedService | undefined> {
      const row = await store.findPublicationBySlug(slug);
      const service = row ? await findConsoleService(db, row.service_id) : undefined;
      if (!row || !service) return undefined;
      // The page names whose service it is: a name alone could be any organisation's.
      const organisation = await findConsoleOrganisation(db, service.organisationId);
      return { service, slug: row.slug, ...(organisation ? { organisationName: organisation.name } : {}) };
    },

    /** Records what the team entered for a month: transactions by other channels and the month's total cost. */
    async enterTeamFigures(input: { serviceId: string; month: string; nonDigitalTransactions?: number; costPence?: number; actor: string }): Promise<void> {
      const service = await requireService(input.serviceId);
      const month = readMonth(input.month);
      for (const figure of [input.nonDigitalTransactions, input.costPence]) {
        if (figure !== undefined && !(Number.isSafeInteger(figure) && figure >= 0 && figure <= MAX_FIGURE)) {
          throw new InsightError('insight.INVALID_FIGURE', 'Figures must be whole numbers from 0 to 1,000,000,000,000');
        }
      }
      await db.transaction().execute(async (transaction) => {
        await createInsightStore(transaction).upsertTeamFigures({
          service_id: service.id,
          month,
          non_digital_transactions: input.nonDigitalTransactions ?? null,
          cost_pence: input.costPence ?? null,
          updated_at: clock().toISOString(),
          updated_by: input.actor,
        });
        await audit.record(
          { actor: input.actor, action: 'insight.figures.entered', subject: `console-service:${service.id}`, outcome: 'success', details: { month, non_digital_transactions: input.nonDigitalTransactions ?? null, cost_pence: input.costPence ?? null } },
          transaction,
        );
      });
    },

    /** Stores a person's answer to "how satisfied were you": a rating, and a comment for the team only. */
    async recordFeedback(input: { serviceId: string; rating: number; comment?: string }): Promise<void> {
      const service = await requireService(input.serviceId);
      if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw new InsightError('insight.INVALID_RATING', 'The rating must be 1 to 5');
      const comment = input.comment?.trim() ?? '';
      if (comment.length > MAX_COMMENT_LENGTH) throw new InsightError('insight.COMMENT_TOO_LONG', `The comment must be ${MAX_COMMENT_LENGTH} characters or fewer`);
      await store.insertFeedback({ id: randomUUID(), service_id: service.id, rating: input.rating, comment: comment === '' ? null : comment, created_at: clock().toISOString() });
    },

    /** Where the service publishes its figures, if it does. */
    async publicationOf(serviceId: string): Promise<string | undefined> {
      return (await store.findPublicationOfService(serviceId))?.slug;
    },

    /** What the team entered for a month, if anything. */
    teamFiguresOf: (serviceId: string, month: Month) => store.findTeamFigures(serviceId, month),

    /** The month's answers that came with a comment, newest first (at most 200): for the team's eyes only. */
    async commentsOf(serviceId: string, month: Month) {
      const rows = await store.listComments(serviceId, rangeOf(month), MAX_COMMENTS_SHOWN);
      return rows.map((row) => ({ rating: row.rating, comment: row.comment ?? '', at: row.created_at }));
    },

    /** A service's figures for `month` (this month by default) and for the month before, to compare. */
    async figures(serviceId: string, month?: string): Promise<ServiceFigures> {
      const service = await requireService(serviceId);
      const chosen = readMonth(month);
      const counted = { id: service.id, sources: await eventSourcesOf(db, service.id) };
      const [current, previous] = await Promise.all([readMonthFigures({ db, serviceEvents }, counted, chosen), readMonthFigures({ db, serviceEvents }, counted, previousMonth(chosen))]);
      return { service, current, previous };
    },

    /** A service's figures for one month alone (this month by default), as an organisation's table shows them. */
    async monthFigures(serviceId: string, month?: string): Promise<MonthFigures> {
      const service = await requireService(serviceId);
      return readMonthFigures({ db, serviceEvents }, { id: service.id, sources: await eventSourcesOf(db, service.id) }, readMonth(month));
    },
  };
}

export type Insight = ReturnType<typeof createInsight>;
