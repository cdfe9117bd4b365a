import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TestContext } from 'node:test';
import type axe from 'axe-core';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { buildApp } from '../app.ts';
import type { Kernel } from '../platform/kernel.ts';
import type { CivitasModule } from '../platform/module.ts';
import { createTestKernel, type TestEnvironment } from './test-kernel.ts';

/**
 * Helpers for tests that drive a real browser (Debian's Chromium, installed by
 * `scripts/ensure-chromium.ts`) against the app listening on a real port.
 *
 * Launching Chromium takes about 0.4 s and starting the app a little more, so share one browser
 * per test file (and, for pages that keep no state, one server), and give each test a browser
 * context of its own, with fresh cookies:
 *
 *   import { after, test } from 'node:test';
 *   const browser = await launchBrowser(after);
 *   test('...', async (t) => {
 *     const { baseUrl } = await startTestServer(t);
 *     const { page, problems } = await openPage(t, browser);
 *     await page.goto(baseUrl);
 *     await expectNoAccessibilityViolations(page);
 *     expectNoPageProblems(problems);
 *   });
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Anything that runs clean-up when it ends: a test's `t`, or node:test's file-level `after`. */
export type CleanupScope = { after(fn: () => unknown): unknown } | ((fn: () => unknown) => unknown);

function registerCleanup(scope: CleanupScope, fn: () => unknown): void {
  if (typeof scope === 'function') scope(fn);
  else scope.after(fn);
}

/** Headless Chromium, closed when `scope` ends. */
export async function launchBrowser(scope: CleanupScope): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  registerCleanup(scope, () => browser.close());
  return browser;
}

/**
 * The whole app on a database of its own, listening on a free port of 127.0.0.1; closed when the
 * test ends. BASE_URL keeps its http:// default, so cookies are not marked Secure and the
 * browser sends them back over plain http, as it must here.
 */
export async function startTestServer(
  t: TestContext,
  options: { environment?: TestEnvironment; modules?: readonly CivitasModule[] } = {},
): Promise<{ baseUrl: string; app: FastifyInstance; kernel: Kernel }> {
  const kernel = await createTestKernel(t, options);
  const app = await buildApp(kernel);
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  // The browser outlives this server (its context closes later) and keeps sockets open that
  // have sent no request yet, such as preconnections; `close()` would wait for them for ever.
  let closing = false;
  app.server.on('connection', (socket) => {
    if (closing) socket.destroy();
  });
  t.after(async () => {
    closing = true;
    const closed = app.close();
    app.server.closeAllConnections();
    await closed;
  });
  return { baseUrl, app, kernel };
}

/** What went wrong on a page while it loaded and ran, beyond what the test looks at itself. */
export type PageProblems = {
  /** `console.error` calls, and Chromium's own errors such as refused scripts. */
  consoleErrors: string[];
  /** Exceptions the page's JavaScript threw and did not catch. */
  pageErrors: string[];
  /** Every `securitypolicyviolation` event: the Content-Security-Policy blocked something. */
  cspViolations: string[];
  /** Stylesheets, scripts, fonts and images that failed or answered with an error status. */
  failedResources: string[];
  /**
   * Loads that were cancelled (net::ERR_ABORTED), with the number of the document that made
   * them. Leaving a page cancels what it was still loading, such as its icon: that is no fault.
   * But Chromium also cancels a stylesheet or script refused for its type (a 404 page sent as
   * JSON, under `X-Content-Type-Options: nosniff`): a fault while the page is still shown.
   */
  abortedResources: Array<{ url: string; document: number }>;
  /** How many documents the page has loaded: one more on each navigation, except to a #fragment. */
  documents: number;
  /** `STATUS URL` of each page (document) that answered with an error status. */
  errorDocuments: string[];
};

const CSP_REPORTER = '__civitasReportCspViolation';

/**
 * A new context (own cookies) and page, closed when the test ends, with every problem on the
 * page collected into `problems`.
 */
export async function openPage(
  t: TestContext,
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext();
  t.after(() => context.close());
  const problems: PageProblems = {
    consoleErrors: [],
    pageErrors: [],
    cspViolations: [],
    failedResources: [],
    abortedResources: [],
    documents: 0,
    errorDocuments: [],
  };
  // Bindings and init scripts are exempt from the page's CSP, so they see every violation.
  await context.exposeBinding(CSP_REPORTER, (_source, violation: string) => {
    problems.cspViolations.push(violation);
  });
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.${CSP_REPORTER}(event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') +
        (event.sample ? ' (' + event.sample + ')' : '') + ' at ' + event.sourceFile + ':' + event.lineNumber);
    });`,
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    problems.consoleErrors.push(`${message.text()} (${url}:${lineNumber})`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  let documentUrl = '';
  page.on('framenavigated', (frame) => {
    if (frame !== page.mainFrame()) return;
    const url = frame.url();
    const withoutFragment = (address: string) => address.split('#')[0];
    const toFragment = url !== documentUrl && withoutFragment(url) === withoutFragment(documentUrl);
    if (!toFragment) problems.documents += 1;
    documentUrl = url;
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed';
    if (reason === 'net::ERR_ABORTED') {
      problems.abortedResources.push({ url: request.url(), document: problems.documents });
    } else {
      problems.failedResources.push(`${request.url()}: ${reason}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    if (response.request().isNavigationRequest()) {
      problems.errorDocuments.push(`${response.status()} ${response.url()}`);
    } else {
      problems.failedResources.push(`${response.url()}: HTTP ${response.status()}`);
    }
  });
  return { context, page, problems };
}

/**
 * Readies a page of `openPage` for the next visit as a new context would be, at a fraction of the
 * cost (a new context costs 0.5-1 s): only `cookies`, nothing gone wrong yet. What the context
 * has cached stays, as stylesheets and fonts.
 */
export async function startVisit(
  { context, problems }: { context: BrowserContext; problems: PageProblems },
  cookies: ReadonlyArray<Parameters<BrowserContext['addCookies']>[0][number]> = [],
): Promise<void> {
  await context.clearCookies();
  if (cookies.length) await context.addCookies([...cookies]);
  for (const list of [problems.consoleErrors, problems.pageErrors, problems.cspViolations, problems.failedResources, problems.abortedResources, problems.errorDocuments]) {
    list.length = 0;
  }
}

/**
 * Clicks what submits a form or follows a link, and waits until the next document has loaded.
 * `page.waitForLoadState('load')` alone does not: on the page clicked, loaded already, it returns
 * at once; only the click's own wait for a navigation it starts (which Playwright's docs deprecate,
 * as `noWaitAfter`) keeps the test from reading the previous page. This waits for the main frame
 * to commit a new document (after any redirect; a form answered at the same address counts), then
 * for that document's load.
 */
export async function clickToNextPage(page: Page, target: Locator): Promise<void> {
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
  await target.click();
  await committed;
  await page.waitForLoadState('load');
}

const DOCUMENT_STATUS_ERROR =
  /^Failed to load resource: the server responded with a status of (\d+) .*\((.+):\d+\)$/;

/**
 * Fails unless the page ran without console errors, uncaught exceptions, CSP violations or
 * failed resources. Chromium logs "Failed to load resource: ... status of 404" for a page that
 * is itself an error page; `expectedDocumentStatus` allows that message for pages answered with
 * exactly that status (and nothing else: a stylesheet's 404 still fails).
 */
export function expectNoPageProblems(
  problems: PageProblems,
  options: { expectedDocumentStatus?: number } = {},
): void {
  const consoleErrors = problems.consoleErrors.filter((text) => {
    const [, status, url] = DOCUMENT_STATUS_ERROR.exec(text) ?? [];
    return !(
      Number(status) === options.expectedDocumentStatus &&
      problems.errorDocuments.includes(`${status} ${url}`)
    );
  });
  const found = [
    ...consoleErrors.map((text) => `console error: ${text}`),
    ...problems.pageErrors.map((text) => `uncaught exception: ${text}`),
    ...problems.cspViolations.map((text) => `CSP violation: ${text}`),
    ...problems.failedResources.map((text) => `failed resource: ${text}`),
    ...problems.abortedResources
      .filter((aborted) => aborted.document === problems.documents)
      .map((aborted) => `failed resource: ${aborted.url}: net::ERR_ABORTED`),
  ];
  assert.deepEqual(found, [], `The page had problems:\n${found.join('\n')}`);
}

/**
 * WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices, which catch what WCAG
 * rules alone let through, such as content outside any landmark (a page without its <footer>).
 */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

// The project's own axe-core (a dev dependency), not the one @axe-core/playwright bundles, so
// upgrading axe-core brings its new rules.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A page of a test that walks many: in the language asked for, with one <h1>, and no axe
 * violation; a failure names the page (`what`) and the language.
 */
export async function expectAccessiblePage(page: Page, locale: string, what: string): Promise<void> {
  await expectLanguageAndOneHeading(page, locale, what);
  try {
    await expectNoAccessibilityViolations(page);
  } catch (error) {
    throw new Error(`${what} (${locale}): ${(error as Error).message}`);
  }
}

/**
 * What `expectAccessiblePage` asserts besides axe, for a page of a walk that axe has scanned
 * unchanged already, or scans later with more in it.
 */
export async function expectLanguageAndOneHeading(page: Page, locale: string, what: string): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), locale, `${what}: <html lang>`);
  assert.equal(await page.locator('h1').count(), 1, `${what}: one <h1>`);
}

/**
 * Runs axe on the page as it is now (WCAG 2.2 AA and best practices); fails on any violation,
 * naming each rule, what it asks for and the elements that break it.
 */
export async function expectNoAccessibilityViolations(page: Page): Promise<void> {
  // axe.run() in the page itself, axe loaded once a document (not once for each check, as
  // @axe-core/playwright's legacy mode does, nor in a new blank page, as its default does). The
  // one loss is cross-origin iframes, which Civitas has none of.
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(axeSource);
  const results = await page.evaluate((tags) => {
    const inPage = globalThis as unknown as { axe: typeof axe; document: axe.ElementContext };
    return inPage.axe.run(inPage.document, { runOnly: { type: 'tag', values: tags } });
  }, AXE_TAGS);
  const violations = results.violations.map((violation) => {
    const targets = violation.nodes.map((node) => `    ${node.target.join(' ')}`);
    return `${violation.id} (${violation.impact}): ${violation.help}\n${targets.join('\n')}`;
  });
  assert.equal(
    violations.length,
    0,
    `axe found ${violations.length} accessibility violation(s) on ${page.url()}:\n${violations.join('\n')}`,
  );
}

/**
 * Gives the page a virtual platform authenticator (Chromium's WebAuthn emulation), which
 * creates and uses passkeys as a phone or laptop would, with the person always verified.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
}
