import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import { modules as allModules } from '../../../app.ts';
import { platformMessages } from '../../../platform/http/create-http-app.ts';
import { createTranslations, type Locale, type MessageParameters } from '../../../platform/http/i18n.ts';
import type { CivitasModule } from '../../../platform/module.ts';
import {
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  startTestServer,
  startVisit,
} from '../../../testing/browser.ts';

/**
 * Every page that exists now, in English and Welsh, in a real browser under the real
 * Content-Security-Policy: axe finds no violation, the page is in the right language, GOV.UK
 * Frontend's JavaScript ran, and nothing failed to load or run. Then the language switch, the
 * skip link, and the stylesheet and fonts.
 *
 * One browser and one server for the file (these pages keep no state), three checks at a time:
 * most of a check's time is spent waiting. The page checks share three browser pages, one for each
 * check running, readied for each visit as a new context would be (a new context costs as much as
 * the visit); the other checks have a context of their own.
 */

const SITE_NAME = 'Civitas';
const INTERNAL_DETAIL = 'internal detail that must never reach a page';
// The app's own text, so the checks follow the message files.
const translations = createTranslations([platformMessages, ...allModules.flatMap((module) => module.messages ?? [])]);

function text(locale: Locale, key: string, parameters?: MessageParameters): string {
  return translations[locale](key, parameters);
}

/** Routes only these tests need: one that fails, and a form that has lost its CSRF token. */
const testOnlyModule: CivitasModule = {
  name: 'browser-test',
  async plugin(app) {
    app.get('/test/broken', async () => {
      throw new Error(INTERNAL_DETAIL);
    });
    // The CSRF cookie is set, but the form has no hidden token field.
    app.get('/test/form', async (request, reply) => {
      reply.generateCsrf();
      return reply
        .type('text/html; charset=utf-8')
        .send(
          `<!DOCTYPE html><html lang="en"><title>Form</title><link rel="icon" href="data:,">` +
            `<form method="post" action="/test/form?lang=${request.locale}">` +
            `<input name="answer" value="yes"><button>Continue</button></form></html>`,
        );
    });
    app.post('/test/form', async () => 'accepted');
  },
};

type PageCase = {
  name: string;
  status: number;
  /** The page's title in the <title> and, unless `headingKey` says otherwise, its <h1>. */
  titleKey: string;
  headingKey?: string;
  headingParameters?: MessageParameters;
  /** Opens the page in `locale`; returns the response for the page's own document. */
  open(page: Page, baseUrl: string, locale: Locale): Promise<Response | null>;
};

function visit(path: string): PageCase['open'] {
  return (page, baseUrl, locale) => page.goto(`${baseUrl}${path}?lang=${locale}`);
}

const PAGES: PageCase[] = [
  {
    name: 'home page',
    status: 200,
    titleKey: 'site.home.title',
    headingKey: 'site.home.heading',
    headingParameters: { siteName: SITE_NAME },
    open: visit('/'),
  },
  {
    name: 'accessibility statement',
    status: 200,
    titleKey: 'site.accessibilityStatement.title',
    open: visit('/accessibility-statement'),
  },
  { name: 'cookies page', status: 200, titleKey: 'site.cookies.title', open: visit('/cookies') },
  { name: 'privacy notice', status: 200, titleKey: 'site.privacy.title', open: visit('/privacy') },
  { name: 'terms and conditions', status: 200, titleKey: 'site.terms.title', open: visit('/terms-and-conditions') },
  { name: 'One Login documentation', status: 200, titleKey: 'site.oneLoginDocumentation.title', open: visit('/one-login/documentation') },
  { name: 'report a problem', status: 200, titleKey: 'site.reportAProblem.title', open: visit('/report-a-problem') },
  { name: 'report a problem: sent', status: 200, titleKey: 'site.reportAProblem.sent.title', open: visit('/report-a-problem/sent') },
  {
    name: 'page not found',
    status: 404,
    titleKey: 'platform.errors.notFound.title',
    open: visit('/no-such-page'),
  },
  {
    name: 'problem with the service page',
    status: 500,
    titleKey: 'platform.errors.problem.title',
    open: visit('/test/broken'),
  },
  {
    name: 'form has expired page',
    status: 403,
    titleKey: 'platform.errors.formExpired.title',
    async open(page, baseUrl, locale) {
      await page.goto(`${baseUrl}/test/form?lang=${locale}`);
      const posted = page.waitForResponse((response) => response.request().method() === 'POST');
      await page.getByRole('button', { name: 'Continue' }).click();
      const response = await posted;
      await page.waitForLoadState('load');
      return response;
    },
  },
];

const LANGUAGES: ReadonlyArray<{ locale: Locale; name: string }> = [
  { locale: 'en', name: 'English' },
  { locale: 'cy', name: 'Welsh' },
];

/** The checks every page passes, whatever it shows. */
async function expectHealthyPage(page: Page, locale: Locale): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), locale, '<html lang>');
  // GOV.UK Frontend's inline script (allowed by its nonce) marks the body...
  const bodyClasses = (await page.locator('body').getAttribute('class')) ?? '';
  assert.match(bodyClasses, /\bgovuk-frontend-supported\b/, 'body class govuk-frontend-supported');
  // ...and initAll() in the module script (allowed by its nonce) initialised the components.
  assert.equal(
    await page.locator('.govuk-skip-link').getAttribute('data-govuk-skip-link-init'),
    '',
    'GOV.UK Frontend initialised the skip link',
  );
  await expectNoAccessibilityViolations(page);
}

type Walker = Awaited<ReturnType<typeof openPage>>;

/** Browser pages for the page checks, each lent to one check at a time: as many as run at once. */
function walkers(t: TestContext, browser: Browser) {
  const idle: Walker[] = [];
  return {
    borrow: async (): Promise<Walker> => idle.pop() ?? (await openPage(t, browser)),
    giveBack: (walker: Walker): void => void idle.push(walker),
  };
}

function checkPage(pool: ReturnType<typeof walkers>, baseUrl: string, pageCase: PageCase, locale: Locale) {
  return async () => {
    const walker = await pool.borrow();
    try {
      await startVisit(walker);
      await checkPageOn(walker, baseUrl, pageCase, locale);
    } finally {
      pool.giveBack(walker);
    }
  };
}

async function checkPageOn({ page, problems }: Walker, baseUrl: string, pageCase: PageCase, locale: Locale): Promise<void> {
  const response = await pageCase.open(page, baseUrl, locale);

  assert.equal(response?.status(), pageCase.status, 'status of the page');
  const title = text(locale, pageCase.titleKey);
  const heading = pageCase.headingKey
    ? text(locale, pageCase.headingKey, pageCase.headingParameters)
    : title;
  assert.equal(await page.title(), `${title} - ${SITE_NAME}`);
  assert.equal((await page.locator('h1').textContent())?.trim(), heading);
  await expectHealthyPage(page, locale);
  expectNoPageProblems(problems, { expectedDocumentStatus: pageCase.status });
  if (pageCase.status === 500) {
    const main = (await page.locator('main').textContent()) ?? '';
    assert.ok(!main.includes(INTERNAL_DETAIL), 'a 500 page shows no internals');
    const reference = text(locale, 'platform.errors.reference', {
      requestId: response?.headers()['x-request-id'] ?? 'missing',
    });
    assert.ok(main.includes(reference), 'a 500 page gives the request id as a reference');
  }
}

function checkLanguageSwitch(browser: Browser, baseUrl: string) {
  return async (t: TestContext) => {
    const { page, problems } = await openPage(t, browser);
    await page.goto(`${baseUrl}/privacy`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');

    const englishNavigation = page.getByRole('navigation', { name: text('en', 'platform.language.label') });
    const welsh = englishNavigation.getByRole('link', { name: 'Cymraeg' });
    assert.equal(await welsh.getAttribute('lang'), 'cy', 'the link to Welsh is marked as Welsh');
    await welsh.click();
    await page.waitForURL(`${baseUrl}/privacy?lang=cy`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'cy');
    assert.equal(await page.locator('h1').textContent(), text('cy', 'site.privacy.title'));
    // The language in use is shown, not linked.
    const welshNavigation = page.getByRole('navigation', { name: text('cy', 'platform.language.label') });
    assert.equal(await welshNavigation.getByRole('link', { name: 'Cymraeg' }).count(), 0);

    // The next page, reached by a link without ?lang=, is in Welsh too.
    await page.getByRole('link', { name: text('cy', 'platform.footer.cookies'), exact: true }).click();
    await page.waitForURL(`${baseUrl}/cookies`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'cy');
    assert.equal(await page.locator('h1').textContent(), text('cy', 'site.cookies.title'));

    // And back: English is remembered in the same way.
    await welshNavigation.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${baseUrl}/cookies?lang=en`);
    await page.goto(`${baseUrl}/`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    expectNoPageProblems(problems);
  };
}

function checkSkipLink(browser: Browser, baseUrl: string) {
  return async (t: TestContext) => {
    const { page, problems } = await openPage(t, browser);
    await page.goto(`${baseUrl}/`);

    await page.keyboard.press('Tab');
    const focused = (await page.evaluate(
      `({ className: document.activeElement.className, text: document.activeElement.textContent.trim(),
          width: document.activeElement.getBoundingClientRect().width })`,
    )) as { className: string; text: string; width: number };
    assert.match(focused.className, /\bgovuk-skip-link\b/, 'the first focusable element is the skip link');
    assert.equal(focused.text, text('en', 'platform.skipLink'));
    assert.ok(focused.width > 1, 'the skip link shows when it has focus');

    await page.keyboard.press('Enter');
    await page.waitForURL(`${baseUrl}/#main-content`);
    assert.equal(await page.evaluate('document.activeElement.id'), 'main-content');
    expectNoPageProblems(problems);
  };
}

function checkStylesheetAndFonts(browser: Browser, baseUrl: string) {
  return async (t: TestContext) => {
    const { page, problems } = await openPage(t, browser);
    const assets: Array<{ url: string; status: number; type: string }> = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/assets/')) {
        assets.push({
          url: response.url(),
          status: response.status(),
          type: response.headers()['content-type'] ?? '',
        });
      }
    });
    await page.goto(`${baseUrl}/`);
    await page.evaluate('document.fonts.ready.then(() => undefined)');

    const stylesheet = assets.find((asset) => asset.url.endsWith('/govuk-frontend.min.css'));
    assert.equal(stylesheet?.status, 200, 'the stylesheet loads');
    assert.match(stylesheet.type, /^text\/css/);
    const fonts = assets.filter((asset) => asset.url.endsWith('.woff2'));
    assert.equal(fonts.length, 2, 'the regular and bold fonts are fetched');
    for (const font of fonts) assert.equal(font.status, 200, `${font.url} loads`);

    const loadedFaces = await page.evaluate(
      `[...document.fonts].filter((face) => face.status === 'loaded')
        .map((face) => face.family + ' ' + face.weight).sort()`,
    );
    assert.deepEqual(loadedFaces, ['GDS Transport 400', 'GDS Transport 700']);
    const heading = (await page.evaluate(
      `(() => { const style = getComputedStyle(document.querySelector('h1'));
        return { family: style.fontFamily, weight: style.fontWeight }; })()`,
    )) as { family: string; weight: string };
    assert.match(heading.family, /^"GDS Transport"/, 'the stylesheet gives headings the GOV.UK font');
    assert.equal(heading.weight, '700');
    expectNoPageProblems(problems);
  };
}

const browser = await launchBrowser(after);

test('the site pages in a real browser', { concurrency: 3 }, async (t) => {
  const { baseUrl } = await startTestServer(t, { modules: [...allModules, testOnlyModule] });
  const pool = walkers(t, browser);
  const checks: Array<Promise<void>> = [];
  for (const pageCase of PAGES) {
    for (const { locale, name: language } of LANGUAGES) {
      checks.push(
        t.test(
          `the ${pageCase.name} in ${language} is accessible and runs under the CSP`,
          checkPage(pool, baseUrl, pageCase, locale),
        ),
      );
    }
  }
  checks.push(
    t.test(
      'choosing Cymraeg in the language navigation switches to Welsh and is remembered',
      checkLanguageSwitch(browser, baseUrl),
    ),
    t.test(
      'the skip link is the first thing to tab to and moves focus to the main content',
      checkSkipLink(browser, baseUrl),
    ),
    t.test('the GOV.UK stylesheet and fonts load and apply', checkStylesheetAndFonts(browser, baseUrl)),
  );
  await Promise.all(checks);
});
