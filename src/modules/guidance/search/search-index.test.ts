import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { openKernel } from '../../../platform/kernel.ts';
import { createTestConfig, createTestKernel } from '../../../testing/test-kernel.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { publishTestPages } from '../pages/guidance-testing.ts';
import { createGuidanceSearch } from './search-index.ts';
import { buildSnippet } from './snippet.ts';

async function openSearch(t: TestContext) {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await publishTestPages(library);
  const search = createGuidanceSearch(library);
  const urls = async (query: string, lang: 'en' | 'cy' = 'en') => (await search.search({ query, lang, page: 1 })).hits.map((hit) => hit.url);
  return { kernel, library, search, urls };
}

test('ranking: a match in the title counts over headings and text; results are in the page language only', async (t) => {
  const { urls } = await openSearch(t);
  // The same order on SQLite and PostgreSQL: these lists are the whole answer.
  assert.deepEqual(await urls('blue badge'), [
    '/guidance/blue-badge',
    '/step-by-step/get-a-blue-badge',
    '/guidance/blue-badge/eligibility',
    '/guidance/blue-badge/apply',
  ]);
  assert.deepEqual(await urls('council tax'), ['/guidance/council-tax-bands', '/step-by-step/get-a-blue-badge']);
  assert.deepEqual(await urls('valuation'), ['/guidance/council-tax-bands']);
  assert.deepEqual(await urls('bathodyn', 'cy'), ['/guidance/blue-badge', '/guidance/blue-badge/cymhwystra', '/step-by-step/get-a-blue-badge']);
  assert.deepEqual(await urls('valuation', 'cy'), []);
});

test('typo tolerance, prefixes and Welsh accents: a mistyped or unfinished word still finds the page', async (t) => {
  const { urls } = await openSearch(t);
  assert.equal((await urls('councel'))[0], '/guidance/council-tax-bands');
  assert.equal((await urls('valuatoin'))[0], '/guidance/council-tax-bands');
  assert.equal((await urls('regist'))[0], '/guidance/blue-badge/eligibility');
  assert.equal((await urls('bathodin', 'cy'))[0], '/guidance/blue-badge');
  assert.equal((await urls('sy’n gallu', 'cy'))[0], '/guidance/blue-badge/cymhwystra');
  assert.deepEqual(await urls('the and of'), []);
});

test('snippets: the text around the first matched word, the matches marked, everything else plain text', () => {
  const text = `${'Intro words here. '.repeat(10)}You can <script>alert(1)</script> apply for a Badge online. ${'More text after. '.repeat(20)}`;
  const snippet = buildSnippet(text, ['badge', 'apply']);
  assert.equal(snippet[0]?.text, '… ');
  assert.deepEqual(snippet.filter((segment) => segment.match).map((segment) => segment.text), ['apply', 'Badge']);
  assert.ok(snippet.some((segment) => segment.text.includes('<script>alert(1)</script>')));
  assert.equal(snippet.at(-1)?.text, ' …');
  assert.ok(snippet.map((segment) => segment.text).join('').length < 240);
  assert.deepEqual(buildSnippet('Short text.', ['absent']), [{ text: 'Short text.', match: false }]);
});

test('paging: ten results a page, the page number kept within the results', async (t) => {
  const { library, search } = await openSearch(t);
  for (let number = 1; number <= 23; number += 1) {
    await library.save({
      draft: { slug: `parking-zone-${number}`, lang: 'en', title: `Parking zone ${number}`, description: '', content: { type: 'answer', body: 'Permits for residents.' } },
      actor: 'test',
      publish: true,
    });
  }
  const first = await search.search({ query: 'residents', lang: 'en', page: 1 });
  assert.deepEqual([first.total, first.pageCount, first.hits.length], [23, 3, 10]);
  const last = await search.search({ query: 'residents', lang: 'en', page: 3 });
  assert.equal(last.hits.length, 3);
  assert.deepEqual(new Set([...first.hits, ...last.hits].map((hit) => hit.url)).size, 13);
  for (const page of [99, -4, Number.NaN, 1e12]) {
    const clamped = await search.search({ query: 'residents', lang: 'en', page });
    assert.ok(clamped.page >= 1 && clamped.page <= 3, String(page));
  }
});

test('another process publishing is seen by the next search here: the index follows the revision in the database', async (t) => {
  const { kernel, urls } = await openSearch(t);
  assert.deepEqual(await urls('penalty'), []);
  const other = openKernel({ config: createTestConfig(kernel.testDatabase), modules: [guidanceModule], logger: pino({ level: 'silent' }) });
  t.after(() => other.close());
  const otherLibrary = openGuidanceLibrary(other);
  await otherLibrary.save({
    draft: { slug: 'pay-a-penalty', lang: 'en', title: 'Pay a penalty charge', description: '', content: { type: 'answer', body: 'Pay within 28 days.' } },
    actor: 'test',
    publish: true,
  });
  assert.deepEqual(await urls('penalty'), ['/guidance/pay-a-penalty']);
  await otherLibrary.save({
    draft: { slug: 'pay-a-penalty', lang: 'en', title: 'Pay a parking fine', description: '', content: { type: 'answer', body: 'Pay within 28 days.' } },
    actor: 'test',
    publish: true,
  });
  assert.deepEqual(await urls('penalty'), []);
});

test('attacker: huge, many-worded and symbol-filled queries are cut down and answered; nothing is run as a pattern', async (t) => {
  const { search } = await openSearch(t);
  const queries = ['badge '.repeat(5_000), 'a'.repeat(100_000), '.* (?:x)+ [a-z] \\ $ ^', '<script>alert(1)</script>', '%00 \u0000 \ud800', Array.from({ length: 1_000 }, (_, index) => `word${index}`).join(' ')];
  for (const query of queries) {
    const results = await search.search({ query, lang: 'en', page: 1 });
    assert.ok(results.total >= 0);
  }
});
