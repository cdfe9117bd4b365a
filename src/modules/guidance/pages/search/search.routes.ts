import type { FastifyInstance } from 'fastify';
import type { GuidanceSearch } from '../../search/search-index.ts';

type SearchQuery = { Querystring: { q?: string; page?: string } };

function pageLink(query: string, page: number): string {
  const parameters = new URLSearchParams({ q: query });
  if (page > 1) parameters.set('page', String(page));
  return `/search?${parameters}`;
}

/** The pages of results around the current one, as GOV.UK's pagination shows them. */
function paginationOf(query: string, results: { page: number; pageCount: number }) {
  if (results.pageCount <= 1) return undefined;
  const items = [];
  for (let number = 1; number <= results.pageCount; number += 1) {
    const nearby = Math.abs(number - results.page) <= 1 || number === 1 || number === results.pageCount;
    if (nearby) items.push({ number, href: pageLink(query, number), current: number === results.page });
    else if (items.at(-1)?.ellipsis !== true) items.push({ ellipsis: true });
  }
  return {
    items,
    previous: results.page > 1 ? { href: pageLink(query, results.page - 1) } : undefined,
    next: results.page < results.pageCount ? { href: pageLink(query, results.page + 1) } : undefined,
  };
}

export function registerSearchPage(app: FastifyInstance, search: GuidanceSearch): void {
  app.get<SearchQuery>(
    '/search',
    { schema: { querystring: { type: 'object', properties: { q: { type: 'string' }, page: { type: 'string' } } } } },
    async (request, reply) => {
      const query = (request.query.q ?? '').trim();
      const requestedPage = Number.parseInt(request.query.page ?? '1', 10);
      const results = query === '' ? undefined : await search.search({ query, lang: request.locale, page: Number.isSafeInteger(requestedPage) ? requestedPage : 1 });
      const { t } = request;
      return reply.render('modules/guidance/pages/search/search.njk', {
        pageTitle: query === '' ? t('guidance.search.title') : t('guidance.search.resultsTitle', { query }),
        query,
        results,
        pagination: results && paginationOf(query, results),
      });
    },
  );
}
