import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { guidanceModule } from '../guidance.module.ts';
import type { PageDraft } from './guidance-content.ts';
import { createGuidanceLibrary } from './guidance-library.ts';
import { createGuidanceStore } from './guidance.store.ts';

async function openLibrary(t: Parameters<typeof createTestKernel>[0]) {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  return { kernel, library: createGuidanceLibrary({ db: kernel.db, store: createGuidanceStore(), audit: kernel.audit }) };
}

const answer: PageDraft = {
  slug: 'council-tax-bands',
  lang: 'en',
  title: 'Council Tax bands',
  description: 'Which band your home is in',
  content: { type: 'answer', body: 'Every home is in a band.' },
};

test('every change is a new version; the published one is served; an unchanged save makes none', async (t) => {
  const { kernel, library } = await openLibrary(t);
  const revisionAtStart = await library.readRevision();
  assert.deepEqual(await library.save({ draft: answer, actor: 'cli', publish: true }), { status: 'created', version: 1, published: true });
  assert.deepEqual(await library.save({ draft: answer, actor: 'cli', publish: true }), { status: 'unchanged', version: 1, published: true });
  const changed = { ...answer, content: { type: 'answer' as const, body: 'Every home in England is in a band.' } };
  assert.deepEqual(await library.save({ draft: changed, actor: 'cli', publish: false }), { status: 'updated', version: 2, published: false });
  assert.equal((await library.findPublished('council-tax-bands', 'en'))?.version, 1);

  await library.publish({ slug: 'council-tax-bands', lang: 'en', version: 2, actor: 'cli' });
  const served = await library.findPublished('council-tax-bands', 'en');
  assert.equal(served?.version, 2);
  assert.deepEqual(served?.content, changed.content);
  assert.deepEqual(
    (await library.listHistory('council-tax-bands', 'en')).map((entry) => [entry.version, entry.published]),
    [[2, true], [1, false]],
  );
  // Going back is publishing the older version again.
  await library.publish({ slug: 'council-tax-bands', lang: 'en', version: 1, actor: 'cli' });
  assert.equal((await library.findPublished('council-tax-bands', 'en'))?.content.type, 'answer');
  assert.equal((await library.findPublished('council-tax-bands', 'en'))?.version, 1);
  assert.equal(await library.readRevision(), revisionAtStart + 3);
  const events = await kernel.audit.listRecent({ subject: 'guidance:council-tax-bands' });
  assert.equal(events.filter((event) => event.action === 'guidance.page.published').length, 3);
  const saved = events.filter((event) => event.action === 'guidance.page.saved');
  assert.deepEqual(saved.map((event) => event.details).reverse(), [{ lang: 'en', version: 1 }, { lang: 'en', version: 2 }], 'every new version is audited (not an unchanged save), without its text');
});

test('the authors\' list has every page, published or not, with each language\'s newest and published versions', async (t) => {
  const { library } = await openLibrary(t);
  await library.save({ draft: answer, actor: 'cli', publish: true });
  await library.save({ draft: { ...answer, title: 'Council Tax bands explained' }, actor: 'cli', publish: false });
  await library.save({ draft: { ...answer, lang: 'cy', title: 'Bandiau Treth Gyngor' }, actor: 'cli', publish: false });
  await library.save({ draft: { ...answer, slug: 'a-draft', title: 'A draft' }, actor: 'cli', publish: false });
  assert.deepEqual(await library.listPages(), [
    { slug: 'a-draft', type: 'answer', title: 'A draft', languages: [{ lang: 'en', latest: 1 }] },
    { slug: 'council-tax-bands', type: 'answer', title: 'Council Tax bands explained', languages: [{ lang: 'cy', latest: 1 }, { lang: 'en', latest: 2, published: 1 }] },
  ]);
  assert.equal((await library.findLatestVersion('council-tax-bands', 'en'))?.title, 'Council Tax bands explained');
  assert.equal(await library.findPageType('council-tax-bands'), 'answer');
  assert.equal(await library.findPageType('nothing-here'), undefined);
});

test('a save based on a version that is no longer the newest is refused and saves nothing', async (t) => {
  const { library } = await openLibrary(t);
  await library.save({ draft: answer, actor: 'cli', publish: true, basedOn: 0 });
  await library.save({ draft: { ...answer, title: 'Bands' }, actor: 'a', publish: false, basedOn: 1 });
  await assert.rejects(library.save({ draft: { ...answer, title: 'Band' }, actor: 'b', publish: true, basedOn: 1 }), { code: 'guidance.VERSION_CONFLICT', statusCode: 409 });
  await assert.rejects(library.save({ draft: { ...answer, lang: 'cy' }, actor: 'b', publish: true, basedOn: 1 }), { code: 'guidance.VERSION_CONFLICT' });
  assert.deepEqual((await library.listHistory('council-tax-bands', 'en')).map((entry) => entry.version), [2, 1]);
  assert.equal((await library.findPublished('council-tax-bands', 'en'))?.version, 1);
});

test('a page and its Welsh translation share a slug; each language has its own history', async (t) => {
  const { library } = await openLibrary(t);
  await library.save({ draft: answer, actor: 'cli', publish: true });
  await library.save({ draft: { ...answer, lang: 'cy', title: 'Bandiau Treth Gyngor', content: { type: 'answer', body: 'Mae pob cartref mewn band.' } }, actor: 'cli', publish: true });
  assert.deepEqual(await library.listPublishedLanguages('council-tax-bands'), ['cy', 'en']);
  assert.equal((await library.findPublished('council-tax-bands', 'cy'))?.title, 'Bandiau Treth Gyngor');
  assert.equal((await library.listHistory('council-tax-bands', 'cy')).length, 1);
  assert.equal(await library.findPublished('council-tax-bands', 'cy').then((page) => page?.version), 1);
});

test('a step-by-step lists the pages its steps link to, and those pages find it', async (t) => {
  const { library } = await openLibrary(t);
  await library.save({
    draft: {
      slug: 'get-a-blue-badge',
      lang: 'en',
      title: 'Get a Blue Badge: step by step',
      description: '',
      content: {
        type: 'step-by-step',
        introduction: 'How to get a badge.',
        steps: [
          { title: 'Check', logic: 'number', optional: false, body: '- [Who can get one](/guidance/blue-badge-eligibility)' },
          { title: 'Apply', logic: 'and', optional: true, body: '- [Apply](/guidance/apply-for-a-blue-badge#online)' },
        ],
      },
    },
    actor: 'cli',
    publish: true,
  });
  assert.deepEqual((await library.listStepBySteps('blue-badge-eligibility', 'en')).map((page) => page.slug), ['get-a-blue-badge']);
  assert.deepEqual((await library.listStepBySteps('apply-for-a-blue-badge', 'en')).map((page) => page.slug), ['get-a-blue-badge']);
  assert.deepEqual(await library.listStepBySteps('apply-for-a-blue-badge', 'cy'), []);
});

test('attacker: a bad or reserved slug, a type changed under an existing slug, and text past the limits are refused', async (t) => {
  const { library } = await openLibrary(t);
  await library.save({ draft: answer, actor: 'cli', publish: true });
  const refusals: Array<[PageDraft, RegExp]> = [
    [{ ...answer, slug: '../etc/passwd' }, /slug/],
    [{ ...answer, slug: 'Council-Tax' }, /slug/],
    [{ ...answer, slug: 'new' }, /The slug "new" is reserved/],
    [{ ...answer, title: '   ' }, /no title/],
    [{ ...answer, title: 'x'.repeat(201) }, /title is longer/],
    [{ ...answer, content: { type: 'answer', body: 'x'.repeat(200_001) } }, /longer than 200000/],
    [{ ...answer, content: { type: 'guide', parts: [{ slug: 'one', title: 'One', body: '' }] } }, /of type answer; it cannot become of type guide/],
    [{ ...answer, slug: 'two-parts', content: { type: 'guide', parts: [{ slug: 'a', title: 'A', body: '' }, { slug: 'a', title: 'A', body: '' }] } }, /Two parts/],
    [{ ...answer, slug: 'steps', content: { type: 'step-by-step', introduction: '', steps: [{ title: 'First', logic: 'or', optional: false, body: '' }] } }, /first step/],
  ];
  for (const [draft, message] of refusals) {
    await assert.rejects(library.save({ draft, actor: 'cli', publish: true }), message);
  }
  await assert.rejects(library.publish({ slug: 'council-tax-bands', lang: 'en', version: 9, actor: 'cli' }), /no version 9/);
  await assert.rejects(library.publish({ slug: 'nothing-here', lang: 'en', version: 1, actor: 'cli' }), /no page/);
  assert.equal((await library.listHistory('council-tax-bands', 'en')).length, 1);
});
