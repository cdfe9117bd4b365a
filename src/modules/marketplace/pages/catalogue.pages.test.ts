import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import jsonld from 'jsonld';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { POSTCODES_ID, seedCatalogue } from './catalogue-testing.ts';
import { openCatalogueRecords } from '../marketplace.contract.ts';

async function openCatalogue(t: TestContext) {
  const { app, kernel } = await createTestApp(t);
  await seedCatalogue(kernel);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
  const titlesOf = (html: string) => [...html.matchAll(/<h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="[^"]+">([^<]+)<\/a>/g)].map((match) => match[1]);
  const identifiersOf = async (query: string) => ((await get(`/data/catalogue.json?${query}`)).json() as Array<{ identifier: string }>).map((record) => record.identifier);
  return { app, kernel, get, titlesOf, identifiersOf };
}

test('search finds a record by a misspelt keyword, ranks title matches first, and the JSON lists them in the same order', async (t) => {
  const { get, titlesOf, identifiersOf } = await openCatalogue(t);
  const misspelt = await get('/data?q=trafic');
  assert.equal(misspelt.statusCode, 200);
  assert.deepEqual(titlesOf(misspelt.body), ['Road traffic counts', 'Bus punctuality']);
  assert.match(misspelt.body, /2 records/);
  // "Bus punctuality" says traffic in its description only, so the title match comes first however the scores fall.
  assert.deepEqual(await identifiersOf('q=traffic'), ['road-traffic-counts', 'bus-punctuality']);
  assert.deepEqual(await identifiersOf('q=postcode'), ['postcode-lookup-api', POSTCODES_ID]);
  assert.deepEqual((await identifiersOf('q=postcod')).sort(), [POSTCODES_ID, 'postcode-lookup-api'], 'a prefix matches');
  assert.deepEqual(await identifiersOf('q=nothing+like+this'), []);
});

test('filters combine (one of the values chosen in each filter used), with counts; sorting and paging', async (t) => {
  const { get, titlesOf, identifiersOf } = await openCatalogue(t);
  assert.deepEqual(await identifiersOf('theme=transport'), ['bus-punctuality', 'road-traffic-counts']);
  assert.deepEqual(await identifiersOf('theme=transport&theme=education'), ['bus-punctuality', 'road-traffic-counts', 'school-census']);
  assert.deepEqual(await identifiersOf('theme=transport&theme=education&accessRights=COMMERCIAL'), ['school-census']);
  assert.deepEqual(await identifiersOf('type=DataService'), ['postcode-lookup-api']);
  assert.deepEqual(await identifiersOf('type=dcat%3ADataService&serviceStatus=LIVE&organisation=ordnance-survey'), ['postcode-lookup-api']);
  assert.deepEqual(await identifiersOf('organisation=department-for-transport&q=bus'), ['bus-punctuality']);
  assert.deepEqual(await identifiersOf('securityClassification=OFFICIAL&type=Dataset&sort=modified'), ['road-traffic-counts', 'bus-punctuality', 'school-census', POSTCODES_ID]);

  const filtered = await get('/data?theme=transport');
  assert.match(filtered.body, /name="theme" type="checkbox" value="transport" checked>\s*<label [^>]+>\s*transport \(2\)/);
  assert.match(filtered.body, /education \(1\)/, 'another value of the same filter counts as if it were chosen too');
  assert.match(filtered.body, /Open to everyone \(2\)/);

  const byTitle = await get('/data?sort=title');
  assert.deepEqual(titlesOf(byTitle.body), ['Bus punctuality', 'Interest Restriction Return (IRR) API', 'OS Postcodes Data', 'Postcode lookup API', 'Road traffic counts', 'School census'].filter((title) => !title.startsWith('Interest')));
  assert.match(byTitle.body, /<option value="title" selected>Title \(A to Z\)<\/option>/);
});

test('paging keeps the search and filters in every link', async (t) => {
  const { app, kernel, get, titlesOf } = await openCatalogue(t);
  const { testDataset } = await import('./catalogue-testing.ts');
  await seedCatalogue(kernel, Array.from({ length: 25 }, (_, index) => testDataset({ identifier: `weather-${String(index).padStart(2, '0')}`, title: `Weather station ${String(index).padStart(2, '0')}`, keyword: ['weather'] })));
  const first = await get('/data?q=weather&theme=');
  assert.equal(titlesOf(first.body).length, 20);
  assert.match(first.body, /25 records/);
  assert.match(first.body, /href="\/data\?q=weather&amp;sort=relevance&amp;page=2"/);
  const second = await get('/data?q=weather&sort=title&page=2');
  assert.deepEqual(titlesOf(second.body), ['Weather station 20', 'Weather station 21', 'Weather station 22', 'Weather station 23', 'Weather station 24']);
  assert.match(second.body, /<ol class="govuk-list" aria-labelledby="catalogue-results-heading" start="21">/);
  const beyond = await get('/data?q=weather&sort=title&page=99');
  assert.deepEqual(titlesOf(beyond.body), titlesOf(second.body), 'a page past the last shows the last');
  void app;
});

test('a record’s page: its metadata in plain language, the organisation, the contact and related records both ways; .json and .jsonld beside it', async (t) => {
  const { get } = await openCatalogue(t);
  const service = await get('/data/postcode-lookup-api');
  assert.equal(service.statusCode, 200);
  assert.match(service.body, /<h1 class="govuk-heading-l">Postcode lookup API<\/h1>/);
  assert.match(service.body, /Service status\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Live/);
  assert.match(service.body, /Kind of service\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*REST API/);
  assert.match(service.body, /Access\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Open to everyone/);
  assert.match(service.body, /Last updated\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*1 February 2026/);
  assert.match(service.body, /<a class="govuk-link" href="mailto:api@example.gov.uk">api@example.gov.uk<\/a>/);
  assert.match(service.body, /Published by\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*ordnance-survey/);
  assert.match(service.body, /Data this service gives<\/h2>\s*<ul class="govuk-list">\s*<li><a class="govuk-link" href="\/data\/https%3A%2F%2Fwww%2Edata%2Egov%2Euk%2Fdataset%2F2dfb82b4-741a-4b93-807e-11abb4bb0875%2Fos-postcodes-data">OS Postcodes Data<\/a><\/li>\s*<\/ul>/);
  // The description's markdown is rendered; its HTML and its javascript: link are not.
  assert.match(service.body, /<strong>postcode<\/strong>/);
  assert.match(service.body, /<ul class="govuk-list govuk-list--bullet">/);
  assert.match(service.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(service.body, /href="javascript:/);

  const dataset = await get(`/data/${encodeURIComponent(POSTCODES_ID).replaceAll('.', '%2E')}`);
  assert.equal(dataset.statusCode, 200);
  assert.match(dataset.body, /Services that give this data<\/h2>\s*<ul class="govuk-list">\s*<li><a class="govuk-link" href="\/data\/postcode-lookup-api">Postcode lookup API<\/a>/);
  assert.match(dataset.body, /How often it is updated\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Once a month/);
  assert.match(dataset.body, /Available on conditions/);

  const traffic = await get('/data/road-traffic-counts');
  assert.match(traffic.body, /Ways to get this data<\/h2>\s*<ul class="govuk-list">\s*<li><a class="govuk-link" href="\/data\/road-traffic-counts-csv">Road traffic counts as CSV<\/a>/);
  const distribution = await get('/data/road-traffic-counts-csv');
  assert.match(distribution.body, /File size\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*3\.3 MB/);
  assert.match(distribution.body, /This is a way to get<\/h2>[\s\S]*Road traffic counts<\/a>/);

  const json = await get('/data/postcode-lookup-api.json');
  assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(json.json().serviceStatus, 'LIVE');
  const linked = await get('/data/postcode-lookup-api.jsonld');
  assert.equal(linked.headers['content-type'], 'application/ld+json; charset=utf-8');
  const expanded = await jsonld.expand(linked.json());
  assert.deepEqual(expanded[0]!['@type'], ['http://www.w3.org/ns/dcat#DataService']);
  // The members-only dataset it also serves is left out for anyone who may not see it.
  assert.deepEqual(expanded[0]!['http://www.w3.org/ns/dcat#servesDataset'], [{ '@id': POSTCODES_ID }]);

  // The address of a record is one form: another spelling of it is sent there.
  const lenient = await get('/data/https:%2F%2Fwww.data.gov.uk%2Fdataset%2F2dfb82b4-741a-4b93-807e-11abb4bb0875%2Fos-postcodes-data.json');
  assert.equal(lenient.statusCode, 301);
  assert.equal(lenient.headers.location, `/data/${encodeURIComponent(POSTCODES_ID).replaceAll('.', '%2E')}.json`);
});

test('the whole catalogue as DCAT JSON-LD expands, with a JSON-LD processor, to DCAT terms', async (t) => {
  const { get } = await openCatalogue(t);
  const response = await get('/data/catalogue.jsonld');
  assert.equal(response.statusCode, 200);
  const expanded = await jsonld.expand(response.json());
  const byId = new Map(expanded.map((node) => [node['@id'], node]));
  const catalogueNode = expanded.find((node) => (node['@type'] as string[] | undefined)?.includes('http://www.w3.org/ns/dcat#Catalog'));
  assert.ok(catalogueNode);
  assert.equal((catalogueNode['http://www.w3.org/ns/dcat#dataset'] as unknown[]).length, 4);
  const postcodes = byId.get(POSTCODES_ID)!;
  assert.deepEqual(postcodes['@type'], ['http://www.w3.org/ns/dcat#Dataset']);
  assert.deepEqual(postcodes['http://purl.org/dc/terms/title'], [{ '@value': 'OS Postcodes Data' }]);
  assert.deepEqual(postcodes['http://purl.org/dc/terms/accrualPeriodicity'], [{ '@id': 'http://purl.org/cld/freq/monthly' }]);
  assert.deepEqual(postcodes['http://purl.org/dc/terms/modified'], [{ '@value': '2023-02-01', '@type': 'http://www.w3.org/2001/XMLSchema#date' }]);
  assert.deepEqual(postcodes['http://purl.org/dc/terms/publisher'], [{ '@id': 'https://www.gov.uk/government/organisations/department-for-work-pensions' }]);
  const contact = (postcodes['http://www.w3.org/ns/dcat#contactPoint'] as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual(contact['http://www.w3.org/2006/vcard/ns#hasEmail'], [{ '@id': 'mailto:customerservices@os.uk' }]);
  const nquads = await jsonld.toRDF(response.json(), { format: 'application/n-quads' });
  assert.match(String(nquads), /<https:\/\/www\.data\.gov\.uk\/dataset\/2dfb82b4-741a-4b93-807e-11abb4bb0875\/os-postcodes-data> <http:\/\/www\.w3\.org\/1999\/02\/22-rdf-syntax-ns#type> <http:\/\/www\.w3\.org\/ns\/dcat#Dataset>/);
});

test('search results as CSV: one row a record, formulas never run', async (t) => {
  const { kernel, get } = await openCatalogue(t);
  const { testDataset } = await import('./catalogue-testing.ts');
  await seedCatalogue(kernel, [testDataset({ identifier: 'formula', title: '=HYPERLINK("https://evil.example","click")', keyword: ['+1', '-1', '@SUM(A1)', 'plain, with comma'] })]);
  const csv = await get('/data/catalogue.csv?q=hyperlink');
  assert.equal(csv.statusCode, 200);
  assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  assert.match(String(csv.headers['content-disposition']), /attachment; filename="catalogue.csv"/);
  const lines = csv.body.split('\r\n');
  assert.equal(lines[0], 'identifier,type,title,summary,publisher,accessRights,securityClassification,serviceStatus,updateFrequency,modified,theme,keyword,page');
  assert.equal(lines[1], `formula,Dataset,"'=HYPERLINK(""https://evil.example"",""click"")",,department-for-transport,OPEN,OFFICIAL,,freq:monthly,2026-01-10,,"'+1; -1; @SUM(A1); plain, with comma",http://localhost:3000/data/formula`);
  assert.equal(lines.length, 3);
});

test('Welsh: the search page and a record page in Welsh', async (t) => {
  const { get } = await openCatalogue(t);
  const search = await get('/data?lang=cy&q=traffic');
  assert.match(search.body, /<html lang="cy"/);
  assert.match(search.body, /Dod o hyd i ddata’r llywodraeth|Dod o hyd i ddata&#39;r llywodraeth/);
  assert.match(search.body, /2 o gofnodion/);
  const record = await get('/data/postcode-lookup-api?lang=cy');
  assert.match(record.body, /Statws y gwasanaeth\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Byw/);
  assert.match(record.body, /Diweddarwyd ddiwethaf\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*1 Chwefror 2026/);
});

test('a link whose host is written in another script (a Cyrillic а) is shown and linked as its punycode (attacker’s look-alike host)', async (t) => {
  const { kernel, get } = await openCatalogue(t);
  const { readExampleRecord } = await import('./catalogue-testing.ts');
  await seedCatalogue(kernel, [{ ...readExampleRecord('example-data-service.yaml'), identifier: 'look-alike-api', accessRights: 'OPEN', endpointURL: 'https://\u0430pi.example.gov.uk/v1' }]);
  const page = await get('/data/look-alike-api');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<a class="govuk-link" href="https:\/\/xn--pi-6kc\.example\.gov\.uk\/v1">https:\/\/xn--pi-6kc\.example\.gov\.uk\/v1<\/a>/);
  assert.doesNotMatch(page.body, /\u0430pi/);
});

test('a dataset’s page lists only its own organisation’s services and datasets from the other side (attacker: attaching a service to another’s dataset)', async (t) => {
  const { kernel, get } = await openCatalogue(t);
  const { setUpProviderAndClient } = await import('../../exchange/exchange-testing.contract.ts');
  const { readExampleRecord, testDataset } = await import('./catalogue-testing.ts');
  const { providerMember, clientMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const records = openCatalogueRecords(kernel);
  const save = async (document: Record<string, unknown>, organisationId: string) => assert.notEqual((await records.saveRecord({ document, organisationId, actor: 'test' })).outcome, 'refused');
  const service = (identifier: string, title: string) => ({ ...readExampleRecord('example-data-service.yaml'), identifier, title, accessRights: 'OPEN', creator: ['a'], publisher: 'a', servesData: ['their-dataset'] });
  await save(testDataset({ identifier: 'their-dataset', title: 'Their dataset', distribution: ['their-file'], creator: ['a'], publisher: 'a' }), providerMember.organisation_id);
  await save({ identifier: 'their-file', type: 'dcat:Distribution', title: 'Their file', licence: 'https://example.gov.uk/licence', mediaType: 'text/csv', downloadURL: 'https://example.gov.uk/their.csv' }, providerMember.organisation_id);
  await save(service('their-own-api', 'Their own API'), providerMember.organisation_id);
  await save(service('attached-api', 'Attached API'), clientMember.organisation_id);
  await save(testDataset({ identifier: 'claiming-dataset', title: 'Claiming dataset', accessRights: 'INTERNAL', distribution: ['their-file'], creator: ['b'], publisher: 'b' }), clientMember.organisation_id);

  const dataset = await get('/data/their-dataset');
  assert.match(dataset.body, /Services that give this data<\/h2>\s*<ul class="govuk-list">\s*<li><a class="govuk-link" href="\/data\/their-own-api">Their own API<\/a><\/li>\s*<\/ul>/);
  assert.doesNotMatch(dataset.body, /Attached API/);
  assert.match((await get('/data/attached-api')).body, /Data this service gives<\/h2>[\s\S]*Their dataset<\/a>/, 'the service’s own page may still say what it serves');
  const file = await get('/data/their-file');
  assert.equal(file.statusCode, 200, 'another organisation’s members-only dataset listing the file does not hide it');
  assert.doesNotMatch(file.body, /Claiming dataset/);
});
