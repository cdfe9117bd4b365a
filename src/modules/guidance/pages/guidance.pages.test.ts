import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { publishTestPages } from './guidance-testing.ts';

async function openApp(t: TestContext) {
  const { app, kernel } = await createTestApp(t, { modules: [guidanceModule] });
  await publishTestPages(openGuidanceLibrary(kernel));
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
  return { app, kernel, get };
}

test('a guide: contents list of its parts, the part shown, previous and next, the step-by-step sidebar', async (t) => {
  const { get } = await openApp(t);
  const first = await get('/guidance/blue-badge');
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /<title>Blue Badge parking - /);
  assert.match(first.body, /<span aria-current="page">Overview<\/span>/);
  assert.match(first.body, /<a class="govuk-link" href="\/guidance\/blue-badge\/eligibility">Who can get one<\/a>/);
  assert.match(first.body, /<h2 class="govuk-heading-m" id="what-it-costs">What it costs<\/h2>/);
  assert.doesNotMatch(first.body, /govuk-pagination__prev/);
  assert.match(first.body, /govuk-pagination__next[\s\S]*href="\/guidance\/blue-badge\/eligibility"[\s\S]*Who can get one/);

  const middle = await get('/guidance/blue-badge/eligibility');
  assert.match(middle.body, /<title>Who can get one: Blue Badge parking - /);
  assert.match(middle.body, /govuk-pagination__prev[\s\S]*href="\/guidance\/blue-badge"/);
  assert.match(middle.body, /govuk-pagination__next[\s\S]*href="\/guidance\/blue-badge\/apply"/);
  // Part of one step-by-step: its steps, the one that links here current.
  assert.match(middle.body, /Part of<\/h2>[\s\S]*href="\/step-by-step\/get-a-blue-badge">Get a Blue Badge: step by step<\/a>/);
  assert.match(middle.body, /href="\/step-by-step\/get-a-blue-badge#step-1" aria-current="step">Check if you can get one<\/a>/);
  assert.match(middle.body, /Step 1[\s\S]*and \(optional\)[\s\S]*Step 2[\s\S]*>or</);

  const last = await get('/guidance/blue-badge/apply');
  assert.match(last.body, /govuk-warning-text[\s\S]*Never pay a website/);
  assert.doesNotMatch(last.body, /govuk-pagination__next/);
  // The first part has one address.
  const firstByName = await get('/guidance/blue-badge/overview');
  assert.deepEqual([firstByName.statusCode, firstByName.headers.location], [301, '/guidance/blue-badge']);
});

test('Welsh: ?lang=cy serves the Welsh version; a page with none shows the English marked as English', async (t) => {
  const { get } = await openApp(t);
  const welsh = await get('/guidance/blue-badge?lang=cy');
  assert.match(welsh.body, /<html lang="cy"/);
  assert.match(welsh.body, /<h1 class="govuk-heading-xl govuk-!-margin-bottom-6">Parcio Bathodyn Glas<\/h1>/);
  assert.match(welsh.body, /Cynnwys/);
  assert.match(welsh.body, /Nesaf[\s\S]*Pwy sy’n gallu cael un/);
  assert.match(welsh.body, /Rhan o[\s\S]*Cael Bathodyn Glas: cam wrth gam/);

  // The language switch on a part: parts are named in their own language, matched by position.
  const switched = await get('/guidance/blue-badge/eligibility?lang=cy');
  assert.deepEqual([switched.statusCode, switched.headers.location], [302, '/guidance/blue-badge/cymhwystra']);
  assert.equal((await get('/guidance/blue-badge/apply?lang=cy')).statusCode, 404);

  const english = await get('/guidance/council-tax-bands?lang=cy');
  assert.equal(english.statusCode, 200);
  assert.match(english.body, /<h1 class="govuk-heading-xl govuk-!-margin-bottom-6" lang="en">Council Tax bands<\/h1>/);
  assert.match(english.body, /Nid yw’r dudalen hon ar gael yn Gymraeg eto|Nid yw&#39;r dudalen hon ar gael yn Gymraeg eto/);
  assert.match(english.body, /<div lang="en">/);
});

test('an answer with sections has a contents list; a step-by-step numbers its steps and labels "and", "or" and optional', async (t) => {
  const { get } = await openApp(t);
  const answer = await get('/guidance/council-tax-bands');
  assert.match(answer.body, /<a class="govuk-link" href="#bands">Bands<\/a>[\s\S]*href="#challenging-your-band"/);
  assert.doesNotMatch(answer.body, /govuk-pagination/);
  const steps = await get('/step-by-step/get-a-blue-badge');
  assert.equal(steps.statusCode, 200);
  assert.match(steps.body, /<p class="govuk-body">Follow these steps.<\/p>/);
  assert.match(steps.body, /id="step-1"[\s\S]*Step 1[\s\S]*Check if you can get one/);
  assert.match(steps.body, /id="step-2"[\s\S]*and \(optional\)[\s\S]*id="step-3"[\s\S]*Step 2[\s\S]*id="step-4"[\s\S]*>or</);
  const welsh = await get('/step-by-step/get-a-blue-badge?lang=cy');
  assert.match(welsh.body, /Cam 1[\s\S]*Gwirio a allwch gael un/);
});

test('attacker: unknown, malformed and mixed-up addresses are 404 pages or redirects, never errors', async (t) => {
  const { get } = await openApp(t);
  for (const url of ['/guidance/no-such-page', '/guidance/blue-badge/no-such-part', '/guidance/council-tax-bands/bands', '/step-by-step/nothing', '/guidance/..%2F..%2Fetc', '/guidance/UPPER', `/guidance/${'a'.repeat(500)}`]) {
    const response = await get(url);
    assert.equal(response.statusCode, 404, url);
    assert.match(response.body, /Page not found/, url);
  }
  // A NUL is refused before routing, as everywhere on the site.
  assert.equal((await get('/guidance/a%00b')).statusCode, 400);
  const guideAsSteps = await get('/step-by-step/blue-badge');
  assert.deepEqual([guideAsSteps.statusCode, guideAsSteps.headers.location], [301, '/guidance/blue-badge']);
  const stepsAsGuide = await get('/guidance/get-a-blue-badge');
  assert.deepEqual([stepsAsGuide.statusCode, stepsAsGuide.headers.location], [301, '/step-by-step/get-a-blue-badge']);
});

test('the served version changes when another is published: pages read the database on every request, so every process serves the same', async (t) => {
  const { kernel, get } = await openApp(t);
  const library = openGuidanceLibrary(kernel);
  await library.save({
    draft: { slug: 'council-tax-bands', lang: 'en', title: 'Council Tax bands', description: '', content: { type: 'answer', body: 'New text <script>alert(1)</script>' } },
    actor: 'test',
    publish: true,
  });
  const page = await get('/guidance/council-tax-bands');
  assert.match(page.body, /New text &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  await library.publish({ slug: 'council-tax-bands', lang: 'en', version: 1, actor: 'test' });
  assert.match((await get('/guidance/council-tax-bands')).body, /Every home is in a valuation band/);
});
