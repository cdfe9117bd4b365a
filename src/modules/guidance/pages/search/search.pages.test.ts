import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../../testing/test-kernel.ts';
import { openGuidanceLibrary } from '../../guidance.contract.ts';
import { guidanceModule } from '../../guidance.module.ts';
import { publishTestPages } from '../guidance-testing.ts';

test('/search: a form, the results with highlighted snippets, English and Welsh, paging links', async (t) => {
  const { app, kernel } = await createTestApp(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await publishTestPages(library);
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });

  const empty = await get('/search');
  assert.equal(empty.statusCode, 200);
  assert.match(empty.body, /<form action="\/search" method="get" role="search"/);
  assert.doesNotMatch(empty.body, /results/);

  const found = await get('/search?q=valuation');
  assert.match(found.body, /<title>valuation - Search guidance - /);
  assert.match(found.body, /1 result/);
  assert.match(found.body, /<a class="govuk-link" href="\/guidance\/council-tax-bands">Council Tax bands<\/a>/);
  assert.match(found.body, /Every home is in a <mark>valuation<\/mark> band/);

  const welsh = await get('/search?q=bathodyn&lang=cy');
  assert.match(welsh.body, /3 canlyniad/);
  assert.match(welsh.body, /<mark>Bathodyn<\/mark>/);

  const none = await get('/search?q=zzzzqqq');
  assert.match(none.body, /0 results[\s\S]*There are no matching results/);

  for (let number = 1; number <= 12; number += 1) {
    await library.save({ draft: { slug: `zone-${number}`, lang: 'en', title: `Zone ${number}`, description: '', content: { type: 'answer', body: 'Rules.' } }, actor: 'test', publish: true });
  }
  const paged = await get('/search?q=zone&page=2');
  assert.match(paged.body, /12 results/);
  assert.match(paged.body, /<ol class="govuk-list" aria-labelledby="search-results-heading" start="11">/);
  assert.match(paged.body, /govuk-pagination__prev[\s\S]*href="\/search\?q=zone"/);
});

test('attacker: what is searched for comes back escaped, in the title, the field and the snippets; bad page numbers are the first page', async (t) => {
  const { app, kernel } = await createTestApp(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await library.save({
    draft: { slug: 'tricky', lang: 'en', title: 'Tricky <b>page</b>', description: '"quoted" & <i>odd</i>', content: { type: 'answer', body: 'Text with \\<img src=x onerror=alert(1)\\> inside.' } },
    actor: 'test',
    publish: true,
  });
  const response = await app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent('"><script>alert(1)</script> onerror')}&page=abc`, headers: { accept: 'text/html' } });
  assert.equal(response.statusCode, 200);
  assert.doesNotMatch(response.body, /<script>alert|<img|<b>page|<i>odd/);
  assert.match(response.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; onerror"/);
  assert.match(response.body, /Tricky &lt;b&gt;page&lt;\/b&gt;/);
  assert.match(response.body, /&lt;img src=x <mark>onerror<\/mark>=<mark>alert<\/mark>\(<mark>1<\/mark>\)&gt;/);
  const huge = await app.inject({ method: 'GET', url: `/search?q=${'x'.repeat(8_000)}&page=-5`, headers: { accept: 'text/html' } });
  assert.equal(huge.statusCode, 200);
});
