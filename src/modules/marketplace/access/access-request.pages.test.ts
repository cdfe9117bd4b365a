import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { setUpProviderAndClient } from '../../exchange/exchange-testing.contract.ts';
import { createConsoleTeam } from '../../console/teams/console-teams-testing.contract.ts';
import { consoleBrowserOf } from '../console/console-testing.ts';
import { recordPath } from '../pages/record-address.ts';
import { findLatestAskedLastDay } from '../../exchange/exchange.contract.ts';
import { publishPipRecords } from './access-testing.ts';

const NEXT_YEAR = String(new Date().getUTCFullYear() + 1);

/** A provider whose PIP service is in the catalogue as a data service (and a dataset it serves), and a client organisation with its subsystem. */
async function setUpCatalogue(t: TestContext) {
  const { app, kernel } = await createTestApp(t);
  const exchange = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', grant: false, fields: false });
  const address = await publishPipRecords(kernel, exchange);
  const provider = exchange.providerMember.organisation_id;
  const consumer = exchange.clientMember.organisation_id;
  const askPath = (identifier: string) => `/console/marketplace/${consumer}/requests/new?${new URLSearchParams({ record: identifier })}`;
  const form = { purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: ['$.status', '$.rate'], 'until-day': '31', 'until-month': '12', 'until-year': NEXT_YEAR, subsystem: exchange.client };
  return { app, kernel, exchange, address, provider, consumer, askPath, form };
}

async function readOutbox(kernel: Awaited<ReturnType<typeof createTestApp>>['kernel'], recipient: string) {
  await kernel.createWorker().runUntilIdle();
  return ((await kernel.developmentOutbox?.listRecent(50)) ?? []).filter((message) => message.recipient === recipient);
}

test('a member asks for access from a record page, the provider narrows and approves it, both are told, and the agreement is in force', async (t) => {
  const { app, kernel, address, provider, consumer, askPath, form } = await setUpCatalogue(t);
  const asker = await consoleBrowserOf(app, consumer, 'developer');
  const page = await asker.send('GET', recordPath('/console/data', 'pip-awards'));
  assert.ok(page.body.includes(askPath('pip-awards').replaceAll('&', '&amp;')), 'a dataset served by an Exchange service has the button');
  assert.match((await asker.send('GET', recordPath('/console/data', address))).body, /Ask for access/);
  assert.doesNotMatch((await asker.send('GET', recordPath('/console/data', 'no-service'))).body, /Ask for access/);

  assert.equal((await asker.send('GET', askPath('pip-awards'))).statusCode, 200);
  const empty = await asker.send('POST', askPath('pip-awards'), { 'until-day': '30', 'until-month': '2', 'until-year': NEXT_YEAR });
  assert.equal(empty.statusCode, 400);
  for (const id of ['purpose', 'lawfulBasis', 'fields', 'until-day', 'subsystem']) assert.ok(empty.body.includes(`href="#${id}"`), id);
  assert.match(empty.body, /id="purpose-error"/);
  const welsh = await asker.send('GET', `${askPath('pip-awards')}&lang=cy`);
  assert.match(welsh.body, /Sail gyfreithlon/);
  await asker.send('GET', `${askPath('pip-awards')}&lang=en`);

  const providerOwner = await consoleBrowserOf(app, provider, 'owner');
  const asked = await asker.send('POST', askPath('pip-awards'), form);
  assert.equal(asked.statusCode, 303, asked.body.slice(0, 300));
  const consumerView = asked.headers.location!;
  const requestId = consumerView.split('/').pop()!;
  assert.match((await asker.send('GET', consumerView)).body, /Waiting for review/);
  const [received] = await readOutbox(kernel, providerOwner.member.email);
  assert.ok(received?.text.includes(`/console/marketplace/${provider}/requests/${requestId}`), 'the provider’s owners are told');

  const review = `/console/marketplace/${provider}/requests/${requestId}`;
  assert.match((await providerOwner.send('GET', `/console/marketplace/${provider}/requests`)).body, /PIP awards/);
  const later = await providerOwner.send('POST', `${review}/amend`, { fields: '$.status', 'until-day': '1', 'until-month': '1', 'until-year': String(Number(NEXT_YEAR) + 1) });
  assert.equal(later.statusCode, 400, 'narrowing never gives more time');
  assert.match(later.body, /no later than the one asked for/);
  assert.equal((await providerOwner.send('POST', `${review}/amend`, { fields: '$.status', 'until-day': '30', 'until-month': '6', 'until-year': NEXT_YEAR })).statusCode, 303);
  assert.equal((await providerOwner.send('POST', `${review}/approve`)).statusCode, 303);

  const status = await asker.send('GET', consumerView);
  assert.match(status.body, /Approved/);
  assert.match(status.body, /In force/);
  assert.match(status.body, new RegExp(`${NEXT_YEAR}-06-30`));
  const [decided] = await readOutbox(kernel, asker.member.email);
  assert.match(decided?.text ?? '', /has been approved/);

  const replay = await providerOwner.send('POST', `${review}/approve`);
  assert.equal(replay.statusCode, 409, 'a replayed approval changes nothing');
  assert.match(replay.body, /already been decided/);
});

test('the provider refuses with a reason (required); the requester sees it and is told', async (t) => {
  const { app, kernel, provider, consumer, askPath, form } = await setUpCatalogue(t);
  const asker = await consoleBrowserOf(app, consumer);
  const requestId = (await asker.send('POST', askPath('pip-awards'), form)).headers.location!.split('/').pop()!;
  const providerOwner = await consoleBrowserOf(app, provider, 'developer');
  const review = `/console/marketplace/${provider}/requests/${requestId}`;
  assert.match((await providerOwner.send('GET', review)).body, /Blue Badge eligibility/);
  const noReason = await providerOwner.send('POST', `${review}/refuse`, { reason: '  ' });
  assert.equal(noReason.statusCode, 400);
  assert.match(noReason.body, /href="#reason"/);
  assert.equal((await providerOwner.send('POST', `${review}/refuse`, { reason: 'x'.repeat(501) })).statusCode, 400, 'past the limit');
  assert.equal((await providerOwner.send('POST', `${review}/refuse`, { reason: 'No lawful gateway for this purpose' })).statusCode, 303);
  const status = await asker.send('GET', `/console/marketplace/${consumer}/requests/${requestId}`);
  assert.match(status.body, /Refused/);
  assert.match(status.body, /No lawful gateway for this purpose/);
  assert.match((await readOutbox(kernel, asker.member.email))[0]?.text ?? '', /refused[\s\S]*No lawful gateway/);
  assert.equal((await providerOwner.send('POST', `${review}/approve`)).statusCode, 409, 'a refused request is not approved after');
  assert.match((await asker.send('GET', `/console/marketplace/${consumer}/requests?lang=cy`)).body, /Wedi&#39;i wrthod|Wedi'i wrthod/);
});

test('attacks: no service behind the record, another organisation reviewing, a viewer approving, another organisation’s subsystem', async (t) => {
  const { app, exchange, provider, consumer, askPath, form } = await setUpCatalogue(t);
  const asker = await consoleBrowserOf(app, consumer);
  assert.equal((await asker.send('GET', askPath('no-service'))).statusCode, 404);
  assert.equal((await asker.send('POST', askPath('no-service'), form)).statusCode, 404, 'a record with no Exchange service refuses a POST');
  assert.equal((await asker.send('POST', askPath('nowhere'), form)).statusCode, 404);
  const theirSubsystem = await asker.send('POST', askPath('pip-awards'), { ...form, subsystem: exchange.provider });
  assert.equal(theirSubsystem.statusCode, 400, 'another organisation’s subsystem is not one to choose');
  assert.match(theirSubsystem.body, /href="#subsystem"/);
  assert.equal((await asker.send('POST', askPath('pip-awards'), { ...form, fields: ['$.status', '$.notAField'] })).statusCode, 400, 'a field the service does not have');
  assert.equal((await asker.send('POST', askPath('pip-awards'), { ...form, purpose: 'x'.repeat(501) })).statusCode, 400);
  const providerOwner = await consoleBrowserOf(app, provider);
  assert.equal((await providerOwner.send('GET', `/console/marketplace/${provider}/requests/new?record=pip-awards`)).statusCode, 404, 'a provider does not ask itself');

  const requestId = (await asker.send('POST', askPath('pip-awards'), form)).headers.location!.split('/').pop()!;
  const asReviewer = `/console/marketplace/${consumer}/requests/${requestId}`;
  assert.equal((await asker.send('POST', `${asReviewer}/approve`)).statusCode, 404, 'the requester cannot approve its own request');
  assert.equal((await asker.send('POST', `/console/marketplace/${provider}/requests/${requestId}/approve`)).statusCode, 404, 'nor under the provider’s address');
  const third = (await createConsoleTeam(app, { name: 'Department for Other Things' })).organisationId;
  const stranger = await consoleBrowserOf(app, third);
  assert.equal((await stranger.send('GET', `/console/marketplace/${third}/requests/${requestId}`)).statusCode, 404, 'another organisation does not see it');
  assert.equal((await stranger.send('POST', `/console/marketplace/${third}/requests/${requestId}/approve`)).statusCode, 404, 'nor approve it');
  assert.equal((await stranger.send('POST', `/console/marketplace/${provider}/requests/${requestId}/approve`)).statusCode, 404, 'nor under the provider’s address');
  const consumerViewer = await consoleBrowserOf(app, consumer, 'viewer');
  const viewerForm = await consumerViewer.send('GET', askPath('pip-awards'));
  assert.doesNotMatch(viewerForm.body, /<form method="post" action="\/console\/marketplace/, 'a viewer is told, not given a form it cannot send');
  const viewer = await consoleBrowserOf(app, provider, 'viewer');
  await viewer.send('GET', '/console');
  assert.match((await viewer.send('GET', `/console/marketplace/${provider}/requests/${requestId}`)).body, /Waiting for review/);
  const viewerApproves = await viewer.send('POST', `/console/marketplace/${provider}/requests/${requestId}/approve`);
  assert.equal(viewerApproves.statusCode, 403);
  assert.match(viewerApproves.body, /read these pages but not change anything/, 'refused for the role, not for a missing token');
  assert.match((await asker.send('GET', `/console/marketplace/${consumer}/requests/${requestId}`)).body, /Waiting for review/, 'nothing was decided');
});

test('a viewer sees no "Ask for access" button on a record page, and is told why, in English and Welsh', async (t) => {
  const { app, consumer, askPath } = await setUpCatalogue(t);
  const recordPage = recordPath('/console/data', 'pip-awards');
  const viewer = await consoleBrowserOf(app, consumer, 'viewer');
  const english = await viewer.send('GET', recordPage);
  assert.equal(english.statusCode, 200);
  assert.doesNotMatch(english.body, /Ask for access/, 'no button');
  assert.ok(!english.body.includes(askPath('pip-awards').replaceAll('&', '&amp;')), 'no link to the form');
  assert.match(english.body, /You cannot ask for access for [^:<]+: your role there lets you read but not ask/);
  const welsh = await viewer.send('GET', `${recordPage}?lang=cy`);
  assert.match(welsh.body, /Ni allwch ofyn am fynediad ar ran [^:<]+: mae eich rôl yno/);
  assert.doesNotMatch(welsh.body, /Gofyn am fynediad</);
  assert.equal((await viewer.send('POST', askPath('pip-awards'), {})).statusCode, 403, 'the form still refuses a viewer who sends it anyway');

  const developer = await consoleBrowserOf(app, consumer, 'developer');
  const asDeveloper = await developer.send('GET', recordPage);
  assert.match(asDeveloper.body, /Ask for access/, 'an owner or developer has the button');
  assert.doesNotMatch(asDeveloper.body, /You cannot ask for access/);
});

test('a request shows its agreement’s real status after it was decided: ended in Exchange, suspended, expired; a draft ended in Exchange is not reviewed', async (t) => {
  const { app, kernel, provider, consumer, askPath, form } = await setUpCatalogue(t);
  const asker = await consoleBrowserOf(app, consumer);
  const reviewer = await consoleBrowserOf(app, provider);
  const agreementsTable = kernel.db.withTables<{ exchange_agreement: { id: string; status: string; ends_at: string } }>();
  const requestsTable = kernel.db.withTables<{ marketplace_access_request: { id: string; agreement_id: string } }>();
  const agreementOf = async (requestId: string) => (await requestsTable.selectFrom('marketplace_access_request').select('agreement_id').where('id', '=', requestId).executeTakeFirstOrThrow()).agreement_id;
  const askAndApprove = async () => {
    const requestId = (await asker.send('POST', askPath('pip-awards'), form)).headers.location!.split('/').pop()!;
    assert.equal((await reviewer.send('POST', `/console/marketplace/${provider}/requests/${requestId}/approve`)).statusCode, 303);
    return { requestId, agreementId: await agreementOf(requestId), asked: `/console/marketplace/${consumer}/requests/${requestId}`, received: `/console/marketplace/${provider}/requests/${requestId}` };
  };
  const statusOn = async (browser: typeof asker, path: string) => /Status: <strong class="govuk-tag[^"]*">\s*([^<]+?)\s*<\/strong>/.exec((await browser.send('GET', path)).body)?.[1];
  const listed = async (browser: typeof asker, organisationId: string, requestId: string) =>
    new RegExp(`href="[^"]*${requestId}"[\\s\\S]*?<td class="govuk-table__cell">\\s*([^<]+?)\\s*</td>\\s*</tr>`).exec((await browser.send('GET', `/console/marketplace/${organisationId}/requests`)).body)?.[1];

  const ended = await askAndApprove();
  await reviewer.send('GET', ended.received);
  assert.equal(await statusOn(asker, ended.asked), 'Approved');
  await asker.send('GET', `/console/exchange/${consumer}`);
  assert.equal((await asker.send('POST', `/console/exchange/${consumer}/agreements/${ended.agreementId}/end`)).statusCode, 303, 'the consumer ends the agreement in Exchange');
  assert.equal(await statusOn(asker, ended.asked), 'Ended');
  assert.equal(await statusOn(reviewer, ended.received), 'Ended', 'the provider sees it too');
  assert.equal(await listed(asker, consumer, ended.requestId), 'Ended');
  assert.equal(await listed(reviewer, provider, ended.requestId), 'Ended');
  assert.match((await asker.send('GET', `${ended.asked}?lang=cy`)).body, /Wedi dod i ben/);
  await asker.send('GET', `${ended.asked}?lang=en`);

  // No page of Exchange suspends an agreement yet, and expiry is a date passing: both are set in its table.
  const suspended = await askAndApprove();
  await agreementsTable.updateTable('exchange_agreement').set({ status: 'suspended' }).where('id', '=', suspended.agreementId).execute();
  assert.equal(await statusOn(asker, suspended.asked), 'Suspended');
  assert.equal(await listed(asker, consumer, suspended.requestId), 'Suspended');
  const expired = await askAndApprove();
  await agreementsTable.updateTable('exchange_agreement').set({ ends_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expired.agreementId).execute();
  assert.equal(await statusOn(asker, expired.asked), 'Expired');
  assert.equal(await listed(reviewer, provider, expired.requestId), 'Expired');

  const withdrawn = (await asker.send('POST', askPath('pip-awards'), form)).headers.location!.split('/').pop()!;
  await reviewer.send('GET', `/console/exchange/${provider}`);
  assert.equal((await reviewer.send('POST', `/console/exchange/${provider}/agreements/${await agreementOf(withdrawn)}/end`)).statusCode, 303, 'the provider ends the draft in Exchange');
  const review = `/console/marketplace/${provider}/requests/${withdrawn}`;
  assert.equal(await statusOn(reviewer, review), 'Ended');
  assert.doesNotMatch((await reviewer.send('GET', review)).body, /\/approve"/, 'nothing left to review');
  assert.equal((await reviewer.send('POST', `${review}/approve`)).statusCode, 409);
});

test('access is asked for at most five years from today: a later end date is refused on its field, English and Welsh (attacker: until 9999)', async (t) => {
  const { app, consumer, askPath, form } = await setUpCatalogue(t);
  const asker = await consoleBrowserOf(app, consumer, 'developer');
  assert.equal((await asker.send('GET', askPath('pip-awards'))).statusCode, 200);
  const latest = findLatestAskedLastDay(new Date());
  const [year, month, day] = latest.split('-').map(Number) as [number, number, number];
  const dayAfter = new Date(Date.UTC(year, month - 1, day + 1));
  for (const [until, what] of [[['1', '1', '9999'], '9999'], [[String(dayAfter.getUTCDate()), String(dayAfter.getUTCMonth() + 1), String(dayAfter.getUTCFullYear())], 'the day after the latest']] as const) {
    const refused = await asker.send('POST', askPath('pip-awards'), { ...form, 'until-day': until[0], 'until-month': until[1], 'until-year': until[2] });
    assert.equal(refused.statusCode, 400, what);
    assert.match(refused.body, new RegExp(`id="until-error"[\\s\\S]*Enter a date no later than ${day} ${month} ${year}: access is asked for at most 5 years from today`), what);
    assert.match(refused.body, /href="#until-day"/);
  }
  await asker.send('GET', `${askPath('pip-awards')}&lang=cy`);
  const welsh = await asker.send('POST', askPath('pip-awards'), { ...form, 'until-year': '9999' });
  assert.match(welsh.body, new RegExp(`Rhowch ddyddiad dim hwyrach na ${day} ${month} ${year}`));
  await asker.send('GET', `${askPath('pip-awards')}&lang=en`);
  assert.doesNotMatch((await asker.send('GET', `/console/marketplace/${consumer}/requests`)).body, /PIP awards/, 'nothing was asked');
  const atLatest = await asker.send('POST', askPath('pip-awards'), { ...form, 'until-day': String(day), 'until-month': String(month), 'until-year': String(year) });
  assert.equal(atLatest.statusCode, 303, 'the latest day itself may be asked for');
});

test('a viewer’s request form is a page that explains they cannot ask (GET 200), and asking is forbidden (POST 403)', async (t) => {
  const { app, consumer, askPath, form } = await setUpCatalogue(t);
  const viewer = await consoleBrowserOf(app, consumer, 'viewer');
  const page = await viewer.send('GET', askPath('pip-awards'));
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /name="purpose"/, 'no form to fill in');
  assert.equal((await viewer.send('POST', askPath('pip-awards'), form)).statusCode, 403);
});
