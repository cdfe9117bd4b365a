import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { openFormVersions } from '../forms.contract.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { fieldsOfPage, fieldsOfSettings } from './builder-fields.ts';
import { builderBrowserOf, createBuilderTeam } from './builder.test-kit.ts';
import { createFormBuilder } from './form-builder.ts';

const EVERY_TYPE: Array<[string, Record<string, string | string[]>]> = [
  ['selection', { question: 'What kind of licence do you need?', options: 'Rod licence\nNet licence', noneOfTheAbove: 'yes', guidance: '## Which licence\n\n- Rod\n- Net' }],
  ['name', { question: 'What is your name?', nameInput: 'first_and_last', nameTitle: 'yes' }],
  ['organisation_name', { question: 'What is your organisation called?', optional: 'yes' }],
  ['email', { question: 'What is your email address?', hint: 'We only use it to reply.' }],
  ['phone_number', { question: 'What is your phone number?' }],
  ['national_insurance_number', { question: 'What is your National Insurance number?' }],
  ['address', { question: 'What is your address?', addressKind: 'uk' }],
  ['date', { question: 'What is your date of birth?', dateOfBirth: 'yes' }],
  ['number', { question: 'How many rods?', repeatable: 'yes' }],
  ['text', { question: 'Tell us more', multiline: 'yes' }],
  ['file', { question: 'Upload a photo', fileTypes: ['jpg', 'png'], maxSizeMb: '5' }],
];

const SETTINGS = {
  name: 'Apply for a fishing licence',
  whatHappensNext: 'We will reply within 10 working days.',
  declaration: 'I confirm the information is correct.',
  privacyUrl: 'https://example.gov.uk/privacy',
  supportEmail: 'fishing@example.gov.uk',
  submissionEmail: 'team@example.gov.uk',
  referenceFormat: 'FISH-######',
  paymentAmount: '',
  signIn: 'none',
};

async function buildForm(t: TestContext, environment: Record<string, string> = {}) {
  const { app, kernel } = await createTestApp(t, { environment });
  const team = await createBuilderTeam(app);
  const owner = await builderBrowserOf(app, team);
  const created = await owner.send('POST', `${team.servicePath}/new`, { name: 'Apply for a fishing licence', slug: 'fishing-licence' });
  assert.equal(created.statusCode, 303, created.body.slice(0, 300));
  const formPath = created.headers.location!.split('?')[0]!;
  const formId = formPath.split('/').at(-1)!;
  for (const [type, fields] of EVERY_TYPE) {
    const chosen = await owner.send('POST', `${formPath}/pages/new`, { answerType: type });
    assert.equal(chosen.headers.location, `${formPath}/pages/new/${type}`);
    const added = await owner.send('POST', chosen.headers.location!, fields);
    assert.equal(added.statusCode, 303, `${type}: ${added.body.slice(0, 2000)}`);
  }
  return { app, kernel, team, owner, formPath, formId };
}

const auditActions = async (kernel: Awaited<ReturnType<typeof createTestApp>>['kernel'], formId: string) =>
  (await kernel.audit.listRecent({ limit: 200 })).filter((event) => event.subject === `form:${formId}`).map((event) => event.action).sort();

test('a team builds a form with every answer type, routing and an exit page, previews it as the runner draws it, publishes it and archives it', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t);
  const consolePage = await owner.send('GET', `/console/organisations/${team.organisationId}/services/${team.serviceId}`);
  assert.match(consolePage.body, new RegExp(`href="${team.servicePath}"`), 'the console’s page of the service links to its forms');
  const organisationPage = await owner.send('GET', `/console/organisations/${team.organisationId}`);
  assert.match(organisationPage.body, new RegExp(`href="/console/forms/${team.organisationId}"`), 'the organisation’s console page links to its forms');
  const index = await owner.send('GET', `/console/forms/${team.organisationId}`);
  assert.match(index.body, new RegExp(`href="${team.servicePath}"`));
  assert.match(index.body, new RegExp(`href="${formPath}">Apply for a fishing licence</a>`));
  const list = await owner.send('GET', team.servicePath);
  assert.match(list.body, /Apply for a fishing licence/);
  assert.match(list.body, /Draft/);

  const exit = await owner.send('POST', `${formPath}/exit-pages/new`, { heading: 'You cannot apply', body: 'You need a **rod** or a **net** licence.' });
  assert.equal(exit.statusCode, 303, exit.body.slice(0, 500));
  const exitPreview = await owner.send('GET', `${formPath}/exit-pages/exit-you-cannot-apply/preview`);
  assert.equal(exitPreview.statusCode, 200);
  assert.match(exitPreview.body, /<h1 class="govuk-heading-l">You cannot apply<\/h1>[\s\S]*You need a <strong>rod<\/strong>/);
  const page = await owner.send('GET', formPath);
  assert.equal((page.body.match(/<h3 class="govuk-heading-s/g) ?? []).length, EVERY_TYPE.length);
  const routes = await owner.send('GET', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`);
  assert.equal(routes.statusCode, 200);
  assert.match(routes.body, /value="exit-you-cannot-apply"/);
  assert.doesNotMatch(routes.body, /<option value="what-is-your-name"/, 'the next page is where people go anyway, so it is not offered');
  const forged = await owner.send('POST', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`, { 'route-1': 'what-is-your-name' });
  assert.equal(forged.statusCode, 400);
  assert.match(forged.body, /govuk-error-summary[\s\S]*href="#route-1"/);
  const routed = await owner.send('POST', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`, { 'route-1': 'what-is-your-email-address', 'route-2': 'exit-you-cannot-apply' });
  assert.equal(routed.statusCode, 303);

  const early = await owner.send('POST', `${formPath}/publish`);
  assert.equal(early.statusCode, 400, 'settings are not complete');
  assert.match(early.body, /govuk-error-summary[\s\S]*href="[^"]*\/settings#privacyUrl"/);
  const badSettings = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, privacyUrl: 'http://example.gov.uk', referenceFormat: 'AB##' });
  assert.equal(badSettings.statusCode, 400);
  assert.match(badSettings.body, /href="#privacyUrl"/);
  assert.match(badSettings.body, /href="#referenceFormat"/);
  assert.equal((await owner.send('POST', `${formPath}/settings`, SETTINGS)).statusCode, 303);

  const preview = await owner.send('GET', `${formPath}/pages/what-kind-of-licence-do-you-need/preview`);
  assert.equal(preview.statusCode, 200);
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
  const listed = await openFormVersions({ db: kernel.db, audit: kernel.audit }).listVersions(formId);
  assert.deepEqual(listed.map((version) => version.status), ['live']);
  const submissionsLink = new RegExp(`href="${formPath}/submissions"`);
  assert.match((await owner.send('GET', formPath)).body, submissionsLink, 'a published form links to its submissions');
  assert.equal((await owner.send('GET', `${formPath}/submissions`)).statusCode, 200);

  // The preview is the runner's page: the same question form, field for field.
  const runner = await app.inject({ method: 'GET', url: '/forms/fishing-licence/pages/what-kind-of-licence-do-you-need' });
  assert.equal(runner.statusCode, 200);
  const formOf = (html: string) => /<form method="post" novalidate>([\s\S]*?)<\/form>/.exec(html)?.[1]?.replace(/name="_csrf" value="[^"]*"/, '');
  assert.ok(formOf(runner.body)?.includes('Rod licence'));
  assert.equal(formOf(preview.body), formOf(runner.body));

  // Export gives back the definition built, and it imports again.
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const exported = await versions.exportDefinition(formId);
  assert.equal(exported.pages.length, EVERY_TYPE.length);
  assert.deepEqual(exported.pages[0]!.routes, [{ answer: 'Net licence', goTo: 'what-is-your-email-address' }, { answer: 'none', goTo: 'exit-you-cannot-apply' }]);
  assert.deepEqual(exported.pages.at(-1)!.settings, { fileTypes: ['jpg', 'png'], maxSizeMb: 5 });
  await versions.importForm({ serviceId: team.serviceId, definition: exported, actor: 'test' });
  assert.deepEqual(await versions.exportDefinition(formId), exported);

  // A change: a draft until published again; people who started keep their version.
  assert.doesNotMatch((await owner.send('GET', formPath)).body, /Changes not published yet/);
  await owner.send('POST', `${formPath}/pages/what-is-your-phone-number/move`, { direction: 'up' });
  const moved = await owner.send('GET', formPath);
  assert.match(moved.body, /Changes not published yet/);
  assert.match(moved.body, /<th[^>]*>Version<\/th>[\s\S]*>2<\/td>\s*<td[^>]*>Live<\/td>[\s\S]*>1<\/td>\s*<td[^>]*>Archived<\/td>/);
  assert.ok(moved.body.indexOf('4. What is your phone number?') < moved.body.indexOf('5. What is your email address?'));
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
  assert.equal((await versions.findLive('fishing-licence'))?.definition.pages[3]!.id, 'what-is-your-phone-number');

  const archived = await owner.send('POST', `${formPath}/archive`);
  assert.equal(archived.statusCode, 303);
  assert.equal((await app.inject({ method: 'GET', url: '/forms/fishing-licence' })).statusCode, 404);
  assert.match((await owner.send('GET', team.servicePath)).body, /Archived/);
  assert.deepEqual(await auditActions(kernel, formId), ['forms.form.archived', 'forms.form.created', 'forms.version.published', 'forms.version.published', 'forms.version.published']);
});

test('routing errors are shown on the form page and block publishing', async (t) => {
  const { kernel, owner, formPath, formId } = await buildForm(t);
  await owner.send('POST', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`, { 'route-0': 'what-is-your-email-address' });
  // Moving the target up before the question makes the route go backwards.
  for (let step = 0; step < 3; step += 1) await owner.send('POST', `${formPath}/pages/what-is-your-email-address/move`, { direction: 'up' });
  const page = await owner.send('GET', formPath);
  assert.match(page.body, /govuk-warning-text[\s\S]*The route goes back to an earlier question/, 'shown while the settings are not complete yet too');
  const incomplete = await owner.send('POST', `${formPath}/publish`);
  assert.match(incomplete.body, /govuk-error-summary[\s\S]*Form settings: [\s\S]*Question 2: The route goes back to an earlier question/, 'every problem at once');
  await owner.send('POST', `${formPath}/settings`, SETTINGS);
  const refused = await owner.send('POST', `${formPath}/publish`);
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /govuk-error-summary[\s\S]*Question 2: The route goes back to an earlier question/);
  assert.equal((await openFormVersions({ db: kernel.db, audit: kernel.audit }).listVersions(formId)).length, 0, 'nothing published');
  // Deleting the page the route went to removes the route, and the form publishes.
  assert.equal((await owner.send('GET', `${formPath}/pages/what-is-your-email-address/delete`)).statusCode, 200);
  assert.equal((await owner.send('POST', `${formPath}/pages/what-is-your-email-address/delete`)).statusCode, 303);
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
});

test('errors on a question page are shown on their fields; a form offered in Welsh needs every Welsh text', async (t) => {
  const { owner, formPath } = await buildForm(t);
  const empty = await owner.send('POST', `${formPath}/pages/new/selection`, { question: '', options: 'Only one' });
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /govuk-error-summary[\s\S]*href="#question"[\s\S]*href="#options"/);
  assert.match(empty.body, /id="options-error"/);
  const long = await owner.send('POST', `${formPath}/pages/new/text`, { question: 'x'.repeat(501) });
  assert.match(long.body, /Must be 500 characters or fewer/);
  const file = await owner.send('POST', `${formPath}/pages/new/file`, { question: 'A file', maxSizeMb: '9' });
  assert.match(file.body, /href="#maxSizeMb"/);

  assert.equal((await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, welsh: 'yes', nameCy: 'Gwneud cais am drwydded bysgota', whatHappensNextCy: 'Byddwn yn ateb.', declarationCy: 'Rwy’n cadarnhau.' })).statusCode, 303);
  const welshMissing = await owner.send('POST', `${formPath}/publish`);
  assert.equal(welshMissing.statusCode, 400);
  assert.match(welshMissing.body, /Enter the Welsh version/);
  const welshPage = await owner.send('GET', `${formPath}/pages/what-is-your-name?lang=cy`);
  assert.match(welshPage.body, /Testun y cwestiwn yn Gymraeg/);
  assert.match(welshPage.body, /id="questionCy"/);
});

test('attacker: a selection question with two options people cannot tell apart, or one that is “None of the above” when the question adds it, is refused on its options field, in English and Welsh; nothing saved', async (t) => {
  const { owner, formPath, formId, kernel } = await buildForm(t);
  // Offered in Welsh, so the Welsh options are on the page.
  assert.equal((await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, welsh: 'yes', nameCy: 'Gwneud cais am drwydded bysgota', whatHappensNextCy: 'Byddwn yn ateb.', declarationCy: 'Rwy’n cadarnhau.' })).statusCode, 303);
  const draftOf = async () => JSON.stringify((await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions: openFormVersions({ db: kernel.db, audit: kernel.audit }) }).openForm(formId))?.definition);
  const draftBefore = await draftOf();
  const refusals: Array<[Record<string, string>, string, RegExp, RegExp]> = [
    [{ options: 'Yes\nYes' }, 'options', /Each option must be different/, /Rhaid i bob opsiwn fod yn wahanol/],
    [{ options: 'Yes\n  yES \nNo' }, 'options', /Each option must be different/, /Rhaid i bob opsiwn fod yn wahanol/],
    [{ options: 'Rod\nnone of the above', noneOfTheAbove: 'yes' }, 'options', /An option cannot be “None of the above”: the question adds it/, /Ni all opsiwn fod yn “Dim un o’r uchod”/],
    [{ options: 'Rod\nNet', optionsCy: 'Gwialen\ngwialen ' }, 'optionsCy', /Each option must be different/, /Rhaid i bob opsiwn fod yn wahanol/],
    [{ options: 'Rod\nNet', optionsCy: 'Gwialen\nDim un o\'r uchod', noneOfTheAbove: 'yes' }, 'optionsCy', /An option cannot be “None of the above”/, /Ni all opsiwn fod yn “Dim un o’r uchod”/],
  ];
  for (const [fields, field, english, welsh] of refusals) {
    for (const [lang, message] of [['en', english], ['cy', welsh]] as const) {
      const refused = await owner.send('POST', `${formPath}/pages/new/selection?lang=${lang}`, { question: 'Which licence?', ...fields });
      assert.equal(refused.statusCode, 400, `${JSON.stringify(fields)} in ${lang}`);
      assert.match(refused.body, new RegExp(`govuk-error-summary[\\s\\S]*href="#${field}"`), `${JSON.stringify(fields)} on ${field}`);
      assert.match(refused.body, new RegExp(`id="${field}-error"[\\s\\S]*${message.source}`), `${JSON.stringify(fields)} in ${lang}`);
    }
  }
  assert.equal(await draftOf(), draftBefore, 'nothing saved');
  const kept = await owner.send('POST', `${formPath}/pages/new/selection`, { question: 'Which licence?', questionCy: 'Pa drwydded?', options: 'Rod\nNet\nNone', optionsCy: 'Gwialen\nRhwyd\nDim', noneOfTheAbove: 'yes' });
  assert.equal(kept.statusCode, 303, 'different options, and a “None” that is not “None of the above”, are fine');
});

test('attacker: a settings or question value the page does not offer (a sign-in level, Welsh, a payment, a reference format, a radio or checkbox of a question) is refused on its field, in English and Welsh; nothing saved', async (t) => {
  const { owner, formPath, formId, kernel } = await buildForm(t);
  assert.equal((await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, signIn: 'Cl' })).statusCode, 303);
  const draftOf = async () => JSON.stringify((await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions: openFormVersions({ db: kernel.db, audit: kernel.audit }) }).openForm(formId))?.definition);
  const draftBefore = await draftOf();
  const settings: Array<[Record<string, string | string[]>, string]> = [
    [{ signIn: 'Cl.Cm.P2' }, 'signIn'],
    [{ signIn: 'P2' }, 'signIn'],
    [{ signIn: ['Cl', 'Cl.Cm'] }, 'signIn'],
    [{ welsh: 'no' }, 'welsh'],
    [{ welsh: ['yes', 'yes'] }, 'welsh'],
    [{ paymentAmount: '-5' }, 'paymentAmount'],
    [{ referenceFormat: 'abc' }, 'referenceFormat'],
  ];
  for (const [fields, field] of settings) {
    const refused = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, ...fields });
    assert.equal(refused.statusCode, 400, JSON.stringify(fields));
    assert.match(refused.body, new RegExp(`govuk-error-summary[\\s\\S]*href="#${field}"`), JSON.stringify(fields));
  }
  const english = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, signIn: 'Cl.Cm.P2' });
  assert.match(english.body, /id="signIn-error"[\s\S]*Select from the options shown/);
  const welsh = await owner.send('POST', `${formPath}/settings?lang=cy`, { ...SETTINGS, signIn: 'Cl.Cm.P2' });
  assert.match(welsh.body, /id="signIn-error"[\s\S]*Dewiswch o’r opsiynau a ddangosir/);
  const questions: Array<[string, Record<string, string | string[]>, string]> = [
    ['selection', { options: 'Rod\nNet', multiple: 'both' }, 'multiple'],
    ['selection', { options: 'Rod\nNet', noneOfTheAbove: 'true' }, 'noneOfTheAbove'],
    ['name', { nameInput: 'middle' }, 'nameInput'],
    ['name', { nameTitle: 'no' }, 'nameTitle'],
    ['address', { addressKind: 'mars' }, 'addressKind'],
    ['date', { dateOfBirth: '1' }, 'dateOfBirth'],
    ['text', { multiline: 'maybe' }, 'multiline'],
    ['text', { optional: 'no' }, 'optional'],
    ['number', { repeatable: 'on' }, 'repeatable'],
    ['file', { fileTypes: ['pdf', 'exe'] }, 'fileTypes'],
    ['file', { fileTypes: ['pdf', 'pdf'] }, 'fileTypes'],
  ];
  for (const [type, fields, field] of questions) {
    const refused = await owner.send('POST', `${formPath}/pages/new/${type}?lang=en`, { question: 'A question?', ...fields });
    assert.equal(refused.statusCode, 400, `${type} ${JSON.stringify(fields)}`);
    assert.match(refused.body, new RegExp(`id="${field}-error"[\\s\\S]*Select from the options shown`), `${type} ${JSON.stringify(fields)}`);
  }
  assert.equal(await draftOf(), draftBefore, 'nothing saved: the form still asks for Cl');
  assert.match(draftBefore, /"signIn":"Cl"/);
});

test('attackers: another organisation, a forged form id, a viewer posting, no CSRF token, oversized input', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t);
  const otherTeam = await createBuilderTeam(app, 'Department for Mischief');
  const other = await builderBrowserOf(app, otherTeam);
  const before = JSON.stringify((await owner.send('GET', formPath)).body.length);

  assert.equal((await other.send('GET', `/console/forms/${team.organisationId}`)).statusCode, 404, 'another organisation’s forms');
  assert.equal((await other.send('GET', formPath)).statusCode, 404, 'another organisation does not see the form');
  assert.equal((await other.send('POST', `${formPath}/publish`)).statusCode, 404);
  const underOwnPath = formPath.replace(team.organisationId, otherTeam.organisationId);
  assert.equal((await other.send('GET', underOwnPath)).statusCode, 404, 'the form under the attacker’s own organisation is not found');
  assert.equal((await other.send('POST', `${underOwnPath}/pages/what-is-your-name`, { question: 'Hacked' })).statusCode, 404);
  assert.equal((await other.send('GET', team.servicePath.replace(team.organisationId, otherTeam.organisationId))).statusCode, 404, 'another organisation’s service');
  assert.equal((await other.send('POST', `${team.servicePath.replace(team.organisationId, otherTeam.organisationId)}/new`, { name: 'X', slug: 'x-form' })).statusCode, 404);
  assert.equal((await owner.send('GET', formPath.replace(formId, '00000000-0000-4000-8000-000000000000'))).statusCode, 404, 'a forged form id');
  assert.notEqual((await owner.send('GET', formPath.replace(formId, '../../x'))).statusCode, 200);
  assert.equal((await owner.send('GET', `${formPath}/pages/no-such-page`)).statusCode, 404);
  assert.equal((await owner.send('GET', `${formPath}/pages/what-is-your-name/routes`)).statusCode, 404, 'a name question has no routing');

  const viewer = await builderBrowserOf(app, team, 'viewer');
  const read = await viewer.send('GET', formPath);
  assert.equal(read.statusCode, 200);
  assert.doesNotMatch(read.body, /Publish form/);
  assert.equal((await viewer.send('POST', `${formPath}/publish`)).statusCode, 403);
  assert.equal((await viewer.send('POST', `${formPath}/pages/what-is-your-name`, { question: 'Changed by a viewer' })).statusCode, 403);
  assert.equal((await viewer.send('POST', `${team.servicePath}/new`, { name: 'Viewer form', slug: 'viewer-form' })).statusCode, 403);

  assert.equal((await owner.send('POST', `${formPath}/pages/what-is-your-name`, { question: 'No token' }, { csrf: false })).statusCode, 403, 'no CSRF token');
  const huge = await owner.send('POST', `${formPath}/pages/what-is-your-name`, { question: 'x'.repeat(300 * 1024) });
  assert.equal(huge.statusCode, 413);
  const tooLong = await owner.send('POST', `${formPath}/pages/what-is-your-name`, { question: 'x'.repeat(5000), nameInput: 'full' });
  assert.equal(tooLong.statusCode, 400);
  assert.match(tooLong.body, /govuk-error-summary/);
  const badSlug = await owner.send('POST', `${team.servicePath}/new`, { name: 'Files', slug: 'files' });
  assert.match(badSlug.body, /href="#slug"/);
  const taken = await other.send('POST', `${otherTeam.servicePath}/new`, { name: 'Copy', slug: 'fishing-licence' });
  assert.equal(taken.statusCode, 400);
  assert.match(taken.body, /Another form already has this address/);

  const after = await owner.send('GET', formPath);
  assert.match(after.body, /What is your name\?/);
  assert.doesNotMatch(after.body, /Hacked|Changed by a viewer|No token/);
  assert.equal(JSON.stringify(after.body.length), before);
  assert.deepEqual(await auditActions(kernel, formId), ['forms.form.created']);
});

test('two changes made at the same time are both kept; deleting an exit page removes the routes to it', async (t) => {
  const { owner, formPath } = await buildForm(t);
  const [first, second] = await Promise.all([
    owner.send('POST', `${formPath}/pages/new/text`, { question: 'First at once' }),
    owner.send('POST', `${formPath}/pages/new/text`, { question: 'Second at once' }),
  ]);
  assert.deepEqual([first.statusCode, second.statusCode], [303, 303]);
  const page = await owner.send('GET', formPath);
  assert.match(page.body, /First at once/);
  assert.match(page.body, /Second at once/);

  await owner.send('POST', `${formPath}/exit-pages/new`, { heading: 'You cannot apply', body: 'Sorry.' });
  await owner.send('POST', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`, { 'route-2': 'exit-you-cannot-apply' });
  assert.match((await owner.send('GET', formPath)).body, /go to “You cannot apply”/);
  assert.equal((await owner.send('POST', `${formPath}/exit-pages/exit-you-cannot-apply/delete`)).statusCode, 303);
  const after = await owner.send('GET', formPath);
  assert.doesNotMatch(after.body, /You cannot apply/);
  assert.equal((await owner.send('GET', `${formPath}/exit-pages/exit-you-cannot-apply/preview`)).statusCode, 404);
});

test('an imported form opens in the builder, and saving every page and its settings as shown changes nothing: export gives back what was imported', async (t) => {
  const { app, kernel } = await createTestApp(t);
  // Apply for a Blue Badge takes a payment: its service has a Pay account.
  const team = await createBuilderTeam(app, undefined, { payAccountId: 'pay-account-of-the-service' });
  const owner = await builderBrowserOf(app, team);
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  for (const file of ['../fixtures/every-answer-type.form.json', '../examples/apply-for-a-blue-badge.form.json']) {
    const definition = JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8')) as FormDefinition;
    const { formId } = await versions.importForm({ serviceId: team.serviceId, definition, actor: 'test' });
    const imported = await versions.exportDefinition(formId);
    const formPath = `/console/forms/${team.organisationId}/forms/${formId}`;
    assert.equal((await owner.send('GET', formPath)).statusCode, 200);
    for (const page of imported.pages) {
      assert.equal((await owner.send('GET', `${formPath}/pages/${page.id}`)).statusCode, 200, page.id);
      assert.equal((await owner.send('GET', `${formPath}/pages/${page.id}/preview`)).statusCode, 200, page.id);
      const saved = await owner.send('POST', `${formPath}/pages/${page.id}`, fieldsOfPage(page));
      assert.equal(saved.statusCode, 303, `${page.id}: ${saved.body.slice(0, 1500)}`);
    }
    const draft = await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions }).openForm(formId);
    const saved = await owner.send('POST', `${formPath}/settings`, fieldsOfSettings(draft!.definition));
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 1500));
    assert.doesNotMatch((await owner.send('GET', formPath)).body, /Changes not published yet/, definition.slug);
    assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
    assert.deepEqual(await versions.exportDefinition(formId), imported, definition.slug);
  }
});

test('an eligibility check page keeps its check and its answer type when edited, and its rules are shown on the fields', async (t) => {
  const { app, kernel } = await createTestApp(t);
  // Apply for a Blue Badge takes a payment: its service has a Pay account.
  const team = await createBuilderTeam(app, undefined, { payAccountId: 'pay-account-of-the-service' });
  const owner = await builderBrowserOf(app, team);
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const definition = JSON.parse(readFileSync(join(import.meta.dirname, '../examples/apply-for-a-blue-badge.form.json'), 'utf8')) as FormDefinition;
  const { formId } = await versions.importForm({ serviceId: team.serviceId, definition, actor: 'test' });
  const formPath = `/console/forms/${team.organisationId}/forms/${formId}`;
  const check = definition.pages.find((page) => page.eligibilityCheck)!;
  const optional = await owner.send('POST', `${formPath}/pages/${check.id}`, { ...fieldsOfPage(check), optional: 'yes' });
  assert.equal(optional.statusCode, 400);
  assert.match(optional.body, /An eligibility check is asked once and is not optional/);
  const draft = (await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions }).openForm(formId))!.definition;
  const noSignIn = await owner.send('POST', `${formPath}/settings`, { ...fieldsOfSettings(draft), signIn: 'none' });
  assert.equal(noSignIn.statusCode, 400);
  assert.match(noSignIn.body, /href="#signIn"/);
  const renamed = await owner.send('POST', `${formPath}/pages/${check.id}`, { ...fieldsOfPage(check), question: 'Can we check your PIP award now?', questionCy: 'Gawn ni wirio eich dyfarniad PIP nawr?' });
  assert.equal(renamed.statusCode, 303, renamed.body.slice(0, 500));
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
  const published = (await versions.exportDefinition(formId)).pages.find((page) => page.id === check.id)!;
  assert.equal(published.question.en, 'Can we check your PIP award now?');
  assert.deepEqual(published.eligibilityCheck, check.eligibilityCheck);
  // Its answer type is not changed: no answer-type page, and a type sent with its form is ignored.
  assert.equal((await owner.send('GET', `${formPath}/pages/${check.id}/answer-type`)).statusCode, 404);
  assert.equal((await owner.send('POST', `${formPath}/pages/${check.id}/answer-type`, { answerType: 'text' })).statusCode, 404);
  assert.doesNotMatch((await owner.send('GET', `${formPath}/pages/${check.id}?answerType=text`)).body, /You are changing this question/);
  assert.equal((await owner.send('POST', `${formPath}/pages/${check.id}`, { ...fieldsOfPage(check), answerType: 'text' })).statusCode, 303);
  const keptCheck = (await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions }).openForm(formId))!.definition.pages.find((page) => page.id === check.id)!;
  assert.equal(keptCheck.answerType, check.answerType);
  assert.deepEqual(keptCheck.eligibilityCheck, check.eligibilityCheck);
});

test('publishing a change from the builder never breaks a person halfway through the version before', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t);
  await owner.send('POST', `${formPath}/settings`, SETTINGS);
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);

  // A person answers the first question of version 1.
  const cookies = new Map<string, string>();
  const person = async (method: 'GET' | 'POST', url: string, fields: Record<string, string> = {}, token = '') => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await app.inject(
      method === 'GET'
        ? { method, url, headers: { cookie } }
        : { method, url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: token, ...fields }).toString() },
    );
    for (const set of response.cookies) cookies.set(set.name, set.value);
    return response;
  };
  const first = await person('GET', '/forms/fishing-licence/pages/what-kind-of-licence-do-you-need');
  const token = /name="_csrf" value="([^"]+)"/.exec(first.body)![1]!;
  const answered = await person('POST', '/forms/fishing-licence/pages/what-kind-of-licence-do-you-need', { answer: 'Rod licence' }, token);
  assert.equal(answered.statusCode, 303);
  assert.equal(answered.headers.location, '/forms/fishing-licence/pages/what-is-your-name');

  // The team renames the next question and publishes version 2.
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const namePage = (await createFormBuilder({ db: kernel.db, audit: kernel.audit, versions }).openForm(formId))!.definition.pages[1]!;
  assert.equal((await owner.send('POST', `${formPath}/pages/${namePage.id}`, { ...fieldsOfPage(namePage), question: 'What is your full legal name?' })).statusCode, 303);
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);

  const halfway = await person('GET', '/forms/fishing-licence/pages/what-is-your-name');
  assert.equal(halfway.statusCode, 200);
  assert.match(halfway.body, /What is your name\?/, 'the person halfway keeps version 1');
  const newcomer = await app.inject({ method: 'GET', url: '/forms/fishing-licence/pages/what-kind-of-licence-do-you-need' });
  assert.equal(newcomer.statusCode, 200);
  const started = await app.inject({ method: 'GET', url: '/forms/fishing-licence' });
  assert.ok(started.statusCode < 400);
  assert.deepEqual((await versions.listVersions(formId)).map((version) => version.status), ['archived', 'live']);
  assert.equal((await versions.findLive('fishing-licence'))?.definition.pages[1]!.question.en, 'What is your full legal name?');
  const published = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.action === 'forms.version.published' && event.subject === `form:${formId}`);
  assert.equal(published.length, 2);
  assert.equal((published[0]!.details as Record<string, unknown>).organisationId, team.organisationId, 'audited with the member’s organisation');
});

test('a form that takes a payment is published only when its service has a Pay account', async (t) => {
  const { app } = await createTestApp(t);
  for (const [team, expected] of [[await createBuilderTeam(app, 'Without Pay'), 400], [await createBuilderTeam(app, 'With Pay', { payAccountId: 'pay-account-of-the-service' }), 303]] as const) {
    const owner = await builderBrowserOf(app, team);
    const formPath = (await owner.send('POST', `${team.servicePath}/new`, { name: 'Pay a fee', slug: `pay-a-fee-${expected}` })).headers.location!.split('?')[0]!;
    await owner.send('POST', `${formPath}/pages/new/email`, { question: 'What is your email address?' });
    const badAmount = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, name: 'Pay a fee', paymentAmount: '10.5', paymentDescription: 'Licence fee' });
    assert.match(badAmount.body, /href="#paymentAmount"/);
    assert.equal((await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, name: 'Pay a fee', paymentAmount: '£10.00', paymentDescription: 'Licence fee' })).statusCode, 303);
    const published = await owner.send('POST', `${formPath}/publish`);
    assert.equal(published.statusCode, expected);
    if (expected === 400) assert.match(published.body, /href="[^"]*\/settings#paymentAmount">Form settings: Set up the service’s GOV.UK Pay account/);
  }
});

test('past the definition’s limits: a 51st exit page is refused on its field, and the form keeps 50', async (t) => {
  const { owner, formPath } = await buildForm(t);
  for (let count = 1; count <= 50; count += 1) {
    assert.equal((await owner.send('POST', `${formPath}/exit-pages/new`, { heading: `Exit ${count}`, body: 'Sorry.' })).statusCode, 303);
  }
  const refused = await owner.send('POST', `${formPath}/exit-pages/new`, { heading: 'Exit 51', body: 'Sorry.' });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, /href="#heading">A form can have at most 50 exit pages/);
  const page = await owner.send('GET', formPath);
  assert.equal((page.body.match(/\/exit-pages\/exit-exit-\d+"/g) ?? []).length, 50);
});

test('the webhook address and retention period are set in the settings: the address is checked by the kernel’s outbound rules, on saving and on publishing', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t, { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' });
  const refused = async (fields: Record<string, string>, field: string, message: RegExp) => {
    const response = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, ...fields });
    assert.equal(response.statusCode, 400, JSON.stringify(fields));
    assert.match(response.body, new RegExp(`govuk-error-summary[\\s\\S]*href="#${field}"`), JSON.stringify(fields));
    assert.match(response.body, message, JSON.stringify(fields));
    assert.match(response.body, new RegExp(`id="${field}-error"`));
  };
  await refused({ webhookUrl: 'http://127.0.0.1:9/hook' }, 'webhookUrl', /Enter an address on the internet, not a private or local one/);
  await refused({ webhookUrl: 'http://[::1]/hook' }, 'webhookUrl', /not a private or local one/);
  await refused({ webhookUrl: 'http://localhost/hook' }, 'webhookUrl', /not a private or local one/);
  await refused({ webhookUrl: 'https://user:secret@receiver.example/hook' }, 'webhookUrl', /without a user name or password/);
  await refused({ webhookUrl: 'ftp://receiver.example/hook' }, 'webhookUrl', /starting https:\/\//);
  await refused({ webhookUrl: `https://receiver.example/${'x'.repeat(3000)}` }, 'webhookUrl', /Must be \d+ characters or fewer/);
  for (const days of ['ten', '0', '3651', '-1', '1.5', '99999']) await refused({ retentionDays: days }, 'retentionDays', /Enter a whole number from 1 to 3650/);

  const saved = await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, webhookUrl: 'https://receiver.example/hook', retentionDays: '90' });
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 1500));
  const shown = await owner.send('GET', `${formPath}/settings`);
  assert.match(shown.body, /id="webhookUrl" name="webhookUrl" type="url" spellcheck="false" value="https:\/\/receiver.example\/hook"/);
  assert.match(shown.body, /id="retentionDays" name="retentionDays" type="text"[^>]*value="90"/);
  assert.equal((await owner.send('POST', `${formPath}/publish`)).statusCode, 303);
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const published = await versions.exportDefinition(formId);
  assert.equal(published.settings.webhookUrl, 'https://receiver.example/hook');
  assert.equal(published.settings.retentionDays, 90);

  // Emptied, they are gone: no webhook, and the default 30 days.
  assert.equal((await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, webhookUrl: '', retentionDays: '' })).statusCode, 303);
  const builder = createFormBuilder({ db: kernel.db, audit: kernel.audit, versions });
  const emptied = (await builder.openForm(formId))!.definition.settings;
  assert.equal('webhookUrl' in emptied || 'retentionDays' in emptied, false);

  // A draft that holds a private address (written before the rules changed, say) is refused on publishing, on the field.
  await builder.changeDraft({ formId, actor: 'test', change: (draft) => ({ ...draft, settings: { ...draft.settings, webhookUrl: 'http://10.0.0.7/hook' } }) });
  const blocked = await owner.send('POST', `${formPath}/publish`);
  assert.equal(blocked.statusCode, 400);
  assert.match(blocked.body, /href="[^"]*\/settings#webhookUrl">Form settings: Enter an address on the internet, not a private or local one/);
  assert.equal((await versions.exportDefinition(formId)).settings.webhookUrl, 'https://receiver.example/hook', 'the live version keeps its webhook');

  // Attackers: another organisation, a viewer, no CSRF token.
  const otherTeam = await createBuilderTeam(app, 'Department for Mischief');
  const other = await builderBrowserOf(app, otherTeam);
  const stolen = { ...SETTINGS, webhookUrl: 'https://attacker.example/steal' };
  assert.equal((await other.send('GET', `${formPath}/settings`)).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath}/settings`, stolen)).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath.replace(team.organisationId, otherTeam.organisationId)}/settings`, stolen)).statusCode, 404);
  const viewer = await builderBrowserOf(app, team, 'viewer');
  assert.equal((await viewer.send('GET', `${formPath}/settings`)).statusCode, 200);
  assert.equal((await viewer.send('POST', `${formPath}/settings`, stolen)).statusCode, 403);
  assert.equal((await owner.send('POST', `${formPath}/settings`, stolen, { csrf: false })).statusCode, 403);
  assert.equal((await builder.openForm(formId))!.definition.settings.webhookUrl, 'http://10.0.0.7/hook', 'nobody else changed it');
});

test('preview of the journey’s end: check your answers with the declaration, then the confirmation, drawn by the runner’s own views, in English and Welsh', async (t) => {
  const { app, team, owner, formPath } = await buildForm(t);
  const early = await owner.send('GET', `${formPath}/preview/confirmation`);
  assert.equal(early.statusCode, 200, 'a draft without its settings yet is previewed too');

  await owner.send('POST', `${formPath}/settings`, { ...SETTINGS, welsh: 'yes', nameCy: 'Gwneud cais am drwydded bysgota', whatHappensNextCy: 'Byddwn yn ateb o fewn 10 diwrnod gwaith.', declarationCy: 'Rwy’n cadarnhau bod yr wybodaeth yn gywir.', supportPhone: '0300 123 4567', supportPhoneCy: '0300 123 4567' });
  const page = await owner.send('GET', formPath);
  assert.match(page.body, new RegExp(`href="${formPath}/preview/check-answers">Preview check your answers and the declaration`));
  assert.match(page.body, new RegExp(`href="${formPath}/preview/confirmation">Preview the confirmation page`));
  const lastPage = await owner.send('POST', `${formPath}/pages/upload-a-photo/preview`);
  assert.equal(lastPage.headers.location, `${formPath}/preview/check-answers`, 'the last question’s preview goes on to check your answers');

  const check = await owner.send('GET', `${formPath}/preview/check-answers`);
  assert.equal(check.statusCode, 200);
  assert.match(check.body, /<h1 class="govuk-heading-l">Check your answers before submitting your form<\/h1>/);
  assert.equal((check.body.match(/govuk-summary-list__row/g) ?? []).length, EVERY_TYPE.length, 'every question, as none is answered yet');
  assert.match(check.body, new RegExp(`href="${formPath}/pages/what-is-your-name/preview"`), 'change links go to each question’s preview');
  assert.match(check.body, /<h2 class="govuk-heading-m">Declaration<\/h2>\s*<p class="govuk-body">I confirm the information is correct.<\/p>/);
  assert.match(check.body, /Agree and submit/);
  assert.match(check.body, new RegExp(`href="${formPath}/pages/upload-a-photo/preview" class="govuk-back-link"`));
  const welshCheck = await owner.send('GET', `${formPath}/preview/check-answers?lang=cy`);
  assert.match(welshCheck.body, /Gwiriwch eich atebion cyn cyflwyno eich ffurflen/);
  assert.match(welshCheck.body, /Rwy’n cadarnhau bod yr wybodaeth yn gywir./);

  const submitted = await owner.send('POST', `${formPath}/preview/check-answers`);
  assert.equal(submitted.statusCode, 303);
  assert.equal(submitted.headers.location, `${formPath}/preview/confirmation`);
  const confirmation = await owner.send('GET', `${submitted.headers.location!}?lang=en`);
  assert.equal(confirmation.statusCode, 200);
  assert.match(confirmation.body, /govuk-panel__title[^>]*>\s*Your form has been submitted/);
  assert.match(confirmation.body, /<strong>FISH-XXXXXX<\/strong>/, 'a reference in the form’s format');
  assert.match(confirmation.body, /We will reply within 10 working days./);
  assert.match(confirmation.body, /href="mailto:fishing@example.gov.uk"/);
  assert.match(confirmation.body, /0300 123 4567/);
  assert.match(confirmation.body, /href="https:\/\/example.gov.uk\/privacy"/);
  assert.match(confirmation.body, new RegExp(`href="/feedback/${team.serviceId}"`));
  const welsh = await owner.send('GET', `${formPath}/preview/confirmation?lang=cy`);
  assert.match(welsh.body, /Mae eich ffurflen wedi’i chyflwyno/);
  assert.match(welsh.body, /Byddwn yn ateb o fewn 10 diwrnod gwaith./);

  // Previewing submits nothing: the form is not even live.
  assert.equal(await app.inject({ method: 'GET', url: '/forms/fishing-licence/confirmation' }).then((response) => response.statusCode), 404, 'nothing published: nothing submitted by the preview');

  // Attackers: another organisation, a viewer submitting the preview, no CSRF token.
  const otherTeam = await createBuilderTeam(app, 'Department for Mischief');
  const other = await builderBrowserOf(app, otherTeam);
  for (const path of ['preview/check-answers', 'preview/confirmation']) {
    assert.equal((await other.send('GET', `${formPath}/${path}`)).statusCode, 404, path);
    assert.equal((await other.send('GET', `${formPath.replace(team.organisationId, otherTeam.organisationId)}/${path}`)).statusCode, 404, path);
  }
  assert.equal((await other.send('POST', `${formPath}/preview/check-answers`)).statusCode, 404);
  const viewer = await builderBrowserOf(app, team, 'viewer');
  assert.equal((await viewer.send('GET', `${formPath}/preview/check-answers`)).statusCode, 200, 'a viewer may look');
  assert.equal((await viewer.send('POST', `${formPath}/preview/check-answers`)).statusCode, 403);
  assert.equal((await owner.send('POST', `${formPath}/preview/check-answers`, {}, { csrf: false })).statusCode, 403);
});

test('a form never published is deleted after a confirmation page, audited; a published one cannot be', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t);
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const page = await owner.send('GET', formPath);
  assert.match(page.body, new RegExp(`href="${formPath}/delete"`), 'a draft offers deleting');
  const confirm = await owner.send('GET', `${formPath}/delete`);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /<h1 class="govuk-heading-l">Are you sure you want to delete this form\?<\/h1>/);
  assert.match(confirm.body, /‘Apply for a fishing licence’ has never been published/);
  assert.match(confirm.body, new RegExp(`<a class="govuk-link" href="${formPath}">Cancel</a>`));

  // Attackers first: another organisation, a viewer, no CSRF token; the form stays.
  const otherTeam = await createBuilderTeam(app, 'Department for Mischief');
  const other = await builderBrowserOf(app, otherTeam);
  assert.equal((await other.send('GET', `${formPath}/delete`)).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath}/delete`)).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath.replace(team.organisationId, otherTeam.organisationId)}/delete`)).statusCode, 404);
  const viewer = await builderBrowserOf(app, team, 'viewer');
  const viewerPage = await viewer.send('GET', formPath);
  assert.doesNotMatch(viewerPage.body, new RegExp(`href="${formPath}/delete"`));
  assert.equal((await viewer.send('POST', `${formPath}/delete`)).statusCode, 403);
  assert.equal((await owner.send('POST', `${formPath}/delete`, {}, { csrf: false })).statusCode, 403);
  assert.equal((await owner.send('GET', formPath)).statusCode, 200, 'still there');

  const deleted = await owner.send('POST', `${formPath}/delete`);
  assert.equal(deleted.statusCode, 303);
  assert.equal(deleted.headers.location, `${team.servicePath}?done=deleted`);
  const list = await owner.send('GET', deleted.headers.location!);
  assert.match(list.body, /govuk-notification-banner--success[\s\S]*Your form has been deleted/);
  assert.match(list.body, /This service has no forms yet/);
  assert.equal((await owner.send('GET', formPath)).statusCode, 404);
  assert.equal((await owner.send('POST', `${formPath}/delete`)).statusCode, 404, 'a replay finds nothing');
  await assert.rejects(versions.exportDefinition(formId), /no such form/);
  const audited = (await kernel.audit.listRecent({ limit: 100 })).filter((event) => event.subject === `form:${formId}`);
  assert.deepEqual(audited.map((event) => event.action).sort(), ['forms.form.created', 'forms.form.deleted']);
  const details = audited.find((event) => event.action === 'forms.form.deleted')!.details as Record<string, unknown>;
  assert.equal(details.slug, 'fishing-licence');
  assert.equal(details.organisationId, team.organisationId);
  // Its address is free again.
  assert.equal((await owner.send('POST', `${team.servicePath}/new`, { name: 'Fishing again', slug: 'fishing-licence' })).statusCode, 303);

  // A form published once (live or archived) keeps its versions and submissions: no delete.
  const again = (await owner.send('GET', team.servicePath)).body.match(/href="(\/console\/forms\/[^"]+\/forms\/[0-9a-f-]{36})"/)![1]!;
  await owner.send('POST', `${again}/pages/new/text`, { question: 'What is your name?' });
  await owner.send('POST', `${again}/settings`, { ...SETTINGS, name: 'Fishing again' });
  assert.equal((await owner.send('POST', `${again}/publish`)).statusCode, 303);
  for (const state of ['live', 'archived']) {
    assert.doesNotMatch((await owner.send('GET', again)).body, new RegExp(`href="${again}/delete"`), state);
    assert.equal((await owner.send('GET', `${again}/delete`)).statusCode, 404, state);
    assert.equal((await owner.send('POST', `${again}/delete`)).statusCode, 404, state);
    await owner.send('POST', `${again}/archive`);
  }
  assert.equal((await owner.send('GET', again)).statusCode, 200);
});

test('changing a question’s answer type keeps its texts, optional and "add another", and drops what no longer applies', async (t) => {
  const { app, kernel, team, owner, formPath, formId } = await buildForm(t);
  const versions = openFormVersions({ db: kernel.db, audit: kernel.audit });
  const builder = createFormBuilder({ db: kernel.db, audit: kernel.audit, versions });
  const draftPage = async (id: string) => (await builder.openForm(formId))!.definition.pages.find((page) => page.id === id)!;
  await owner.send('POST', `${formPath}/pages/what-kind-of-licence-do-you-need/routes`, { 'route-1': 'what-is-your-email-address' });

  // A name question becomes a text question: the type page shows its type, the editor the new type's fields.
  const editor = await owner.send('GET', `${formPath}/pages/what-is-your-name`);
  assert.match(editor.body, new RegExp(`href="${formPath}/pages/what-is-your-name/answer-type">Change the kind of answer`));
  const choose = await owner.send('GET', `${formPath}/pages/what-is-your-name/answer-type`);
  assert.equal(choose.statusCode, 200);
  assert.match(choose.body, /value="name" checked/);
  const chosen = await owner.send('POST', `${formPath}/pages/what-is-your-name/answer-type`, { answerType: 'text' });
  assert.equal(chosen.headers.location, `${formPath}/pages/what-is-your-name?answerType=text`);
  const inText = await owner.send('GET', chosen.headers.location!);
  assert.match(inText.body, /You are changing this question from Person’s name to Text/);
  assert.match(inText.body, /<input type="hidden" name="answerType" value="text">/);
  assert.match(inText.body, /id="question" name="question" type="text" value="What is your name\?"/);
  assert.match(inText.body, /name="multiline"/);
  assert.doesNotMatch(inText.body, /name="nameInput"/);
  assert.equal((await draftPage('what-is-your-name')).answerType, 'name', 'nothing changes until saved');
  const before = await draftPage('what-is-your-name');
  assert.equal((await owner.send('POST', `${formPath}/pages/what-is-your-name`, { ...fieldsOfPage(before), answerType: 'text', optional: 'yes' })).statusCode, 303);
  const asText = await draftPage('what-is-your-name');
  assert.deepEqual(asText, { id: 'what-is-your-name', answerType: 'text', question: { en: 'What is your name?' }, optional: true }, 'the name’s fields and title are gone');

  // The selection with routes becomes a text question: its routes go; its hint and guidance stay.
  const selection = await draftPage('what-kind-of-licence-do-you-need');
  assert.equal((await owner.send('POST', `${formPath}/pages/${selection.id}`, { ...fieldsOfPage(selection), answerType: 'text' })).statusCode, 303);
  const unrouted = await draftPage(selection.id);
  assert.equal(unrouted.answerType, 'text');
  assert.equal(unrouted.routes, undefined);
  assert.equal(unrouted.settings, undefined);
  assert.deepEqual(unrouted.guidance, selection.guidance);

  // A repeatable number cannot become a file question while it is repeatable; a text without options cannot become a selection.
  const rods = await draftPage('how-many-rods');
  const fileRefused = await owner.send('POST', `${formPath}/pages/how-many-rods`, { ...fieldsOfPage(rods), answerType: 'file' });
  assert.equal(fileRefused.statusCode, 400);
  assert.match(fileRefused.body, /href="#repeatable"/);
  assert.match(fileRefused.body, /<input type="hidden" name="answerType" value="file">/, 'still changing');
  assert.equal((await owner.send('POST', `${formPath}/pages/how-many-rods`, { ...fieldsOfPage(rods), repeatable: '', answerType: 'file', fileTypes: ['pdf'] })).statusCode, 303);
  assert.deepEqual((await draftPage('how-many-rods')).settings, { fileTypes: ['pdf'] });
  const noOptions = await owner.send('POST', `${formPath}/pages/tell-us-more`, { question: 'Tell us more', answerType: 'selection' });
  assert.equal(noOptions.statusCode, 400);
  assert.match(noOptions.body, /href="#options"/);
  assert.equal((await draftPage('tell-us-more')).answerType, 'text');
  // Choosing its own type again changes nothing; no type chosen is an error on the field.
  assert.equal((await owner.send('POST', `${formPath}/pages/tell-us-more/answer-type`, { answerType: 'text' })).headers.location, `${formPath}/pages/tell-us-more`);
  const none = await owner.send('POST', `${formPath}/pages/tell-us-more/answer-type`, { answerType: 'poem' });
  assert.equal(none.statusCode, 400);
  assert.match(none.body, /href="#answerType"/);
  assert.equal((await owner.send('GET', `${formPath}/pages/tell-us-more?answerType=poem`)).statusCode, 400);

  // Attackers: another organisation, a viewer, no CSRF token.
  const otherTeam = await createBuilderTeam(app, 'Department for Mischief');
  const other = await builderBrowserOf(app, otherTeam);
  assert.equal((await other.send('GET', `${formPath}/pages/tell-us-more/answer-type`)).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath}/pages/tell-us-more/answer-type`, { answerType: 'number' })).statusCode, 404);
  assert.equal((await other.send('POST', `${formPath}/pages/tell-us-more`, { question: 'Hacked', answerType: 'number' })).statusCode, 404);
  const viewer = await builderBrowserOf(app, team, 'viewer');
  assert.doesNotMatch((await viewer.send('GET', `${formPath}/pages/tell-us-more`)).body, /answer-type">Change the kind of answer/);
  assert.equal((await viewer.send('POST', `${formPath}/pages/tell-us-more`, { question: 'Tell us more', answerType: 'number' })).statusCode, 403);
  assert.equal((await owner.send('POST', `${formPath}/pages/tell-us-more`, { question: 'Tell us more', answerType: 'number' }, { csrf: false })).statusCode, 403);
  assert.equal((await draftPage('tell-us-more')).answerType, 'text');
});

test('attacker: publishing and deleting a never-published form at the same moment leaves either a deleted form or a published one, never a version without its form', async (t) => {
  const { kernel, owner, formPath, formId } = await buildForm(t);
  assert.equal((await owner.send('POST', `${formPath}/settings`, SETTINGS)).statusCode, 303);
  const [published, deleted] = await Promise.all([owner.send('POST', `${formPath}/publish`), owner.send('POST', `${formPath}/delete`)]);
  const versions = await openFormVersions({ db: kernel.db, audit: kernel.audit }).listVersions(formId);
  const formStays = (await owner.send('GET', formPath)).statusCode === 200;
  if (formStays) {
    assert.equal(published.statusCode, 303, 'published first: the delete finds a published form');
    assert.deepEqual(versions.map((version) => version.status), ['live']);
    assert.notEqual(deleted.headers.location?.includes('done=deleted'), true);
  } else {
    assert.equal(deleted.statusCode, 303, 'deleted first: publishing finds no form');
    assert.equal(versions.length, 0, 'no version is left behind without its form');
    assert.notEqual(published.statusCode, 500);
  }
});
