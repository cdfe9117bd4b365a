import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { expectNoAccessibilityViolations, expectNoPageProblems, launchBrowser, openPage, startTestServer } from '../../../testing/browser.ts';
import { EXAMPLES_DIRECTORY } from '../guidance.cli.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { importGuidanceFolder } from '../import/import-folder.ts';

const browser = await launchBrowser(after);

/** Pages of each kind from the shipped examples, in English and Welsh, with what each must show. */
const PAGES = [
  { path: '/guidance/blue-badge/who-can-get-one', lang: 'en', heading: 'Blue Badges for disabled people', shows: ['Contents', 'Part of', 'Get a Blue Badge: step by step', 'Next'] },
  { path: '/guidance/blue-badge/pwy-sy-n-gallu-cael-un', lang: 'cy', heading: 'Bathodynnau Glas i bobl anabl', shows: ['Cynnwys', 'Rhan o', 'Cael Bathodyn Glas: cam wrth gam', 'Blaenorol'] },
  { path: '/guidance/council-tax-bands', lang: 'en', heading: 'Council Tax bands', shows: ['Bands in England', 'Part of'] },
  { path: '/guidance/council-tax-bands', lang: 'cy', heading: 'Bandiau Treth Gyngor', shows: ['Bandiau yng Nghymru'] },
  { path: '/guidance/one-login-passkeys', lang: 'cy', heading: 'Sign in to One Login with a passkey', shows: ['Nid yw\'r dudalen hon ar gael yn Gymraeg eto'] },
  { path: '/step-by-step/get-a-blue-badge', lang: 'en', heading: 'Get a Blue Badge: step by step', shows: ['Step 1', 'and', '(optional)'] },
  { path: '/step-by-step/get-a-blue-badge', lang: 'cy', heading: 'Cael Bathodyn Glas: cam wrth gam', shows: ['Cam 1', '(dewisol)'] },
  { path: '/search?q=blue+badge', lang: 'en', heading: 'Search guidance', shows: ['results', 'Blue Badges for disabled people'] },
  { path: '/search?q=bathodyn', lang: 'cy', heading: 'Chwilio canllawiau', shows: ['canlyniad', 'Bathodynnau Glas i bobl anabl'] },
  { path: '/guidance/no-such-page', lang: 'en', heading: 'Page not found', shows: [], status: 404 },
] as const;

test('guides, answers, step-by-steps and search results in English and Welsh: axe finds nothing against WCAG 2.2 AA, and nothing fails to load', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  const results = await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library: openGuidanceLibrary(kernel), actor: 'test', publish: true });
  assert.deepEqual(results.filter((result) => result.outcome === 'refused'), []);

  for (const expected of PAGES) {
    await t.test(`${expected.path} (${expected.lang})`, async (subtest) => {
      const { page, problems } = await openPage(subtest, browser);
      const separator = expected.path.includes('?') ? '&' : '?';
      const response = await page.goto(`${baseUrl}${expected.path}${separator}lang=${expected.lang}`);
      assert.equal(response?.status(), 'status' in expected ? expected.status : 200);
      assert.equal(await page.getAttribute('html', 'lang'), expected.lang);
      assert.equal((await page.textContent('h1'))?.trim(), expected.heading);
      const text = await page.textContent('main');
      for (const words of expected.shows) assert.ok(text?.includes(words), `${expected.path} shows "${words}"`);
      await expectNoAccessibilityViolations(page);
      expectNoPageProblems(problems, 'status' in expected ? { expectedDocumentStatus: expected.status } : {});
    });
  }
});

test('a person searches from the search page and follows a result, with the matched words marked', async (t) => {
  const { baseUrl, kernel } = await startTestServer(t);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library: openGuidanceLibrary(kernel), actor: 'test', publish: true });
  const { page, problems } = await openPage(t, browser);
  await page.goto(`${baseUrl}/search`);
  await page.fill('#search-query', 'sengle persn discount');
  await page.click('button[type=submit]');
  assert.match(page.url(), /\/search\?q=sengle\+persn\+discount$/);
  const first = page.locator('main ol li').first();
  assert.equal((await first.locator('a').textContent())?.trim(), 'Council Tax single person discount');
  assert.ok((await first.locator('mark').count()) > 0);
  await first.locator('a').click();
  assert.equal((await page.textContent('h1'))?.trim(), 'Council Tax single person discount');
  expectNoPageProblems(problems);
});
