import type { FastifyInstance } from 'fastify';
import type { Insight } from '../insight.ts';
import { isMonth } from '../kpis/service-figures.ts';
import { performanceCsvOf, performanceDataOf } from './performance-data.ts';
import { buildServicePage } from './performance-page.ts';

const VIEWS = 'modules/insight/pages';
export const PERFORMANCE_PATH = '/performance';
/** `apply-for-a-fishing-licence`, `.json` or `.csv` after it for the same figures as open data. */
const SERVICE_FILE = /^([a-z0-9]+(?:-[a-z0-9]+)*)(\.json|\.csv)?$/;
const monthQuery = { type: 'object', properties: { month: { type: 'string', maxLength: 7 }, lang: { type: 'string' } } } as const;

/**
 * The public performance pages: the services that chose to publish, and each one's KPIs for a
 * month beside the month before, with a chart and its table, and the same figures as CSV and
 * JSON at the page's address. Nothing here names a person or shows what anyone wrote.
 */
export function registerPerformancePages(app: FastifyInstance, insight: Insight): void {
  app.get(PERFORMANCE_PATH, async (request, reply) => {
    const published = await insight.listPublished();
    return reply.render(`${VIEWS}/performance-index.njk`, {
      pageTitle: request.t('insight.index.title'),
      services: published.map((entry) => ({ name: entry.service.name, organisation: entry.organisationName, href: `${PERFORMANCE_PATH}/${entry.slug}` })),
    });
  });

  app.get<{ Params: { file: string }; Querystring: { month?: string } }>(`${PERFORMANCE_PATH}/:file`, { schema: { querystring: monthQuery } }, async (request, reply) => {
    const match = SERVICE_FILE.exec(request.params.file);
    const month = request.query.month;
    if (!match || (month !== undefined && !isMonth(month))) return reply.callNotFound();
    const [, slug = '', extension] = match;
    const published = await insight.findPublished(slug);
    if (!published) {
      // An address the service published at before leads to where it publishes now.
      const current = await insight.currentAddressOf(slug);
      return current ? reply.redirect(`${PERFORMANCE_PATH}/${current}${extension ?? ''}${month ? `?month=${month}` : ''}`, 301) : reply.callNotFound();
    }
    const data = performanceDataOf(published.slug, await insight.figures(published.service.id, month), published.organisationName);
    if (extension === '.json') return reply.header('access-control-allow-origin', '*').send(data);
    if (extension === '.csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('access-control-allow-origin', '*')
        .header('content-disposition', `attachment; filename="${published.slug}-${data.month}.csv"`)
        .send(performanceCsvOf(data));
    }
    return reply.render(`${VIEWS}/performance-service.njk`, buildServicePage({ data, t: request.t, locale: request.locale, basePath: `${PERFORMANCE_PATH}/${published.slug}` }));
  });
}
