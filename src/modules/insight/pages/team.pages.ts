import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateTime, formatMonth } from '../../../platform/http/dates.ts';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import { listConsoleServicesOf } from '../../console/console.contract.ts';
import { InsightError } from '../insight.errors.ts';
import { slugOf, type Insight } from '../insight.ts';
import { ALERT_KINDS, type InsightAlerts } from '../alerts/alerts.ts';
import { isMonth, previousMonth } from '../kpis/service-figures.ts';
import { performanceDataOf } from './performance-data.ts';
import { buildServicePage, formatMeasure } from './performance-page.ts';

const VIEWS = 'modules/insight/pages';
type Params = { organisationId: string };
type ServiceParams = Params & { serviceId: string };
type FiguresForm = { month?: string; nonDigital?: string; cost?: string };
type FigureErrors = { nonDigital?: string; cost?: string };
type AlertForm = { kind?: string; threshold?: string };
type AlertErrors = { kind?: string; threshold?: string };

const idPattern = { type: 'string', maxLength: 64 } as const;
const serviceParams = { type: 'object', properties: { organisationId: idPattern, serviceId: idPattern }, required: ['organisationId', 'serviceId'] } as const;
const textFields = (...names: string[]) => ({ type: 'object', properties: Object.fromEntries(names.map((name) => [name, { type: 'string', maxLength: 1000 }])) }) as const;
const WHOLE_NUMBER = /^\d{1,13}$/;
const POUNDS = /^\d{1,10}(\.\d{1,2})?$/;

/** "2,500.50" or "£2500" as pence; undefined when it is not an amount of money. */
function penceOf(text: string): number | undefined {
  const plain = text.replace(/^£/, '').replace(/,/g, '');
  if (!POUNDS.test(plain)) return undefined;
  const [pounds = '0', pence = ''] = plain.split('.');
  return Number(pounds) * 100 + Number(pence.padEnd(2, '0'));
}

/**
 * An organisation's Insight pages in the console, under /console/insight/ORGANISATION_ID: each
 * service's KPIs for a month, the figures only the team knows (transactions by other channels,
 * the month's cost), the comments people left (seen only here), and whether the figures are
 * published. Owners and developers change; viewers read; other organisations see nothing.
 */
export function registerInsightTeamPages(app: FastifyInstance, dependencies: { insight: Insight; alerts: InsightAlerts }): void {
  const { insight, alerts } = dependencies;
  const baseOf = (organisationId: string) => `/console/insight/${organisationId}`;
  const chrome = (request: FastifyRequest<{ Params: Params }>) => teamPageChrome(request, { href: baseOf(request.params.organisationId), text: request.t('insight.team.name') });

  async function serviceOf(request: FastifyRequest<{ Params: ServiceParams }>) {
    const services = await listConsoleServicesOf(app.db, request.params.organisationId);
    return services.find((service) => service.id === request.params.serviceId);
  }

  async function renderService(
    request: FastifyRequest<{ Params: ServiceParams }>,
    reply: FastifyReply,
    options: { month: string; form?: FiguresForm; errors?: FigureErrors; slugError?: string; alertForm?: AlertForm; alertErrors?: AlertErrors; done?: string; status?: number },
  ) {
    const service = await serviceOf(request);
    if (!service) return reply.callNotFound();
    const { t, locale } = request;
    const base = `${baseOf(request.params.organisationId)}/services/${service.id}`;
    const [figures, slug, entered, comments, serviceAlerts] = await Promise.all([
      insight.figures(service.id, options.month),
      insight.publicationOf(service.id),
      insight.teamFiguresOf(service.id, options.month),
      insight.commentsOf(service.id, options.month),
      alerts.list(service.id),
    ]);
    const alertErrors = options.alertErrors ?? {};
    const page = buildServicePage({ data: performanceDataOf(slug ?? '', figures), t, locale, basePath: base });
    const form = options.form ?? {
      nonDigital: entered?.nonDigitalTransactions === undefined ? '' : String(entered.nonDigitalTransactions),
      cost: entered?.costPence === undefined ? '' : (entered.costPence / 100).toFixed(2),
    };
    const errors = options.errors ?? {};
    return reply.code(options.status ?? 200).render(`${VIEWS}/team-service.njk`, {
      ...chrome(request),
      ...page,
      pageTitle: t('insight.team.serviceTitle', { service: service.name }),
      previousMonthHref: `${base}?month=${previousMonth(options.month)}`,
      base,
      month: options.month,
      form,
      fieldErrors: errors,
      errors: [
        ...(errors.nonDigital ? [{ text: errors.nonDigital, href: '#non-digital' }] : []),
        ...(errors.cost ? [{ text: errors.cost, href: '#cost' }] : []),
        ...(options.slugError ? [{ text: options.slugError, href: '#slug' }] : []),
        ...(alertErrors.kind ? [{ text: alertErrors.kind, href: '#alert-kind' }] : []),
        ...(alertErrors.threshold ? [{ text: alertErrors.threshold, href: '#alert-threshold' }] : []),
      ],
      alerts: serviceAlerts.map((alert) => ({ id: alert.id, text: t(`insight.team.alerts.kinds.${alert.kind}`, { threshold: alert.threshold.toLocaleString('en-GB') }), crossed: alert.crossed })),
      alertKinds: ALERT_KINDS.map((kind) => ({ value: kind, text: t(`insight.team.alerts.choose.${kind}`), checked: options.alertForm?.kind === kind })),
      alertForm: options.alertForm ?? {},
      alertErrors,
      slugError: options.slugError,
      published: slug === undefined ? undefined : { slug, href: `/performance/${slug}` },
      suggestedSlug: slugOf(service.name),
      comments: comments.map((comment) => ({ ...comment, rating: t(`insight.feedback.ratings.${comment.rating}`), at: formatDateTime(comment.at, locale) })),
      done: options.done === undefined ? undefined : t(`insight.team.done.${options.done}`),
    });
  }

  app.register(async (pages) => {
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));

    pages.get<{ Params: Params }>('/console/insight/:organisationId', { schema: { params: { type: 'object', properties: { organisationId: idPattern } } } }, async (request, reply) => {
      const { t, locale } = request;
      const month = insight.readMonth(undefined);
      const noData = t('insight.noData');
      const services = await listConsoleServicesOf(app.db, request.params.organisationId);
      const rows = await Promise.all(
        services.map(async (service) => {
          const current = await insight.monthFigures(service.id, month);
          const share = (ratio: { value: number } | undefined) => formatMeasure(ratio?.value ?? null, 'share', noData);
          return {
            name: service.name,
            href: `${baseOf(request.params.organisationId)}/services/${service.id}`,
            slug: await insight.publicationOf(service.id),
            completionRate: share(current.kpis.completionRate),
            satisfaction: share(current.kpis.satisfaction),
            digitalTakeUp: share(current.kpis.digitalTakeUp),
            costPerTransaction: formatMeasure(current.kpis.costPerTransactionPence ? Math.round(current.kpis.costPerTransactionPence.value) : null, 'pence', noData),
            completed: current.kpis.completed.toLocaleString('en-GB'),
          };
        }),
      );
      return reply.render(`${VIEWS}/team-services.njk`, { ...chrome(request), pageTitle: t('insight.team.name'), monthName: formatMonth(month, locale), services: rows });
    });

    pages.get<{ Params: ServiceParams; Querystring: { month?: string; done?: string } }>(
      '/console/insight/:organisationId/services/:serviceId',
      { schema: { params: serviceParams, querystring: { type: 'object', properties: { month: { type: 'string', maxLength: 7 }, done: { type: 'string', enum: ['figures', 'published', 'unpublished', 'alertAdded', 'alertRemoved'] }, lang: { type: 'string' } } } } },
      async (request, reply) => {
        const month = request.query.month ?? insight.readMonth(undefined);
        if (!isMonth(month)) return reply.callNotFound();
        return renderService(request, reply, { month, done: request.query.done });
      },
    );

    pages.post<{ Params: ServiceParams; Body: FiguresForm }>('/console/insight/:organisationId/services/:serviceId/figures', { schema: { params: serviceParams, body: textFields('month', 'nonDigital', 'cost') } }, async (request, reply) => {
      const service = await serviceOf(request);
      const month = request.body?.month ?? '';
      if (!service || !isMonth(month)) return reply.callNotFound();
      const { t } = request;
      const form = { nonDigital: (request.body?.nonDigital ?? '').trim(), cost: (request.body?.cost ?? '').trim() };
      const costPence = form.cost === '' ? undefined : penceOf(form.cost);
      const errors: FigureErrors = {
        ...(form.nonDigital !== '' && !WHOLE_NUMBER.test(form.nonDigital.replace(/,/g, '')) ? { nonDigital: t('insight.team.errors.nonDigital') } : {}),
        ...(form.cost !== '' && costPence === undefined ? { cost: t('insight.team.errors.cost') } : {}),
        ...(form.nonDigital === '' && form.cost === '' ? { nonDigital: t('insight.team.errors.nothing') } : {}),
      };
      if (Object.keys(errors).length > 0) return renderService(request, reply, { month, form, errors, status: 400 });
      await insight.enterTeamFigures({
        serviceId: service.id,
        month,
        nonDigitalTransactions: form.nonDigital === '' ? undefined : Number(form.nonDigital.replace(/,/g, '')),
        costPence,
        actor: teamMemberOf(request).actor,
      });
      return reply.redirect(`${baseOf(request.params.organisationId)}/services/${service.id}?month=${month}&done=figures`, 303);
    });

    pages.post<{ Params: ServiceParams; Body: AlertForm }>('/console/insight/:organisationId/services/:serviceId/alerts', { schema: { params: serviceParams, body: textFields('kind', 'threshold') } }, async (request, reply) => {
      const service = await serviceOf(request);
      if (!service) return reply.callNotFound();
      const { t } = request;
      const form = { kind: request.body?.kind ?? '', threshold: (request.body?.threshold ?? '').trim().replace(/%$/, '') };
      const kindKnown = (ALERT_KINDS as readonly string[]).includes(form.kind);
      const limit = form.kind === 'completion-below' ? 100 : 1_000_000;
      const threshold = /^\d{1,7}$/.test(form.threshold) ? Number(form.threshold) : undefined;
      const errors: AlertErrors = {
        ...(kindKnown ? {} : { kind: t('insight.team.alerts.errors.kind') }),
        ...(kindKnown && (threshold === undefined || threshold > limit || (form.kind === 'completion-below' && threshold < 1)) ? { threshold: t(`insight.team.alerts.errors.threshold.${form.kind}`) } : {}),
      };
      if (Object.keys(errors).length > 0) return renderService(request, reply, { month: insight.readMonth(undefined), alertForm: form, alertErrors: errors, status: 400 });
      try {
        await alerts.add({ serviceId: service.id, kind: form.kind, threshold: threshold as number, actor: teamMemberOf(request).actor });
      } catch (error) {
        if (!(error instanceof InsightError && (error.code === 'insight.INVALID_ALERT' || error.code === 'insight.DUPLICATE_ALERT'))) throw error;
        const message = t(error.code === 'insight.DUPLICATE_ALERT' ? 'insight.team.alerts.errors.duplicate' : 'insight.team.alerts.errors.tooMany');
        return renderService(request, reply, { month: insight.readMonth(undefined), alertForm: form, alertErrors: { kind: message }, status: 400 });
      }
      return reply.redirect(`${baseOf(request.params.organisationId)}/services/${service.id}?done=alertAdded`, 303);
    });

    pages.post<{ Params: ServiceParams & { alertId: string } }>(
      '/console/insight/:organisationId/services/:serviceId/alerts/:alertId/remove',
      { schema: { params: { ...serviceParams, properties: { ...serviceParams.properties, alertId: idPattern }, required: [...serviceParams.required, 'alertId'] } } },
      async (request, reply) => {
        const service = await serviceOf(request);
        if (!service) return reply.callNotFound();
        // Another service's alert is not found here, as it would not be in the list.
        if (!(await alerts.remove({ serviceId: service.id, alertId: request.params.alertId, actor: teamMemberOf(request).actor }))) return reply.callNotFound();
        return reply.redirect(`${baseOf(request.params.organisationId)}/services/${service.id}?done=alertRemoved`, 303);
      },
    );

    pages.post<{ Params: ServiceParams; Body: { slug?: string } }>('/console/insight/:organisationId/services/:serviceId/publish', { schema: { params: serviceParams, body: textFields('slug') } }, async (request, reply) => {
      const service = await serviceOf(request);
      if (!service) return reply.callNotFound();
      const slug = (request.body?.slug ?? '').trim().toLowerCase();
      try {
        await insight.publish({ serviceId: service.id, slug, actor: teamMemberOf(request).actor });
      } catch (error) {
        if (!(error instanceof InsightError) || (error.code !== 'insight.INVALID_SLUG' && error.code !== 'insight.SLUG_TAKEN')) throw error;
        const slugError = request.t(error.code === 'insight.SLUG_TAKEN' ? 'insight.team.errors.slugTaken' : 'insight.team.errors.slug');
        return renderService(request, reply, { month: insight.readMonth(undefined), slugError, status: 400 });
      }
      return reply.redirect(`${baseOf(request.params.organisationId)}/services/${service.id}?done=published`, 303);
    });

    pages.post<{ Params: ServiceParams }>('/console/insight/:organisationId/services/:serviceId/unpublish', { schema: { params: serviceParams } }, async (request, reply) => {
      const service = await serviceOf(request);
      if (!service) return reply.callNotFound();
      try {
        await insight.unpublish({ serviceId: service.id, actor: teamMemberOf(request).actor });
      } catch (error) {
        // Not published (any more): a second press, or another member's, changes nothing.
        if (!(error instanceof InsightError && error.code === 'insight.NOT_PUBLISHED')) throw error;
      }
      return reply.redirect(`${baseOf(request.params.organisationId)}/services/${service.id}?done=unpublished`, 303);
    });
  });
}
