import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { seedCatalogue } from './catalogue-testing.ts';

const browser = await launchBrowser(after);

const PAGES = [
  { path: '/data', lang: 'en', heading: 'Find government data', shows: ['5 records', 'Filter', 'Road traffic counts', 'Download these results'] },
  { path: '/data', lang: 'cy', heading: 'Dod o hyd i ddata’r llywodraeth', shows: ['5 o gofnodion', 'Hidlo', 'Set ddata'] },
  { path: '/data?q=trafic&theme=transport', lang: 'en', heading: 'Find government data', shows: ['2 records', 'Bus punctuality'] },
  { path: '/data?q=nothing+like+this', lang: 'cy', heading: 'Dod o hyd i ddata’r llywodraeth', shows: ['Nid oes cofnodion yn cyfateb'] },
  { path: '/data/postcode-lookup-api', lang: 'en', heading: 'Postcode lookup API', shows: ['About this record', 'Service status', 'Data this service gives', 'Contact'] },
  { path: '/data/postcode-lookup-api', lang: 'cy', heading: 'Postcode lookup API', shows: ['Am y cofnod hwn', 'Statws y gwasanaeth', 'Cysylltu'] },
  { path: '/data/road-traffic-counts-csv', lang: 'en', heading: 'Road traffic counts as CSV', shows: ['File size', 'This is a way to get'] },
  { path: '/data/road-traffic-counts', lang: 'cy', heading: 'Road traffic counts', shows: ['Ffyrdd o gael y data hwn', 'Unwaith y mis'] },
] as const;

test('the catalogue’s search and record pages in English and Welsh: axe finds nothing against WCAG 2.2 AA, and nothing fails to load', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await seedCatalogue(kernel);
  for (const expected of PAGES) {
    await t.test(`${expected.path} (${expected.lang})`, async (subtest) => {
      const { page, problems } = await openPage(subtest, browser);
      const separator = expected.path.includes('?') ? '&' : '?';
      const response = await page.goto(`${baseUrl}${expected.path}${separator}lang=${expected.lang}`);
      assert.equal(response?.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), expected.lang);
      assert.equal((await page.textContent('h1'))?.trim(), expected.heading);
      const text = await page.textContent('main');
      for (const words of expected.shows) assert.ok(text?.includes(words), `${expected.path} shows "${words}"`);
      await expectNoAccessibilityViolations(page);
      expectNoPageProblems(problems);
    });
  }
});

test('a person searches with a typo, narrows by a filter, sorts, and follows a result to the record and its related service', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await seedCatalogue(kernel);
  const { page, problems } = await openPage(t, browser);
  await page.goto(`${baseUrl}/data`);
  await page.fill('#catalogue-query', 'postcods');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  assert.match(await page.textContent('#catalogue-results-heading') ?? '', /2 records/);
  await page.getByLabel('Dataset (1)').check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  assert.match(await page.textContent('#catalogue-results-heading') ?? '', /1 record/);
  await page.selectOption('#catalogue-sort', 'title');
  await page.getByRole('button', { name: 'Sort', exact: true }).click();
  assert.match(page.url(), /q=postcods&type=Dataset&sort=title/);
  await page.getByRole('link', { name: 'OS Postcodes Data' }).click();
  assert.equal((await page.textContent('h1'))?.trim(), 'OS Postcodes Data');
  await page.getByRole('link', { name: 'Postcode lookup API' }).click();
  assert.equal((await page.textContent('h1'))?.trim(), 'Postcode lookup API');
  await expectNoAccessibilityViolations(page);
  expectNoPageProblems(problems);
});
