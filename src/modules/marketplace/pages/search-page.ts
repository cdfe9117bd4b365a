import { formatDate } from '../../../platform/http/dates.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { Audience } from '../catalogue/catalogue-entries.ts';
import { ACCESS_RIGHTS, SECURITY_CLASSIFICATIONS, SERVICE_STATUSES } from '../records/catalogue-model.ts';
import { FILTER_NAMES, SORTS, type CatalogueResults, type FilterName } from '../catalogue/catalogue-search.ts';
import type { CatalogueSearchRequest } from './catalogue.routes.ts';
import { recordPath, type CatalogueBase } from './record-address.ts';

export const RESULTS_PER_PAGE = 20;
const EXCERPT_LENGTH = 200;

/** The first words of a description, markdown marks taken out, for a result. */
function excerptOf(description: unknown): string {
  if (typeof description !== 'string') return '';
  const flat = description.replace(/[#*_`>[\]]+/g, ' ').replace(/\(https?:[^)]*\)/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, flat.lastIndexOf(' ', EXCERPT_LENGTH) > 0 ? flat.lastIndexOf(' ', EXCERPT_LENGTH) : EXCERPT_LENGTH)}…`;
}

/** The query string of a search, with or without a page number: what every link of the page keeps. */
function searchParameters(request: CatalogueSearchRequest, page?: number): URLSearchParams {
  const parameters = new URLSearchParams();
  if (request.text) parameters.set('q', request.text);
  for (const name of FILTER_NAMES) for (const value of request.filters[name]) parameters.append(name, value);
  parameters.set('sort', request.sort);
  if (page && page > 1) parameters.set('page', String(page));
  return parameters;
}

const WORDED_VALUES: Partial<Record<FilterName, { key: string; values: readonly string[] }>> = {
  type: { key: 'marketplace.types', values: ['Dataset', 'DataService'] },
  accessRights: { key: 'marketplace.values.accessRights', values: ACCESS_RIGHTS },
  securityClassification: { key: 'marketplace.values.securityClassification', values: SECURITY_CLASSIFICATIONS },
  serviceStatus: { key: 'marketplace.values.serviceStatus', values: SERVICE_STATUSES },
};

/** How a filter's value reads on the page: the model's values in words, organisations and themes (and anything unknown) as they are. */
function labelOf(filter: FilterName, value: string, t: Translate): string {
  const worded = WORDED_VALUES[filter];
  return worded?.values.includes(value) ? t(`${worded.key}.${value}`) : value;
}

/** Everything the search page shows, in the page's language. */
export function buildSearchPage(input: { request: CatalogueSearchRequest; results: CatalogueResults; viewer: { audience: Audience; base: CatalogueBase }; t: Translate; locale: Locale }) {
  const { request, results, viewer, t, locale } = input;
  const total = results.entries.length;
  const pageCount = Math.max(1, Math.ceil(total / RESULTS_PER_PAGE));
  const page = Math.min(request.page, pageCount);
  const pageHref = (number: number) => `${viewer.base}?${searchParameters(request, number)}`;
  const paginationItems = [];
  for (let number = 1; number <= pageCount; number += 1) {
    if (Math.abs(number - page) <= 1 || number === 1 || number === pageCount) paginationItems.push({ number, href: pageHref(number), current: number === page });
    else if (paginationItems.at(-1)?.ellipsis !== true) paginationItems.push({ ellipsis: true });
  }
  const exportQuery = searchParameters(request).toString();
  return {
    pageTitle: request.text ? t('marketplace.search.resultsTitle', { query: request.text }) : t('marketplace.search.title'),
    serviceName: t('marketplace.name'),
    serviceUrl: viewer.base,
    base: viewer.base,
    members: viewer.audience === 'members',
    query: request.text,
    sort: request.sort,
    sortItems: SORTS.map((value) => ({ value, text: t(`marketplace.search.sort.${value}`), selected: value === request.sort })),
    total,
    firstNumber: (page - 1) * RESULTS_PER_PAGE + 1,
    filters: FILTER_NAMES.filter((name) => results.facets[name].length > 0).map((name) => ({
      name,
      legend: t(`marketplace.filters.${name}`),
      items: results.facets[name].map((facet) => ({ value: facet.value, text: `${labelOf(name, facet.value, t)} (${facet.count})`, checked: facet.selected })),
    })),
    hits: results.entries.slice((page - 1) * RESULTS_PER_PAGE, page * RESULTS_PER_PAGE).map((entry) => ({
      href: recordPath(viewer.base, entry.record.identifier),
      title: entry.record.title,
      type: t(`marketplace.types.${entry.record.type.slice('dcat:'.length)}`),
      excerpt: typeof entry.record.summary === 'string' ? entry.record.summary : excerptOf(entry.record.description),
      publisher: String(entry.record.publisher ?? ''),
      modified: typeof entry.record.modified === 'string' ? formatDate(entry.record.modified, locale) : undefined,
      membersOnly: entry.membersOnly,
    })),
    pagination:
      pageCount > 1
        ? {
            items: paginationItems,
            previous: page > 1 ? { href: pageHref(page - 1) } : undefined,
            next: page < pageCount ? { href: pageHref(page + 1) } : undefined,
          }
        : undefined,
    csvHref: `${viewer.base}/catalogue.csv${exportQuery ? `?${exportQuery}` : ''}`,
    jsonHref: `${viewer.base}/catalogue.json${exportQuery ? `?${exportQuery}` : ''}`,
    jsonldHref: `${viewer.base}/catalogue.jsonld`,
  };
}
