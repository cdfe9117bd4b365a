import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWithOperator } from '../../console/teams/console-teams-testing.contract.ts';
import { listRoutes } from '../../../testing/app-routes.ts';
import { createWelshWalk } from '../../../testing/english-in-welsh.ts';
import { checkDraft, LIMITS, RESERVED_SLUGS, type PageDraft } from '../content/guidance-content.ts';
import { GuidanceError, PAGE_REFUSALS, type PageRefusal } from '../guidance.errors.ts';
import en from '../locales/en.json' with { type: 'json' };
import cy from '../locales/cy.json' with { type: 'json' };
import { guidanceModule } from '../guidance.module.ts';
import { openGuidanceLibrary } from '../guidance.contract.ts';
import { contentOf, parseMarkdownFile } from '../import/parse-markdown-file.ts';
import { AUTHORING_PATH, fieldErrorOf, REFUSALS } from './authoring.routes.ts';
import { sourceOf } from './page-source.ts';

const BASE = '/console/operator/guidance';

type VersionTable = { guidance_version: { page_id: string; version: number } };

async function startAuthoring(t: Parameters<typeof startWithOperator>[0]) {
  const { civitas, browser } = await startWithOperator(t);
  const { kernel } = civitas;
  const library = openGuidanceLibrary({ db: kernel.db, audit: kernel.audit });
  // A page with a form, for its CSRF token.
  const csrfPage = await browser.get(`${BASE}/new`);
  assert.equal(csrfPage.status, 200, csrfPage.html);
  /** Posts a form with the operator's CSRF token; the first response. */
  const send = async (url: string, fields: Record<string, string>) => {
    const response = await browser.post({ ...csrfPage, url: new URL(url, csrfPage.url).toString() }, fields);
    return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
  };
  const countVersions = async () => (await kernel.db.withTables<VersionTable>().selectFrom('guidance_version').select('version').execute()).length;
  return { civitas, kernel, browser, library, send, countVersions };
}

const GUIDE_BODY = '# Who can get one\n\nYou can get a permit if you fish.\n\n# How to apply\n\nApply online.\n\n## What you need\n\n- a rod';

test('an operator creates a guide (preview, draft, publish), edits it from its newest version, and publishes an older version from its history; each change audited as them; English and Welsh', async (t) => {
  const { kernel, browser, library, send, countVersions } = await startAuthoring(t);
  assert.match((await browser.get('/console/operator')).html, new RegExp(`href="${BASE}"[^]*Guidance pages`), 'the operators\' start page lists it');
  assert.match((await browser.get(BASE)).html, /There are no guidance pages yet/);
  const form = await browser.get(`${BASE}/new`);
  assert.equal(form.status, 200);
  assert.match(form.html, /name="slug"[^]*name="type" type="radio" value="guide"[^]*name="body"/);
  assert.match(form.html, /# Part title[^]*href="#markdown-help"/, 'the hint says how the text is divided and links the markdown help');
  const fields = { title: 'Fishing permits', slug: 'fishing-permits', type: 'guide', lang: 'en', description: 'Who needs one', body: GUIDE_BODY };

  const before = await countVersions();
  const preview = await send(`${BASE}/new`, { ...fields, action: 'preview' });
  assert.equal(preview.status, 200);
  assert.match(preview.html, /govuk-notification-banner[^]*Preview: not published/);
  assert.match(preview.html, /Part 1<\/span>Who can get one[^]*if you fish[^]*Part 2<\/span>How to apply[^]*id="what-you-need"[^]*a rod/, 'every part of the guide in turn');
  assert.equal(await countVersions(), before, 'a preview saves nothing');
  assert.equal((await browser.get('/guidance/fishing-permits')).status, 404);

  const saved = await send(`${BASE}/new`, { ...fields, action: 'draft' });
  assert.deepEqual([saved.status, saved.location], [303, `${BASE}/fishing-permits/en/history?done=saved`]);
  assert.equal((await browser.get('/guidance/fishing-permits')).status, 404, 'a draft is not published');
  assert.match((await browser.get(BASE)).html, /Fishing permits[^]*fishing-permits[^]*Guide[^]*English: not published \(newest version 1\)[^]*Add Welsh/);

  const edit = await browser.get(`${BASE}/fishing-permits/en/edit`);
  assert.equal(edit.status, 200);
  assert.ok(edit.html.includes('>' + GUIDE_BODY.replaceAll("'", '&#39;') + '</textarea>'), 'editing starts from the newest version, in the import format');
  assert.doesNotMatch(edit.html, /name="type"/, 'the type is not asked again');
  const published = await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', description: 'Who needs one', body: `${GUIDE_BODY}\n\nIt costs £10.`, basedOn: '1', action: 'publish' });
  assert.deepEqual([published.status, published.location], [303, `${BASE}/fishing-permits/en/history?done=published`]);
  assert.match((await browser.get('/guidance/fishing-permits/how-to-apply')).html, /It costs £10/);
  await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits explained', description: 'Who needs one', body: GUIDE_BODY, basedOn: '2', action: 'draft' });
  assert.match((await browser.get(BASE)).html, /English: version 2 published, newer version 3 not published/);

  const history = await browser.get(`${BASE}/fishing-permits/en/history?done=saved`);
  assert.match(history.html, /Saved as a draft/);
  assert.match(history.html, /Version 3<\/a>[^]*Fishing permits explained[^]*console-person:[^]*Version 2<\/a>[^]*Published[^]*Version 1<\/a>/);
  const version1 = await browser.get(`${BASE}/fishing-permits/en/versions/1`);
  assert.match(version1.html, /Publishing version 1 replaces version 2[^]*Publish version 1[^]*Who can get one/);
  assert.doesNotMatch(version1.html, /It costs £10/);
  const restored = await send(`${BASE}/fishing-permits/en/versions/1/publish`, {});
  assert.deepEqual([restored.status, restored.location], [303, `${BASE}/fishing-permits/en/history?done=published`]);
  assert.doesNotMatch((await browser.get('/guidance/fishing-permits/how-to-apply')).html, /It costs £10/);
  assert.equal((await library.findPublished('fishing-permits', 'en'))?.version, 1);

  // The Welsh, written from the list's "Add Welsh".
  const welsh = await browser.get(`${BASE}/fishing-permits/cy/edit?lang=cy`);
  assert.match(welsh.html, /Golygu fishing-permits yn Cymraeg[^]*Rhagolwg[^]*Cadw fel drafft[^]*Cyhoeddi/);
  await send(`${BASE}/fishing-permits/cy/edit`, { title: 'Trwyddedau pysgota', description: '', body: '# Pwy all gael un\n\nGallwch.', basedOn: '0', action: 'publish' });
  assert.match((await browser.get('/guidance/fishing-permits?lang=cy')).html, /Trwyddedau pysgota/);
  assert.match((await browser.get(`${BASE}?lang=cy`)).html, /Tudalennau canllawiau[^]*Cymraeg: fersiwn 1 wedi&#39;i chyhoeddi/);
  assert.match((await browser.get(`${BASE}/fishing-permits/cy/history?lang=cy`)).html, /Trwyddedau pysgota \(Cymraeg\)/);

  const events = (await kernel.audit.listRecent({ subject: 'guidance:fishing-permits', limit: 50 })).reverse();
  assert.deepEqual(
    events.map((event) => `${event.action} ${event.details?.lang} ${event.details?.version}`),
    ['guidance.page.saved en 1', 'guidance.page.saved en 2', 'guidance.page.published en 2', 'guidance.page.saved en 3', 'guidance.page.published en 1', 'guidance.page.saved cy 1', 'guidance.page.published cy 1'],
  );
  assert.ok(events.every((event) => event.actor.startsWith('console-person:')), 'as the operator');
  assert.ok(events.every((event) => !JSON.stringify(event.details).includes('fish')), 'never the text');
});

test('a step-by-step is created with its steps; every shipped example reads back the same from the text an author edits', async (t) => {
  const { send, library } = await startAuthoring(t);
  const body = 'Get a permit.\n\n## Check you can fish\n\nRead [the guide](/guidance/fishing-permits).\n\n## Buy a rod {and} {optional}\n\nAny shop.';
  const saved = await send(`${BASE}/new`, { title: 'Go fishing', slug: 'go-fishing', type: 'step-by-step', lang: 'cy', description: '', body, action: 'publish' });
  assert.equal(saved.location, `${BASE}/go-fishing/cy/history?done=published`);
  const page = await library.findPublished('go-fishing', 'cy');
  assert.deepEqual(page?.content, contentOf('step-by-step', body));
  assert.equal(page?.content.type === 'step-by-step' && page.content.steps[1]?.logic, 'and');
  const examples = join(import.meta.dirname, '..', 'examples');
  for (const file of await readdir(examples)) {
    const draft = parseMarkdownFile(await readFile(join(examples, file), 'utf8'));
    assert.deepEqual(contentOf(draft.content.type, sourceOf(draft.content)), draft.content, file);
  }
});

test('attacker: bad slugs and types, a type change, text past the limit, a guide with text before its first part, and unknown pages or versions are field errors or 404, never a 500; nothing is saved', async (t) => {
  const { send, browser, library, countVersions } = await startAuthoring(t);
  await library.save({ draft: { slug: 'fishing-permits', lang: 'en', title: 'Fishing permits', description: '', content: { type: 'answer', body: 'Yes.' } }, actor: 'cli', publish: true });
  const before = await countVersions();
  const base = { title: 'A page', slug: 'a-page', type: 'answer', lang: 'en', description: '', body: 'Text', action: 'draft' };
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ slug: 'Not A Slug!' }, 'slug', /The slug must be lower-case letters, digits and single hyphens/],
    [{ slug: '' }, 'slug', /Enter a slug/],
    [{ slug: 'x'.repeat(LIMITS.slug + 1) }, 'slug', /The slug must be/],
    [{ type: 'video' }, 'type', /Select the type of page/],
    [{ lang: 'fr' }, 'lang', /Select the language/],
    [{ title: '   ' }, 'title', /Enter a title/],
    [{ title: 'x'.repeat(LIMITS.title + 1) }, 'title', /The title must be 200 characters or fewer/],
    [{ description: 'x'.repeat(LIMITS.description + 1) }, 'description', /The description must be 1000 characters or fewer/],
    [{ body: 'x'.repeat(LIMITS.markdown + 1) }, 'body', /The text must be 200000 characters or fewer/],
    [{ body: '' }, 'body', /Enter the answer&#39;s text/],
    [{ type: 'guide', body: 'Text first\n\n# Part' }, 'body', /A guide must start with its first part&#39;s heading/],
    [{ type: 'step-by-step', body: '## First {or}\n\nText' }, 'body', /The first step cannot be done with, or instead of, a step before it/],
    [{ slug: 'fishing-permits', type: 'guide', body: '# Part\n\nText' }, 'type', /a page&#39;s type cannot change/],
    [{ slug: 'fishing-permits' }, 'slug', /There is already a page with this slug/],
  ];
  for (const [change, field, message] of cases) {
    for (const action of ['draft', 'preview', 'publish']) {
      const answer = await send(`${BASE}/new`, { ...base, ...change, action });
      const name = `${JSON.stringify(change).slice(0, 80)} ${action}`;
      assert.equal(answer.status, 400, name);
      assert.match(answer.html, new RegExp(`govuk-error-summary[^]*href="#${field}"`), name);
      assert.match(answer.html, new RegExp(`id="${field}-error"[^]*${message.source}`), name);
    }
  }
  // Everything left empty: the summary lists the errors in the form's order, title first.
  const empty = await send(`${BASE}/new`, { title: '', slug: '', type: '', lang: '', description: '', body: '', action: 'draft' });
  assert.deepEqual([...empty.html.matchAll(/govuk-error-summary__list[^]*?<\/ul>/g)].flatMap(([list]) => [...list.matchAll(/href="#(\w+)"/g)].map(([, field]) => field)), ['title', 'slug', 'type', 'lang']);
  const longBody = await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', description: '', body: 'x'.repeat(LIMITS.markdown + 1), action: 'publish' });
  assert.equal(longBody.status, 400);
  // The type comes from the page: a forged type field on the edit form changes nothing.
  const forged = await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', type: 'guide', description: '', body: 'No.', basedOn: '1', action: 'publish' });
  assert.equal(forged.status, 303);
  assert.equal((await library.findPublished('fishing-permits', 'en'))?.content.type, 'answer');
  assert.equal(await countVersions(), before + 1);

  for (const url of [`${BASE}/no-such-page/en/edit`, `${BASE}/no-such-page/en/history`, `${BASE}/fishing-permits/en/versions/99`, `${BASE}/fishing-permits/en/versions/0`, `${BASE}/fishing-permits/en/versions/abc`, `${BASE}/fishing-permits/en/versions/99999999999999999999`, `${BASE}/fishing-permits/fr/history`, `${BASE}/Bad_Slug/en/history`, `${BASE}/fishing-permits/cy/versions/1`]) {
    assert.equal((await browser.get(url)).status, 404, url);
  }
  for (const url of [`${BASE}/fishing-permits/en/versions/99/publish`, `${BASE}/fishing-permits/cy/versions/1/publish`, `${BASE}/no-such-page/en/edit`, `${BASE}/fishing-permits/de/edit`]) {
    assert.equal((await send(url, { title: 'x', body: 'y', action: 'publish' })).status, 404, url);
  }
  assert.equal((await send(`${BASE}/new`, { ...base, action: 'delete' })).status, 400, 'an unknown button');
  assert.equal(await countVersions(), before + 1);
});

test('two authors edit the same version: the second is told, keeps their text, and replaces the first only by saving again; a missing or forged starting version is the same conflict', async (t) => {
  const { browser, send, library, countVersions } = await startAuthoring(t);
  await library.save({ draft: { slug: 'fishing-permits', lang: 'en', title: 'Fishing permits', description: '', content: { type: 'answer', body: 'Yes.' } }, actor: 'cli', publish: true });
  assert.match((await browser.get(`${BASE}/fishing-permits/en/edit`)).html, /name="basedOn" value="1"/);
  assert.equal((await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', body: 'First author.', basedOn: '1', action: 'publish' })).status, 303);
  const second = await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', body: 'Second author.', basedOn: '1', action: 'publish' });
  assert.equal(second.status, 409);
  assert.match(second.html, /govuk-error-summary[^]*href="#body"[^]*Someone saved version 2 after you started editing/);
  assert.match(second.html, /name="basedOn" value="2"[^]*>Second author\.<\/textarea>/, 'their text is kept, now based on the newest');
  const before = await countVersions();
  for (const basedOn of ['', 'abc', '-1', '1e3', '99', '02', '2.0', ' 2']) {
    assert.equal((await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', body: 'Forged.', basedOn, action: 'draft' })).status, 409, basedOn);
  }
  assert.equal((await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', body: 'Forged.', action: 'draft' })).status, 409, 'none given');
  assert.equal(await countVersions(), before);
  assert.equal((await library.findPublished('fishing-permits', 'en'))?.version, 2, 'the first author\'s version is still the one served');
  assert.equal((await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', body: 'Second author.', basedOn: '2', action: 'publish' })).status, 303);
  assert.equal((await library.findPublished('fishing-permits', 'en'))?.version, 3);
});

test('editing a guide keeps the address of every part whose title is unchanged (an imported guide\'s own part slugs too)', async (t) => {
  const { send, browser, library } = await startAuthoring(t);
  const parts = [{ slug: 'overview', title: 'What it is', body: 'A permit.' }, { slug: 'apply-now', title: 'How to apply', body: 'Online.' }];
  await library.save({ draft: { slug: 'fishing-permits', lang: 'en', title: 'Fishing permits', description: '', content: { type: 'guide', parts } }, actor: 'cli', publish: true });
  const body = '# What it is\n\nA permit for rivers.\n\n# How to apply\n\nOnline or by post.\n\n# Costs\n\n£10.';
  assert.equal((await send(`${BASE}/fishing-permits/en/edit`, { title: 'Fishing permits', description: '', body, basedOn: '1', action: 'publish' })).status, 303);
  const page = await library.findPublished('fishing-permits', 'en');
  assert.deepEqual(page?.content.type === 'guide' && page.content.parts.map((part) => part.slug), ['overview', 'apply-now', 'costs']);
  assert.match((await browser.get('/guidance/fishing-permits/apply-now')).html, /Online or by post/);
});

test('attacker: markdown with HTML is escaped in the preview and on the version page; every form needs its CSRF token', async (t) => {
  const { send, browser, civitas, countVersions } = await startAuthoring(t);
  const body = '<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))';
  const preview = await send(`${BASE}/new`, { title: '<b>Bold</b>', slug: 'xss', type: 'answer', lang: 'en', description: '', body, action: 'preview' });
  assert.equal(preview.status, 200);
  assert.doesNotMatch(preview.html, /<script>alert|<img src=x|href="javascript:|<b>Bold/);
  assert.match(preview.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  await send(`${BASE}/new`, { title: '<b>Bold</b>', slug: 'xss', type: 'answer', lang: 'en', description: '', body, action: 'draft' });
  const version = await browser.get(`${BASE}/xss/en/versions/1`);
  assert.doesNotMatch(version.html, /<script>alert|<img src=x|href="javascript:/);

  const before = await countVersions();
  const noToken = { url: `${civitas.baseUrl}${BASE}`, status: 200, html: '' };
  for (const url of [`${BASE}/new`, `${BASE}/xss/en/edit`, `${BASE}/xss/en/versions/1/publish`]) {
    const response = await browser.post({ ...noToken, url: `${civitas.baseUrl}${url}` }, { title: 'x', slug: 'y', type: 'answer', lang: 'en', body: 'z', action: 'publish' });
    assert.equal(response.status, 403, url);
  }
  assert.equal(await countVersions(), before);
  assert.equal((await browser.get('/guidance/xss')).status, 404);
});

test('in Welsh, every authoring page and its errors are in Welsh', async (t) => {
  const { browser, send, library } = await startAuthoring(t);
  browser.cookies.set('civitas_lang', 'cy');
  // Names: the slug, the pseudonym of who saved a version, and the step marker the author typed (syntax, in every language).
  const walk = createWelshWalk([guidanceModule], { names: ['fishing-permits', 'console-person', 'Markdown', 'markdown', '{or}'] });
  const body = '# Pwy all gael un\n\nUnrhyw un.\n\n# Sut i wneud cais\n\nAr-lein.';
  const fields = { title: 'Trwyddedau pysgota', slug: 'fishing-permits', type: 'guide', lang: 'cy', description: 'Pwy sydd angen un', body };
  walk.check((await browser.get(BASE)).html, 'the list, empty');
  walk.check((await browser.get(`${BASE}/new`)).html, 'the form');
  walk.check((await send(`${BASE}/new`, { ...fields, action: 'preview' })).html, 'the preview');
  for (const [change, name] of [[{ slug: '', type: '', title: '' }, 'slug, type, title'], [{ body: 'Testun\n\n# Rhan' }, 'text before a part'], [{ type: 'step-by-step', body: '## Cam {or}' }, 'first step'], [{ slug: 'new' }, 'a reserved slug']] as const) {
    const answer = await send(`${BASE}/new`, { ...fields, ...change, action: 'draft' });
    assert.equal(answer.status, 400, name);
    walk.check(answer.html, `the form with errors: ${name}`);
  }
  await send(`${BASE}/new`, { ...fields, action: 'draft' });
  await send(`${BASE}/fishing-permits/cy/edit`, { ...fields, body: `${body}\n\nRhagor.`, basedOn: '1', action: 'publish' });
  for (const [url, name] of [[BASE, 'the list'], [`${BASE}/fishing-permits/cy/edit`, 'the edit form'], [`${BASE}/fishing-permits/cy/history?done=published`, 'the history'], [`${BASE}/fishing-permits/cy/versions/1`, 'a version'], [`${BASE}/fishing-permits/cy/versions/2`, 'the published version']] as const) {
    const page = await browser.get(url);
    assert.equal(page.status, 200, url);
    walk.check(page.html, name);
  }
  assert.equal((await library.findPublished('fishing-permits', 'cy'))?.version, 2);
  assert.equal(walk.pagesChecked, 12);
  assert.equal(walk.report(), '', 'English on Welsh pages');
});

test('attacker: a version in the address is only its own digits: versions/1.0, 01, +1, 1e0 are the 404 of a version that is not there', async (t) => {
  const { send, browser, library, countVersions } = await startAuthoring(t);
  await library.save({ draft: { slug: 'fishing-permits', lang: 'en', title: 'Fishing permits', description: '', content: { type: 'answer', body: 'Yes.' } }, actor: 'cli', publish: true });
  await library.save({ draft: { slug: 'fishing-permits', lang: 'en', title: 'Fishing permits', description: '', content: { type: 'answer', body: 'No.' } }, actor: 'cli', publish: false });
  assert.equal((await browser.get(`${BASE}/fishing-permits/en/versions/1`)).status, 200);
  const before = await countVersions();
  for (const version of ['1.0', '01', '+1', '1e0', '1.', '0x1', '%201', '1%20', '2147483648', '-1']) {
    assert.equal((await browser.get(`${BASE}/fishing-permits/en/versions/${version}`)).status, 404, version);
    assert.equal((await send(`${BASE}/fishing-permits/en/versions/${version}/publish`, {})).status, 404, `publish ${version}`);
  }
  assert.equal((await library.findPublished('fishing-permits', 'en'))?.version, 1, 'no publish went through');
  assert.equal(await countVersions(), before);
});

test('attacker: the slug new, the address of the form, and any other literal segment of the authoring routes where a slug goes, is refused on the slug field in English and Welsh', async (t) => {
  const { send, browser, library, civitas, countVersions } = await startAuthoring(t);
  const before = await countVersions();
  // Every literal segment the authoring routes have where a slug goes is reserved (read from the app, so a new one is caught).
  const literals = new Set<string>();
  for (const { pattern } of listRoutes(civitas.app)) {
    const first = pattern.startsWith(`${AUTHORING_PATH}/`) ? pattern.slice(AUTHORING_PATH.length + 1).split('/')[0]! : ':';
    if (first !== '' && !first.startsWith(':')) literals.add(first);
  }
  assert.ok(literals.has('new'), [...literals].join());
  assert.deepEqual([...literals].filter((literal) => !RESERVED_SLUGS.includes(literal)), []);

  const base = { title: 'New things', type: 'answer', description: '', body: 'Text', action: 'publish' };
  for (const slug of RESERVED_SLUGS) {
    for (const [lang, message] of [['en', /This slug is used by the addresses of these authoring pages/], ['cy', /Mae cyfeiriadau&#39;r tudalennau awduro hyn yn defnyddio&#39;r slug hwn/]] as const) {
      browser.cookies.set('civitas_lang', lang);
      const answer = await send(`${BASE}/new`, { ...base, slug, lang });
      assert.equal(answer.status, 400, `${slug} ${lang}`);
      assert.match(answer.html, new RegExp(`govuk-error-summary[^]*href="#slug"[^]*id="slug-error"[^]*${message.source}`), `${slug} ${lang}`);
    }
    // The library refuses it too, whoever saves (an import, the command line).
    await assert.rejects(library.save({ draft: { slug, lang: 'en', title: 'New', description: '', content: { type: 'answer', body: 'Yes.' } }, actor: 'cli', publish: true }), (error: GuidanceError) => error.refusal === 'SLUG_RESERVED' && error.statusCode === 400);
  }
  assert.equal(await countVersions(), before);
  assert.equal((await browser.get(`${BASE}/new`)).status, 200, 'the form is still there');
});

test('every refusal checkDraft can give is put on a field with a message of its own, in English and Welsh (never the generic one)', () => {
  const answer: PageDraft = { slug: 'a-page', lang: 'en', title: 'A page', description: '', content: { type: 'answer', body: 'Yes.' } };
  const step = { title: 'Step', logic: 'number', optional: false, body: '' } as const;
  const part = (slug: string, title = 'Part') => ({ slug, title, body: '' });
  const drafts: Record<PageRefusal, PageDraft> = {
    SLUG_INVALID: { ...answer, slug: 'Not A Slug' },
    SLUG_RESERVED: { ...answer, slug: 'new' },
    TITLE_MISSING: { ...answer, title: ' ' },
    TITLE_TOO_LONG: { ...answer, title: 'x'.repeat(LIMITS.title + 1) },
    DESCRIPTION_TOO_LONG: { ...answer, description: 'x'.repeat(LIMITS.description + 1) },
    TEXT_TOO_LONG: { ...answer, content: { type: 'answer', body: 'x'.repeat(LIMITS.markdown + 1) } },
    NO_PARTS: { ...answer, content: { type: 'guide', parts: [] } },
    TOO_MANY_PARTS: { ...answer, content: { type: 'guide', parts: Array.from({ length: LIMITS.parts + 1 }, (_, index) => part(`p${index}`)) } },
    PART_TITLE_MISSING: { ...answer, content: { type: 'guide', parts: [part('p', ' ')] } },
    PART_SLUG_INVALID: { ...answer, content: { type: 'guide', parts: [part('')] } },
    PARTS_SAME_SLUG: { ...answer, content: { type: 'guide', parts: [part('p'), part('p')] } },
    ANSWER_EMPTY: { ...answer, content: { type: 'answer', body: ' ' } },
    NO_STEPS: { ...answer, content: { type: 'step-by-step', introduction: '', steps: [] } },
    TOO_MANY_STEPS: { ...answer, content: { type: 'step-by-step', introduction: '', steps: Array.from({ length: LIMITS.steps + 1 }, () => step) } },
    STEP_TITLE_MISSING: { ...answer, content: { type: 'step-by-step', introduction: '', steps: [{ ...step, title: '' }] } },
    FIRST_STEP_JOINED: { ...answer, content: { type: 'step-by-step', introduction: '', steps: [{ ...step, logic: 'or' }] } },
  };
  const errors = { en: en.guidance.authoring.errors as Record<string, string>, cy: cy.guidance.authoring.errors as Record<string, string> };
  for (const refusal of PAGE_REFUSALS) {
    let thrown: unknown;
    try {
      checkDraft(drafts[refusal]);
    } catch (error) {
      thrown = error;
    }
    assert.ok(thrown instanceof GuidanceError && thrown.code === 'guidance.INVALID_PAGE' && thrown.statusCode === 400, refusal);
    assert.equal(thrown.refusal, refusal, `${refusal}: ${thrown.message}`);
    const fieldError = fieldErrorOf(thrown);
    assert.deepEqual(fieldError, REFUSALS[refusal], refusal);
    assert.notEqual(fieldError.key, 'invalid', refusal);
    assert.ok(errors.en[fieldError.key] && errors.cy[fieldError.key], `${refusal}: ${fieldError.key} in English and Welsh`);
  }
  assert.deepEqual(Object.keys(REFUSALS).sort(), [...PAGE_REFUSALS].sort(), 'a field for every refusal, and no other');
});
