import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { englishCatalogueRuns, findEnglish } from '../../../testing/english-in-welsh.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { setUpProviderAndClient } from '../../exchange/exchange-testing.contract.ts';
import { openCatalogueRecords } from '../marketplace.contract.ts';
import { marketplaceModule } from '../marketplace.module.ts';
import { consoleBrowserOf } from './console-testing.ts';

const OGL = 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';

/** A dataset's answers, a slot a page, with `organisation` as its creator and publisher. */
function datasetAnswers(about: { identifier: string; title: string; description: string; organisation: string }): Record<string, Record<string, string>> {
  return {
    identifier: { answer: about.identifier },
    title: { answer: about.title },
    description: { answer: about.description },
    accessRights: { answer: 'OPEN' },
    securityClassification: { answer: 'OFFICIAL' },
    contactPoint: { contactName: 'Data team', email: 'data@example.gov.uk' },
    creator: { answer: about.organisation },
    publisher: { answer: about.organisation },
    licence: { answer: OGL },
    modified: { answer: '2026-02-28' },
    updateFrequency: { answer: 'freq:annual' },
    version: { answer: '1.0' },
  };
}

test('an owner writes a dataset a question a page, sees the model’s errors on the field, publishes it and edits it', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { providerMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const base = `/console/marketplace/${providerMember.organisation_id}`;
  const owner = await consoleBrowserOf(app, providerMember.organisation_id);
  assert.equal((await owner.send('GET', base)).statusCode, 200);
  const started = await owner.send('POST', `${base}/drafts`, { type: 'dcat:Dataset' });
  assert.equal(started.statusCode, 303);
  const draft = started.headers.location!;

  const wrong = await owner.send('POST', `${draft}/modified`, { answer: '2026-02-30' });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.body, /govuk-error-message[\s\S]*must be a date as YYYY-MM-DD/);
  assert.match(wrong.body, /href="#answer"/);
  const welsh = await owner.send('GET', `${draft}/contactPoint?lang=cy`);
  assert.match(welsh.body, /Cyswllt/);
  const badContact = await owner.send('POST', `${draft}/contactPoint`, { contactName: 'Data team', email: 'not an address' });
  assert.match(badContact.body, /id="email-error"/);

  const answers = datasetAnswers({ identifier: 'road-casualties', title: 'Road casualties', description: 'Reported road casualties in Great Britain.', organisation: 'department-for-transport' });
  answers.keyword = { answer: 'roads\ncasualties' };
  const early = await owner.send('POST', `${draft}/publish`);
  assert.equal(early.statusCode, 400, 'publishing before the required slots are answered');
  assert.match(early.body, new RegExp(`href="${draft}/title"`));
  for (const [slot, form] of Object.entries(answers)) {
    const answered = await owner.send('POST', `${draft}/${slot}`, form);
    assert.equal(answered.statusCode, 303, `${slot}: ${answered.body.slice(0, 200)}`);
  }
  const summary = await owner.send('GET', draft);
  assert.match(summary.body, new RegExp(`href="${draft}/keyword"`));
  assert.equal((await owner.send('POST', `${draft}/publish`)).statusCode, 303);
  const records = openCatalogueRecords(kernel);
  const stored = await records.findRecord('road-casualties');
  assert.deepEqual(stored?.record.keyword, ['roads', 'casualties']);
  assert.equal(stored?.organisationId, providerMember.organisation_id);
  assert.equal((await owner.send('POST', `${draft}/publish`)).statusCode, 404, 'a published draft is gone: a replay finds nothing');

  const editing = (await owner.send('POST', `${base}/drafts`, { edit: 'road-casualties' })).headers.location!;
  assert.equal((await owner.send('GET', `${editing}/identifier`)).statusCode, 404, 'a record keeps its identifier');
  await owner.send('POST', `${editing}/title`, { answer: 'Road casualties, Great Britain' });
  await owner.send('POST', `${editing}/publish`);
  assert.equal((await records.findRecord('road-casualties'))?.version, 2);
});

test('an Exchange service is published from its organisation’s page, prefilled from its OpenAPI description', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { providerMember, serviceId, service } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const base = `/console/marketplace/${providerMember.organisation_id}`;
  const owner = await consoleBrowserOf(app, providerMember.organisation_id);
  assert.match((await owner.send('GET', base)).body, new RegExp(`value="${serviceId}"`));
  const draft = (await owner.send('POST', `${base}/drafts`, { service: serviceId })).headers.location!;
  const summary = await owner.send('GET', draft);
  const address = `${kernel.config.BASE_URL.replace(/\/$/, '')}/r1/${service}`;
  assert.match(summary.body, /PIP award/);
  assert.ok(summary.body.includes(address));
  assert.match(summary.body, /getOpenAPI\?serviceCode=pip-award/);
  assert.match(summary.body, />\s*REST\s*</);
});

test('attacks: another organisation sees nothing, a viewer changes nothing, a draft or record of another organisation is not reached', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { providerMember, clientMember, serviceId } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const base = `/console/marketplace/${providerMember.organisation_id}`;
  const owner = await consoleBrowserOf(app, providerMember.organisation_id);
  const draft = (await owner.send('POST', `${base}/drafts`, { type: 'dcat:Dataset' })).headers.location!;
  const draftId = draft.split('/').pop()!;

  const stranger = await consoleBrowserOf(app, clientMember.organisation_id);
  assert.equal((await stranger.send('GET', base)).statusCode, 404);
  assert.equal((await stranger.send('GET', draft)).statusCode, 404);
  assert.equal((await stranger.send('POST', `${base}/drafts`, { type: 'dcat:Dataset' })).statusCode, 404);
  const theirBase = `/console/marketplace/${clientMember.organisation_id}`;
  assert.equal((await stranger.send('GET', `${theirBase}/drafts/${draftId}`)).statusCode, 404, "another organisation's draft under one's own");
  assert.equal((await stranger.send('POST', `${theirBase}/drafts`, { service: serviceId })).statusCode, 404, "another organisation's Exchange service");

  await openCatalogueRecords(kernel).saveRecord({ document: { type: 'dcat:Dataset', identifier: 'theirs', title: 'Theirs', description: 'x', accessRights: 'OPEN', securityClassification: 'OFFICIAL', contactPoint: { contactName: 'A', email: 'a@example.gov.uk' }, creator: ['a'], publisher: 'a', licence: OGL, modified: '2026-01-01', updateFrequency: 'freq:annual', version: '1' }, organisationId: providerMember.organisation_id, actor: 'test' });
  assert.equal((await stranger.send('POST', `${theirBase}/drafts`, { edit: 'theirs' })).statusCode, 404, "another organisation's record");
  const made = (await stranger.send('POST', `${theirBase}/drafts`, { type: 'dcat:Dataset' })).headers.location!;
  await stranger.send('POST', `${made}/identifier`, { answer: 'theirs' });
  const takeover = await stranger.send('POST', `${made}/publish`);
  assert.equal(takeover.statusCode, 400);
  assert.equal((await openCatalogueRecords(kernel).findRecord('theirs'))?.organisationId, providerMember.organisation_id, 'the record stays its holder’s');

  const viewer = await consoleBrowserOf(app, providerMember.organisation_id, 'viewer');
  assert.equal((await viewer.send('GET', draft)).statusCode, 200);
  assert.equal((await viewer.send('POST', `${draft}/title`, { answer: 'Mine now' })).statusCode, 403);
  assert.equal((await viewer.send('POST', `${base}/drafts`, { type: 'dcat:Dataset' })).statusCode, 403);

  assert.equal((await owner.send('POST', `${draft}/title`, { answer: 'x'.repeat(501) })).statusCode, 400, 'past the slot’s limit');
  assert.equal((await owner.send('GET', `${draft}/notASlot`)).statusCode, 404);
  assert.equal((await owner.send('POST', `${base}/drafts`, { type: 'dcat:Distribution' })).statusCode, 404);
});

test('the model’s problems are in Welsh on Welsh pages: on the field, in the error summary and when publishing', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { providerMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const base = `/console/marketplace/${providerMember.organisation_id}`;
  const owner = await consoleBrowserOf(app, providerMember.organisation_id);
  const draft = (await owner.send('POST', `${base}/drafts`, { type: 'dcat:DataService' })).headers.location!;
  await owner.send('GET', `${draft}?lang=cy`);
  const catalogueRuns = englishCatalogueRuns([marketplaceModule]);
  const expectWelsh = (body: string, what: string) => {
    assert.match(body, /<html lang="cy"/, what);
    assert.deepEqual(findEnglish(body, { catalogueRuns }), [], `${what}: no English`);
  };

  const date = await owner.send('POST', `${draft}/modified`, { answer: '2026-02-30' });
  assert.equal(date.statusCode, 400);
  assert.match(date.body, /govuk-error-message[\s\S]*rhaid iddo fod yn ddyddiad ar ffurf BBBB-MM-DD/);
  expectWelsh(date.body, 'a date that is not one');
  const contact = await owner.send('POST', `${draft}/contactPoint`, { contactName: 'Tîm data', email: 'not an address' });
  assert.match(contact.body, /id="email-error"[\s\S]*rhaid iddo fod yn gyfeiriad e-bost/);
  expectWelsh(contact.body, 'a contact point with no email address');
  const choice = await owner.send('POST', `${draft}/serviceType`, { answer: 'CORBA' });
  assert.match(choice.body, /rhaid iddo fod yn un o EVENT, REST, SOAP/, 'the parameters are filled in');
  const long = await owner.send('POST', `${draft}/title`, { answer: 'x'.repeat(501) });
  assert.match(long.body, /rhaid iddo fod yn 500 nod neu lai/);
  const early = await owner.send('POST', `${draft}/publish`);
  assert.equal(early.statusCode, 400);
  assert.match(early.body, /yn ofynnol/);
  expectWelsh(early.body, 'publishing with slots unanswered');

  await owner.send('GET', `${draft}?lang=en`);
  assert.match((await owner.send('POST', `${draft}/modified`, { answer: '2026-02-30' })).body, /must be a date as YYYY-MM-DD/, 'English on English pages');
});

test('every problem of the model has Welsh text, with the same placeholders as its English', () => {
  const read = (locale: string) => (JSON.parse(readFileSync(join(import.meta.dirname, `../locales/${locale}.json`), 'utf8')) as { marketplace: { problems: Record<string, string> } }).marketplace.problems;
  const [english, welsh] = [read('en'), read('cy')];
  assert.deepEqual(Object.keys(welsh).sort(), Object.keys(english).sort());
  const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((match) => match[0]).sort();
  for (const [key, text] of Object.entries(english)) assert.deepEqual(placeholders(welsh[key]!), placeholders(text), key);
});

test('publishing as another organisation is refused on the publisher and creator pages, English and Welsh (attacker: Org Beta as HMRC)', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { providerMember, clientMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const setHmrcSlug = (slug: string | null) =>
    kernel.db.withTables<{ console_organisation: { id: string; govuk_slug: string | null } }>().updateTable('console_organisation').set({ govuk_slug: slug }).where('id', '=', providerMember.organisation_id).execute();
  await setHmrcSlug('hm-revenue-customs');
  const base = `/console/marketplace/${clientMember.organisation_id}`;
  const beta = await consoleBrowserOf(app, clientMember.organisation_id);
  const draft = (await beta.send('POST', `${base}/drafts`, { type: 'dcat:Dataset' })).headers.location!;
  const answers = datasetAnswers({ identifier: 'official-hmrc-dataset', title: 'Official HMRC dataset', description: 'Looks official.', organisation: 'hm-revenue-customs' });
  const onItsPage = await beta.send('POST', `${draft}/publisher`, { answer: 'hm-revenue-customs' });
  assert.equal(onItsPage.statusCode, 400, 'said on the publisher’s own page');
  assert.match(onItsPage.body, /govuk-error-message[\s\S]*another organisation’s identifier on Civitas/);
  // The draft may still hold it (as one written before the rule): publishing refuses it.
  await setHmrcSlug(null);
  for (const [slot, form] of Object.entries(answers)) assert.equal((await beta.send('POST', `${draft}/${slot}`, form)).statusCode, 303, slot);
  await setHmrcSlug('hm-revenue-customs');
  const refused = await beta.send('POST', `${draft}/publish`);
  assert.equal(refused.statusCode, 400);
  assert.match(refused.body, new RegExp(`href="${draft}/publisher"[^>]*>[^<]*another organisation’s identifier on Civitas`));
  assert.match(refused.body, new RegExp(`href="${draft}/creator"`));
  await beta.send('GET', `${draft}?lang=cy`);
  assert.match((await beta.send('POST', `${draft}/publish`)).body, /dynodwr sefydliad arall ar Civitas/);
  assert.equal(await openCatalogueRecords(kernel).findRecord('official-hmrc-dataset'), undefined);
});
