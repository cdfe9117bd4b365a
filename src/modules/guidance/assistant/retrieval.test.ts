import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { EXAMPLES_DIRECTORY } from '../guidance.cli.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { guidanceModule } from '../guidance.module.ts';
import { importGuidanceFolder } from '../import/import-folder.ts';
import { passagesOf } from './passages.ts';
import { createGuidanceRetriever } from './retrieval.ts';

async function openRetriever(t: TestContext) {
  const kernel = await createTestKernel(t, { modules: [guidanceModule] });
  const library = openGuidanceLibrary(kernel);
  await importGuidanceFolder({ directory: EXAMPLES_DIRECTORY, library, actor: 'test', publish: true });
  return { library, retriever: createGuidanceRetriever(library) };
}

test('passages: each paragraph, list or block with its page, section heading and a link to the section', async (t) => {
  const { library } = await openRetriever(t);
  const guide = passagesOf((await library.findPublished('blue-badge', 'en'))!);
  const costs = guide.find((passage) => passage.text.startsWith('Your council may charge up to £10'));
  assert.deepEqual(
    costs && { title: costs.title, url: costs.url, anchor: costs.anchor, heading: costs.heading },
    { title: 'Blue Badges for disabled people: What it costs', url: '/guidance/blue-badge/what-it-costs', anchor: '', heading: 'What it costs' },
  );
  const list = guide.find((passage) => passage.text.includes('park on single and double yellow lines'));
  assert.match(list!.text, /^With a badge you can usually:\npark on single[\s\S]*\npark for free in on-street/);
  const answer = passagesOf((await library.findPublished('council-tax-bands', 'en'))!);
  assert.deepEqual(answer.find((passage) => passage.text.startsWith('There are 9 bands'))?.anchor, '#bands-in-wales');
  const steps = passagesOf((await library.findPublished('get-a-blue-badge', 'en'))!);
  assert.deepEqual(steps.find((passage) => passage.text.startsWith('Badges usually last'))?.anchor, '#step-6');
  const contact = passagesOf((await library.findPublished('council-tax-arrears', 'en'))!).find((passage) => passage.text.startsWith('Council Tax team'));
  assert.equal(contact?.text, 'Council Tax team at your council\nTelephone: 0300 100 3000\nEmail: counciltax@example.gov.uk');
});

test('retrieval: the page that answers each question is among the first five passages, in English and Welsh', async (t) => {
  const { retriever } = await openRetriever(t);
  const cases: Array<[string, 'en' | 'cy', string]> = [
    ['How much does a Blue Badge cost?', 'en', '/guidance/blue-badge/what-it-costs'],
    ['what documents do I need to apply for a blue badge', 'en', '/guidance/blue-badge/how-to-apply'],
    ['My badge was stolen, what do I do?', 'en', '/guidance/blue-badge-lost-or-stolen'],
    ['Can I park on double yellow lines with a badge?', 'en', '/guidance/blue-badge-parking-rules'],
    ['I live on my own, can I pay less council tax?', 'en', '/guidance/council-tax-single-person-discount'],
    ['How many council tax bands are there in Wales?', 'en', '/guidance/council-tax-bands'],
    ['I cannot afford my council tax bill', 'en', '/guidance/council-tax-arrears'],
    ['What happens if I do not pay a parking fine?', 'en', '/guidance/pay-a-parking-fine/if-you-do-not-pay'],
    ['how long do i have to pay the parking ticket at the reduced rate', 'en', '/guidance/pay-a-parking-fine/discounts-and-deadlines'],
    ['How do I appeal against a rejected parking challenge?', 'en', '/guidance/parking-fine-appeal-tribunal'],
    ['I forgot my One Login password', 'en', '/guidance/one-login-forgotten-password'],
    ['my security code never arrived', 'en', '/guidance/one-login-security-codes'],
    ['I lost my phone and cannot sign in', 'en', '/guidance/one-login-lost-phone'],
    ['Faint mae Bathodyn Glas yn ei gostio?', 'cy', '/guidance/blue-badge/faint-mae-n-ei-gostio'],
    ['Faint o fandiau treth gyngor sydd yng Nghymru?', 'cy', '/guidance/council-tax-bands'],
  ];
  const misses: string[] = [];
  for (const [question, lang, url] of cases) {
    const passages = await retriever.retrieve({ question, lang });
    assert.ok(passages.every((passage) => passage.lang === lang));
    if (!passages.some((passage) => passage.url === url)) misses.push(`${question} -> ${passages.map((passage) => passage.url).join(', ')}`);
  }
  assert.deepEqual(misses, []);
});

test('retrieval follows what is published, in any process, and finds nothing for a question the guidance does not answer', async (t) => {
  const { library, retriever } = await openRetriever(t);
  assert.deepEqual(await retriever.retrieve({ question: 'zyxwvut qqqq', lang: 'en' }), []);
  await library.save({
    draft: { slug: 'bin-collections', lang: 'en', title: 'Bin collection days', description: '', content: { type: 'answer', body: 'Recycling bins are collected every other Tuesday.' } },
    actor: 'test',
    publish: true,
  });
  const [first] = await retriever.retrieve({ question: 'When are recycling bins collected?', lang: 'en' });
  assert.equal(first?.url, '/guidance/bin-collections');
  assert.equal(first?.text, 'Recycling bins are collected every other Tuesday.');
});

test('attacker: questions at the length limit, of many words or only symbols, are answered without error', async (t) => {
  const { retriever } = await openRetriever(t);
  const questions = [
    Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ').slice(0, 1_000),
    'badge '.repeat(166),
    '.* (?:x)+ [a-z] \\ $ ^ <script>',
    '',
    '\u0000\ud800',
  ];
  for (const question of questions) {
    const passages = await retriever.retrieve({ question, lang: 'en' });
    assert.ok(passages.length <= 5);
  }
});
