import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDate } from '../../../platform/http/dates.ts';
import { findConsoleOrganisation, findSignedInConsoleMember } from '../../console/console.contract.ts';
import { isVisibleTo, recordFor, type Audience, type CatalogueEntry, type RelatedRecords } from '../catalogue/catalogue-entries.ts';
import { writeCatalogueCsv } from '../catalogue/catalogue-csv.ts';
import { DCAT_CONTEXT, isAbsoluteIri, recordNodeOf } from '../catalogue/catalogue-jsonld.ts';
import { FILTER_NAMES, SORTS, type CatalogueResults, type Filters, type Sort } from '../catalogue/catalogue-search.ts';
import type { Catalogue } from '../catalogue/catalogue.ts';
import { describeContact, describeRecord, describeRelated, renderDescription } from './describe-record.ts';
import { readRecordAddress, recordPath, type CatalogueBase } from './record-address.ts';
import { buildSearchPage } from './search-page.ts';

const VIEWS = 'modules/marketplace/pages';
const MAX_FILTER_VALUES = 20;

type CatalogueQuerystring = { q?: string; page?: string; sort?: string } & Partial<Record<(typeof FILTER_NAMES)[number], string[]>>;
const stringList = { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: MAX_FILTER_VALUES } as const;
const querystringSchema = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 1000 },
    page: { type: 'string', maxLength: 10 },
    sort: { type: 'string', enum: SORTS },
    lang: { type: 'string' },
    ...Object.fromEntries(FILTER_NAMES.map((name) => [name, stringList])),
  },
} as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

export type CatalogueSearchRequest = { text: string; filters: Filters; sort: Sort; page: number };

function readSearchRequest(query: CatalogueQuerystring): CatalogueSearchRequest {
  const text = (query.q ?? '').trim();
  const filters = Object.fromEntries(FILTER_NAMES.map((name) => [name, (query[name] ?? []).filter((value) => value !== '')])) as unknown as Filters;
  const page = Number.parseInt(query.page ?? '1', 10);
  return { text, filters, sort: (query.sort as Sort | undefined) ?? (text === '' ? 'title' : 'relevance'), page: Number.isSafeInteger(page) && page > 0 ? page : 1 };
}

/** Where a signed-in member may ask for access to a record: one link for each of their organisations that may. */
export type AskLinksOf = (request: FastifyRequest, identifier: string) => Promise<Array<{ organisationId: string; href: string; viewer: boolean }>>;
type Viewer = { audience: Audience; base: CatalogueBase; askLinksOf?: AskLinksOf };

/**
 * The catalogue's pages and open metadata under one base: /data shows anyone the OPEN and
 * COMMERCIAL records; /console/data, where the console's session cookie is sent, shows signed-in
 * members INTERNAL records too. Both are the same routes with a different viewer.
 */
function registerCatalogueRoutes(app: FastifyInstance, catalogue: Catalogue, viewer: Viewer): void {
  const { base, audience, askLinksOf } = viewer;
  const absolute = (path: string) => `${app.config.BASE_URL.replace(/\/$/, '')}${path}`;
  const nodeIdOf = (identifier: string) => (isAbsoluteIri(identifier) ? identifier : absolute(recordPath('/data', identifier)));

  async function search(request: CatalogueSearchRequest): Promise<CatalogueResults> {
    const snapshot = await catalogue.current();
    return snapshot.index.search({ text: request.text, filters: request.filters, sort: request.sort, audience });
  }

  app.get<{ Querystring: CatalogueQuerystring }>(base, { schema: { querystring: querystringSchema } }, async (request, reply) => {
    const searchRequest = readSearchRequest(request.query);
    const results = await search(searchRequest);
    return reply.render(`${VIEWS}/search.njk`, buildSearchPage({ request: searchRequest, results, viewer, t: request.t, locale: request.locale }));
  });

  app.get<{ Querystring: CatalogueQuerystring }>(`${base}/catalogue.json`, { schema: { querystring: querystringSchema, response: { 200: { type: 'array', items: anyObject } } } }, async (request) => {
    return (await search(readSearchRequest(request.query))).entries.map((entry) => recordFor(entry, audience));
  });

  app.get<{ Querystring: CatalogueQuerystring }>(`${base}/catalogue.csv`, { schema: { querystring: querystringSchema } }, async (request, reply) => {
    const results = await search(readSearchRequest(request.query));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="catalogue.csv"')
      .send(writeCatalogueCsv(results.entries.map((entry) => recordFor(entry, audience)), (identifier) => absolute(recordPath(base, identifier))));
  });

  app.get(`${base}/catalogue.jsonld`, { schema: { response: { 200: anyObject } } }, async (_request, reply) => {
    const snapshot = await catalogue.current();
    const visible = snapshot.entries.filter((entry) => isVisibleTo(entry, audience));
    const referencesOf = (type: string) => visible.filter((entry) => entry.record.type === type).map((entry) => nodeIdOf(entry.record.identifier));
    const catalogueNode = {
      '@id': absolute(`${base}/catalogue.jsonld`),
      '@type': 'Catalog',
      title: 'Civitas data catalogue',
      dataset: referencesOf('dcat:Dataset'),
      service: referencesOf('dcat:DataService'),
    };
    return reply.type('application/ld+json').send({ '@context': DCAT_CONTEXT, '@graph': [catalogueNode, ...visible.map((entry) => recordNodeOf(recordFor(entry, audience), nodeIdOf))] });
  });

  app.get(`${base}/*`, async (request, reply) => {
    const rawPath = request.url.split('?')[0]!;
    const address = readRecordAddress(rawPath.slice(base.length + 1));
    if (!address) return reply.callNotFound();
    const snapshot = await catalogue.current();
    const entry = snapshot.byIdentifier.get(address.identifier);
    if (!entry || !isVisibleTo(entry, audience)) return reply.callNotFound();
    if (!address.canonical) return reply.redirect(recordPath(base, address.identifier, address.view), 301);
    if (address.view === 'json') return reply.type('application/json; charset=utf-8').send(recordFor(entry, audience));
    if (address.view === 'jsonld') return reply.type('application/ld+json').send({ '@context': DCAT_CONTEXT, ...recordNodeOf(recordFor(entry, audience), nodeIdOf) });
    return renderRecordPage(request, reply, entry, snapshot.relatedTo(entry, audience));
  });

  async function renderRecordPage(request: FastifyRequest, reply: FastifyReply, entry: CatalogueEntry, related: RelatedRecords) {
    const { t, locale } = request;
    const { record } = entry;
    const holder = entry.organisationId ? await findConsoleOrganisation(app.db, entry.organisationId) : undefined;
    const found = askLinksOf ? await askLinksOf(request, record.identifier) : [];
    const askLinks = found.filter((link) => !link.viewer);
    const nameOf = async (link: { organisationId: string }) => (await findConsoleOrganisation(app.db, link.organisationId))?.name ?? '';
    const askNames = askLinks.length > 1 ? await Promise.all(askLinks.map(nameOf)) : [];
    // A viewer reads but cannot ask: no button, and the page says why.
    const viewerOf = await Promise.all(found.filter((link) => link.viewer).map(async (link) => t('marketplace.access.viewerCannotAsk', { organisation: await nameOf(link) })));
    return reply.render(`${VIEWS}/record.njk`, {
      pageTitle: record.title,
      serviceName: t('marketplace.name'),
      serviceUrl: base,
      backLink: base,
      record,
      typeName: t(`marketplace.types.${record.type.slice('dcat:'.length)}`),
      membersOnly: entry.membersOnly,
      summary: typeof record.summary === 'string' ? record.summary : undefined,
      descriptionHtml: typeof record.description === 'string' ? renderDescription(record.description) : undefined,
      rows: describeRecord(entry, { t, formatDate: (value) => formatDate(value, locale) }),
      contactRows: describeContact(record.contactPoint as Record<string, string> | undefined, t),
      holder: holder?.name,
      related: describeRelated(related, base, t),
      viewerOf,
      askLinks: askLinks.map((link, index) => ({ href: link.href, text: askLinks.length > 1 ? t('marketplace.access.recordLinkFor', { organisation: askNames[index]! }) : t('marketplace.access.recordLink') })),
      jsonHref: recordPath(base, record.identifier, 'json'),
      jsonldHref: recordPath(base, record.identifier, 'jsonld'),
    });
  }
}

/** The marketplace's public catalogue at /data, and the members' catalogue at /console/data. */
export async function registerCataloguePages(app: FastifyInstance, catalogue: Catalogue, members: { askLinksOf?: AskLinksOf } = {}): Promise<void> {
  registerCatalogueRoutes(app, catalogue, { audience: 'public', base: '/data' });
  await app.register(async (membersApp) => {
    membersApp.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      if (await findSignedInConsoleMember(membersApp.db, request)) return;
      return reply.redirect(`/console/sign-in?${new URLSearchParams({ return: '/console/data' })}`, 303);
    });
    registerCatalogueRoutes(membersApp, catalogue, { audience: 'members', base: '/console/data', askLinksOf: members.askLinksOf });
  });
}
