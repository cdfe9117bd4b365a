import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { modules as allModules } from '../app.ts';
import type { CivitasModule } from '../platform/module.ts';
import {
  clickToNextPage,
  expectNoAccessibilityViolations,
  expectNoPageProblems,
  launchBrowser,
  openPage,
  startTestServer,
} from './browser.ts';

const browser = await launchBrowser(after);

/** A page with one of each fault the browser checks must catch. */
const faultyPageModule: CivitasModule = {
  name: 'faulty-page',
  async plugin(app) {
    app.get('/test/faulty', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(
        `<!DOCTYPE html><html><head><title>Faulty</title><link rel="icon" href="data:,">` +
          `<link rel="stylesheet" href="/no-such-stylesheet.css"></head><body>` +
          `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">` +
          `<script>document.title = 'ran without a nonce';</script>` +
          `<script nonce="${reply.cspNonce.script}">throw new Error('thrown by the page');</script>` +
          `</body></html>`,
      ),
    );
  },
};

test('the browser checks catch CSP violations, script errors, failed resources and axe violations', async (t) => {
  const { baseUrl } = await startTestServer(t, { modules: [...allModules, faultyPageModule] });
  const { page, problems } = await openPage(t, browser);
  await page.goto(`${baseUrl}/test/faulty`);

  assert.equal(await page.title(), 'Faulty', 'the CSP blocked the inline script');
  assert.match(problems.cspViolations.join('\n'), /script-src-elem blocked inline/);
  assert.match(problems.pageErrors.join('\n'), /thrown by the page/);
  // Sent as JSON under nosniff, the missing stylesheet is refused and its load cancelled.
  assert.match(problems.consoleErrors.join('\n'), /Refused to apply style from .*no-such-stylesheet\.css/);
  assert.throws(() => expectNoPageProblems(problems), (error: Error) => {
    assert.match(error.message, /CSP violation: script-src-elem blocked inline/);
    assert.match(error.message, /uncaught exception: Error: thrown by the page/);
    assert.match(error.message, /failed resource: .*no-such-stylesheet\.css: net::ERR_ABORTED/);
    return true;
  });

  await assert.rejects(expectNoAccessibilityViolations(page), (error: Error) => {
    assert.match(error.message, /^axe found \d+ accessibility violation/);
    assert.match(error.message, /html-has-lang \(serious\): <html> element must have a lang attribute\n {4}html/);
    assert.match(error.message, /image-alt \(critical\): .*\n {4}img/);
    return true;
  });
});

/** Pages that link to the next, which answers slowly. */
const slowPagesModule: CivitasModule = {
  name: 'slow-pages',
  async plugin(app) {
    app.get('/test/slow', async (request, reply) => {
      const number = Number((request.query as { n?: string }).n ?? 1);
      if (number > 1) await new Promise((resolve) => setTimeout(resolve, 300));
      return reply.type('text/html; charset=utf-8').send(`<!DOCTYPE html><html><head><title>Page ${number}</title>` +
        `<link rel="icon" href="data:,"></head><body><a href="/test/slow?n=${number + 1}">Next</a></body></html>`);
    });
  },
};

test('clickToNextPage waits for the next page, however slowly it answers', async (t) => {
  const { baseUrl } = await startTestServer(t, { modules: [...allModules, slowPagesModule] });
  const { page } = await openPage(t, browser);
  await page.goto(`${baseUrl}/test/slow`);
  await clickToNextPage(page, page.getByRole('link', { name: 'Next' }));
  assert.equal(await page.title(), 'Page 2');
  assert.equal(await page.evaluate('document.readyState'), 'complete');
});
