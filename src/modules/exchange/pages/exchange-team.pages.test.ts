import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createAgreementStore } from '../agreements/agreement.store.ts';
import { browserOf } from '../testing/console-browser.ts';
import { addOrganisation, createTestRegistry, generateTestKeyPair, OPERATOR, PIP_OPENAPI, runCommand, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';

test('an owner asks for their organisation to become a member (errors on its fields first); it waits for an operator, then shows as a member, in English and Welsh', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const organisationId = await addOrganisation(kernel, 'Riverside Council');
  const { member, send } = await browserOf(app, organisationId);
  const base = `/console/exchange/${organisationId}`;
  const first = await send('GET', base);
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /Become a member/);

  const empty = await send('POST', `${base}/membership`, {});
  assert.equal(empty.statusCode, 400);
  assert.match(empty.body, /govuk-error-summary[^]*href="#memberClass"[^]*Select what kind of organisation it is[^]*href="#memberCode"[^]*Enter a member code/);
  const bad = await send('POST', `${base}/membership`, { memberClass: 'XX', memberCode: 'has spaces' });
  assert.match(bad.body, /Select what kind of organisation it is[^]*Member code must be 1 to 64/);
  assert.match(bad.body, /value="has spaces"/, 'what was typed is kept');

  const asked = await send('POST', `${base}/membership`, { memberClass: 'GOV', memberCode: 'RC002' });
  assert.equal(asked.statusCode, 303);
  assert.equal(asked.headers.location, `${base}?done=requested`);
  const again = await send('POST', `${base}/membership`, { memberClass: 'GOV', memberCode: 'RC002' });
  assert.equal(again.headers.location, base, 'asking twice changes nothing');
  const pending = await send('GET', `${base}?done=requested`);
  assert.match(pending.body, /You have asked to become a member/);
  assert.match(pending.body, /GB-DEV\/GOV\/RC002[^]*Waiting for approval/);
  const [event] = (await kernel.audit.listRecent({ limit: 20 })).filter((each) => each.action === 'exchange.member.added');
  assert.equal(event?.actor, member.actor);
  assert.equal(event?.details?.status, 'pending');

  const [row] = await kernel.db.withTables<{ exchange_member: { id: string; organisation_id: string } }>().selectFrom('exchange_member').selectAll().where('organisation_id', '=', organisationId).execute();
  await runCommand(kernel, 'exchange member approve', {}, [String(row?.id)]);
  const approved = await send('GET', base);
  assert.match(approved.body, /Member identifier[^]*GB-DEV\/GOV\/RC002[^]*govuk-tag--green/);
  assert.match(approved.body, /Your organisation is not a party to any data sharing agreement/);
  const welsh = await send('GET', `${base}?lang=cy`);
  assert.match(welsh.body, /Dynodwr aelod/);
  assert.match(welsh.body, /Cytundebau rhannu data/);

  const copycatId = await addOrganisation(kernel, 'Copycat Council');
  const copycat = await browserOf(app, copycatId);
  await copycat.send('GET', `/console/exchange/${copycatId}`);
  const copied = await copycat.send('POST', `/console/exchange/${copycatId}/membership`, { memberClass: 'GOV', memberCode: 'RC002' });
  assert.equal(copied.statusCode, 400);
  assert.match(copied.body, /Another member has that member code/);
});

test('an organisation whose request an operator refused sees so on its Exchange page, with the reason given, in English and Welsh, and may ask again', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const organisationId = await addOrganisation(kernel, 'Riverside Council');
  const { send } = await browserOf(app, organisationId);
  const base = `/console/exchange/${organisationId}`;
  await send('GET', base);
  assert.equal((await send('POST', `${base}/membership`, { memberClass: 'GOV', memberCode: 'RC002' })).statusCode, 303);
  const registry = createTestRegistry(kernel);
  const [asked] = await registry.listPendingMembers();
  await registry.refuseMember({ memberId: asked!.id, actor: OPERATOR, reason: 'RC002 is the code of <b>another</b> council: use your ONS code' });

  const refused = await send('GET', base);
  assert.equal(refused.statusCode, 200);
  assert.match(refused.body, /GB-DEV\/GOV\/RC002[^]*govuk-tag--red[^]*Refused/);
  assert.match(refused.body, new RegExp(`refused your request to become the member GB-DEV/GOV/RC002 on \\d{1,2} \\w+ ${new Date().getUTCFullYear()}`));
  assert.match(refused.body, /Reason given[^]*RC002 is the code of &lt;b&gt;another&lt;\/b&gt; council: use your ONS code/, 'the reason, escaped');
  assert.match(refused.body, /You can ask again[^]*Become a member/);
  const welsh = await send('GET', `${base}?lang=cy`);
  assert.match(welsh.body, /Gwrthodwyd[^]*Gwrthododd un o weithredwyr Civitas eich cais[^]*Y rheswm a roddwyd/);

  // Asked again: the refusal makes way for the new request.
  assert.equal((await send('POST', `${base}/membership`, { memberClass: 'GOV', memberCode: 'E06000001' })).statusCode, 303);
  const pending = await send('GET', `${base}?lang=en`);
  assert.match(pending.body, /GB-DEV\/GOV\/E06000001[^]*Waiting for approval/);
  assert.doesNotMatch(pending.body, /Refused|Reason given/);

  // Refused without a reason: said so, and no reason shown.
  const [second] = await registry.listPendingMembers();
  await registry.refuseMember({ memberId: second!.id, actor: OPERATOR });
  const plain = await send('GET', base);
  assert.match(plain.body, /refused your request to become the member GB-DEV\/GOV\/E06000001/);
  assert.doesNotMatch(plain.body, /Reason given/);
});

test('attacker: a refusal is shown only to its organisation; another organisation may take the refused code; a refused member gets no subsystem and no agreement; an operator reason past 500 characters is refused', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const registry = createTestRegistry(kernel);
  const organisationId = await addOrganisation(kernel, 'Riverside Council');
  const member = await registry.addMember({ organisationId, memberClass: 'GOV', memberCode: 'RC002', actor: { audit: 'console-person:asker', isOperator: false } });
  await assert.rejects(registry.refuseMember({ memberId: member.id, actor: OPERATOR, reason: 'x'.repeat(501) }), { code: 'exchange.INVALID_REASON' });
  await assert.rejects(registry.refuseMember({ memberId: member.id, actor: { audit: 'console-person:asker', isOperator: false }, reason: 'no' }), { code: 'exchange.MEMBER_NOT_PENDING' });
  await registry.refuseMember({ memberId: member.id, actor: OPERATOR, reason: 'Private note for Riverside' });
  await assert.rejects(registry.refuseMember({ memberId: member.id, actor: OPERATOR }), { code: 'exchange.MEMBER_NOT_PENDING' }, 'refused once');
  await assert.rejects(registry.approveMember(member.id, OPERATOR), { code: 'exchange.MEMBER_NOT_PENDING' }, 'a refused request is not approved by a stale form');
  await assert.rejects(registry.addSubsystem({ memberId: member.id, subsystemCode: 'one', publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR }), { code: 'exchange.MEMBER_NOT_FOUND' });
  const refusals = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.action === 'exchange.member.refused');
  assert.equal(refusals.length, 1);
  assert.equal(refusals[0]?.details?.reason, 'Private note for Riverside');

  const viewer = await browserOf(app, organisationId, 'viewer');
  const seen = await viewer.send('GET', `/console/exchange/${organisationId}`);
  assert.match(seen.body, /Private note for Riverside/);
  assert.doesNotMatch(seen.body, /name="memberCode"/, 'a viewer cannot ask again');
  const otherId = await addOrganisation(kernel, 'Hillside Council');
  const other = await browserOf(app, otherId);
  const theirs = await other.send('GET', `/console/exchange/${otherId}`);
  assert.doesNotMatch(theirs.body, /Private note|Refused/);
  assert.equal((await other.send('GET', `/console/exchange/${organisationId}`)).statusCode, 404, "not another organisation's page");
  assert.equal((await other.send('POST', `/console/exchange/${otherId}/membership`, { memberClass: 'GOV', memberCode: 'RC002' })).statusCode, 303, 'a refused code is free again');

  const owner = await browserOf(app, organisationId);
  await owner.send('GET', `/console/exchange/${organisationId}`);
  const taken = await owner.send('POST', `/console/exchange/${organisationId}/membership`, { memberClass: 'GOV', memberCode: 'RC002' });
  assert.equal(taken.statusCode, 400, 'its old code is now another member\'s');
  assert.match(taken.body, /Another member has that member code/);
  assert.doesNotMatch(taken.body, /Private note/, 'the refused request made way for the member that took its code');
});

test('each side approves a draft agreement on its own page, either suspends it (only that side resumes it) or ends it; a replayed or stale button is an error summary; an organisation not a party gets 404', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const setUp = await setUpProviderAndClient(kernel, { baseUrl: 'https://benefits.example.gov.uk/pip', fields: false });
  const agreementId = await setUp.agreements.add({ providerMemberId: setUp.providerMember.id, consumerMemberId: setUp.clientMember.id, serviceId: setUp.serviceId, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: '$.status', until: '2099-12-31', actor: OPERATOR });
  const council = await browserOf(app, setUp.clientMember.organisation_id);
  const agency = await browserOf(app, setUp.providerMember.organisation_id, 'developer');
  const councilBase = `/console/exchange/${setUp.clientMember.organisation_id}`;
  const agencyBase = `/console/exchange/${setUp.providerMember.organisation_id}`;

  const councilPage = await council.send('GET', councilBase);
  assert.match(councilPage.body, /Benefits Agency provides GB-DEV\/GOV\/BA001\/benefits\/pip-award to you[^]*Blue Badge eligibility[^]*Draft[^]*You have not approved it/);
  const agencyPage = await agency.send('GET', agencyBase);
  assert.match(agencyPage.body, /You provide GB-DEV\/GOV\/BA001\/benefits\/pip-award to Riverside Council/);
  assert.match(agencyPage.body, /GB-DEV\/GOV\/BA001\/benefits<\/td>\s*<td[^>]*>1</, 'its subsystem, with one key in use');

  assert.equal((await council.send('POST', `${councilBase}/agreements/${agreementId}/approve`)).headers.location, `${councilBase}?done=approved`);
  const replayed = await council.send('POST', `${councilBase}/agreements/${agreementId}/approve`);
  assert.equal(replayed.statusCode, 409);
  assert.match(replayed.body, /govuk-error-summary[^]*or your side has already done that/);
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'draft');
  await agency.send('POST', `${agencyBase}/agreements/${agreementId}/approve`);
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'active');
  assert.match((await council.send('GET', councilBase)).body, /In force/);

  assert.equal((await council.send('POST', `${councilBase}/agreements/${agreementId}/suspend`)).headers.location, `${councilBase}?done=suspended`);
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'suspended');
  const suspendedForAgency = await agency.send('GET', agencyBase);
  assert.match(suspendedForAgency.body, /Suspended \(by the other organisation: calls are refused until they resume it\)/);
  assert.doesNotMatch(suspendedForAgency.body, /agreements\/[0-9a-f-]{36}\/resume/, 'only the side that suspended it is offered to resume it');
  const resumedByOtherSide = await agency.send('POST', `${agencyBase}/agreements/${agreementId}/resume`);
  assert.equal(resumedByOtherSide.statusCode, 409, "the provider cannot undo the council's suspension");
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'suspended');
  const viewer = await browserOf(app, setUp.clientMember.organisation_id, 'viewer');
  assert.equal((await viewer.send('POST', `${councilBase}/agreements/${agreementId}/resume`)).statusCode, 403, 'a viewer changes nothing');
  assert.match((await council.send('GET', councilBase)).body, /Suspended \(by your organisation[^]*agreements\/[0-9a-f-]{36}\/resume/);
  assert.equal((await council.send('POST', `${councilBase}/agreements/${agreementId}/resume`)).headers.location, `${councilBase}?done=resumed`);
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'active');

  const outsider = await createTestRegistry(kernel).addMember({ organisationId: await addOrganisation(kernel, 'Nosy Council'), memberClass: 'GOV', memberCode: 'NC004', actor: OPERATOR });
  const nosy = await browserOf(app, outsider.organisation_id);
  for (const action of ['approve', 'suspend', 'resume', 'end']) {
    assert.equal((await nosy.send('POST', `/console/exchange/${outsider.organisation_id}/agreements/${agreementId}/${action}`)).statusCode, 404, `${action}: not theirs`);
    assert.equal((await nosy.send('POST', `${councilBase}/agreements/${agreementId}/${action}`)).statusCode, 404, `${action}: another organisation's pages are not there for them`);
  }
  assert.equal((await nosy.send('POST', `${councilBase}/agreements/${agreementId}/end`)).statusCode, 404, "another organisation's pages are not there for them");
  assert.equal((await createAgreementStore(kernel.db).find(agreementId))?.status, 'active');

  assert.equal((await agency.send('POST', `${agencyBase}/agreements/${agreementId}/end`)).headers.location, `${agencyBase}?done=ended`);
  const ended = await council.send('GET', councilBase);
  assert.match(ended.body, /Ended/);
  assert.doesNotMatch(ended.body, /agreements\/[0-9a-f-]{36}\/(approve|end)/, 'nothing left to do');
  const endedEvents = (await kernel.audit.listRecent({ limit: 50 })).filter((each) => each.action === 'exchange.agreement.ended');
  assert.equal(endedEvents.length, 1);
  assert.equal(endedEvents[0]?.actor, agency.member.actor);
});

test('a viewer reads the pages but is offered no change, and a member still waiting for approval cannot act on agreements', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const organisationId = await addOrganisation(kernel, 'Riverside Council');
  const viewer = await browserOf(app, organisationId, 'viewer');
  const page = await viewer.send('GET', `/console/exchange/${organisationId}`);
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /Ask to become a member|<form/);
  const pending = await createTestRegistry(kernel).addMember({ organisationId, memberClass: 'GOV', memberCode: 'RC002', actor: { audit: 'console-person:x', isOperator: false } });
  assert.equal(pending.status, 'pending');
  const owner = await browserOf(app, organisationId);
  assert.equal((await owner.send('POST', `/console/exchange/${organisationId}/agreements/${crypto.randomUUID()}/approve`)).statusCode, 404);
});

test('a member adds a subsystem (key pasted or uploaded) and a service (OpenAPI uploaded) from its pages; every refusal is on its field; only its own subsystems, and only once approved', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const organisationId = await addOrganisation(kernel, 'Benefits Agency');
  const owner = await browserOf(app, organisationId);
  const base = `/console/exchange/${organisationId}`;
  assert.equal((await owner.send('GET', `${base}/subsystems/new`)).statusCode, 404, 'not a member yet');
  const member = await createTestRegistry(kernel).addMember({ organisationId, memberClass: 'GOV', memberCode: 'BA001', actor: { audit: 'console-person:x', isOperator: false } });
  assert.equal((await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'benefits', publicKey: generateTestKeyPair().publicPem })).statusCode, 404, 'still waiting for approval');
  await createTestRegistry(kernel).approveMember(member.id, OPERATOR);

  const form = await owner.send('GET', `${base}/subsystems/new`);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /enctype="multipart\/form-data"/);
  const key = generateTestKeyPair('ed25519');
  const missing = await owner.upload(`${base}/subsystems/new`, { subsystemCode: '' });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.body, /href="#subsystemCode"[^]*Enter a subsystem code[^]*href="#publicKey"[^]*Paste the public keys or upload a key file/);
  const twice = await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'benefits', publicKey: key.publicPem }, { publicKeyFile: key.publicPem });
  assert.match(twice.body, /Paste the keys or upload a file, not both/);
  const notAKey = await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'benefits', publicKey: 'not a key' });
  assert.match(notAKey.body, /Give 1 or more ES256 or Ed25519 public keys/);
  const added = await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'benefits' }, { publicKeyFile: key.publicPem });
  assert.equal(added.headers.location, `${base}?done=subsystemAdded`);
  const again = await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'benefits', publicKey: generateTestKeyPair().publicPem });
  assert.match(again.body, /Your organisation has a subsystem with that code already/);
  const sameKey = await owner.upload(`${base}/subsystems/new`, { subsystemCode: 'other', publicKey: key.publicPem });
  assert.match(sameKey.body, /A key given is registered already/);

  const elsewhere = await createTestRegistry(kernel).addMember({ organisationId: await addOrganisation(kernel, 'Riverside Council'), memberClass: 'GOV', memberCode: 'RC002', actor: OPERATOR });
  await createTestRegistry(kernel).addSubsystem({ memberId: elsewhere.id, subsystemCode: 'blue-badge', publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR });
  const serviceForm = { subsystemCode: 'benefits', serviceCode: 'pip-award', baseUrl: 'https://benefits.example.gov.uk/pip', personalData: 'yes', underConsent: 'yes' };
  const notOurs = await owner.upload(`${base}/services/new`, { ...serviceForm, subsystemCode: 'blue-badge' }, { openApiFile: PIP_OPENAPI });
  assert.match(notOurs.body, /Choose which subsystem provides the service/, "another member's subsystem is not offered, nor taken");
  const badUrl = await owner.upload(`${base}/services/new`, { ...serviceForm, baseUrl: 'https://benefits.example.gov.uk/pip?x=1' }, { openApiFile: PIP_OPENAPI });
  assert.match(badUrl.body, /href="#baseUrl"[^]*with no query/);
  const reserved = await owner.upload(`${base}/services/new`, { ...serviceForm, serviceCode: 'listMethods' }, { openApiFile: PIP_OPENAPI });
  assert.match(reserved.body, /the name of a metaservice/);
  const badOpenApi = await owner.upload(`${base}/services/new`, serviceForm, { openApiFile: 'openapi: 3.0.3\npaths: {/x: {get: {responses: {"200": {$ref: "other.yaml#/x"}}}}}' });
  assert.match(badOpenApi.body, /The OpenAPI description is not valid/);
  const service = await owner.upload(`${base}/services/new`, serviceForm, { openApiFile: PIP_OPENAPI });
  assert.equal(service.headers.location, `${base}?done=serviceAdded`);
  const page = await owner.send('GET', `${base}?done=serviceAdded`);
  assert.match(page.body, /You have added the service/);
  assert.match(page.body, /GB-DEV\/GOV\/BA001\/benefits\/pip-award[^]*https:\/\/benefits.example.gov.uk\/pip[^]*Shared only with the person/);
  const events = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.actor === owner.member.actor);
  assert.deepEqual(events.map((event) => event.action).sort(), ['exchange.service.added', 'exchange.subsystem.added'], 'each audited as the console person, refusals not at all');
});

test("a provider grants and revokes access to its own service from its pages (errors on their fields); another organisation's service is 404; a replayed revoke changes nothing", async (t) => {
  const { app, kernel } = await createTestApp(t);
  const setUp = await setUpProviderAndClient(kernel, { baseUrl: 'https://benefits.example.gov.uk/pip', grant: false });
  const agency = await browserOf(app, setUp.providerMember.organisation_id);
  const base = `/console/exchange/${setUp.providerMember.organisation_id}`;
  const access = `${base}/services/${setUp.serviceId}/access`;
  assert.match((await agency.send('GET', base)).body, new RegExp(`href="${access}"`));
  const empty = await agency.send('GET', access);
  assert.match(empty.body, /No client subsystem may call this service/);

  const missing = await agency.send('POST', access, { client: '', endpoint: '' });
  assert.match(missing.body, /href="#client"[^]*Enter the client subsystem/);
  const malformed = await agency.send('POST', access, { client: 'not/an/identifier/at/all/really', endpoint: '' });
  assert.match(malformed.body, /Enter an identifier such as/);
  const unknown = await agency.send('POST', access, { client: 'GB-DEV/GOV/RC002/nowhere', endpoint: '' });
  assert.match(unknown.body, /There is no subsystem with that identifier/);
  const badEndpoint = await agency.send('POST', access, { client: setUp.client, endpoint: 'FETCH awards' });
  assert.match(badEndpoint.body, /href="#endpoint"[^]*Enter a method and a path/);
  const long = await agency.send('POST', access, { client: 'x'.repeat(301), endpoint: '' });
  assert.match(long.body, /Enter 300 characters or fewer/);

  const granted = await agency.send('POST', access, { client: setUp.client, endpoint: 'GET /awards/*' });
  assert.equal(granted.headers.location, `${access}?done=granted`);
  const listed = await agency.send('GET', `${access}?done=granted`);
  assert.match(listed.body, /You have granted access[^]*GB-DEV\/GOV\/RC002\/blue-badge[^]*GET \/awards\/\*/);
  const [right] = await kernel.db.withTables<{ exchange_access_right: { id: string; revoked_at: string | null } }>().selectFrom('exchange_access_right').selectAll().execute();
  assert.ok(right);

  const council = await browserOf(app, setUp.clientMember.organisation_id);
  const foreign = `/console/exchange/${setUp.clientMember.organisation_id}/services/${setUp.serviceId}/access`;
  assert.equal((await council.send('GET', foreign)).statusCode, 404, "the council's pages do not reach the agency's service");
  assert.equal((await council.send('POST', `${foreign}/${right.id}/revoke`)).statusCode, 404);

  assert.equal((await agency.send('POST', `${access}/${right.id}/revoke`)).headers.location, `${access}?done=revoked`);
  assert.equal((await agency.send('POST', `${access}/${right.id}/revoke`)).headers.location, `${access}?done=revoked`, 'a replay changes nothing');
  const [after] = await kernel.db.withTables<{ exchange_access_right: { id: string; revoked_at: string | null } }>().selectFrom('exchange_access_right').selectAll().execute();
  assert.ok(after?.revoked_at);
  const events = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.actor === agency.member.actor).map((event) => event.action);
  assert.deepEqual(events.sort(), ['exchange.access.granted', 'exchange.access.revoked']);
});
