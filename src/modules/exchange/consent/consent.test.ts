import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { CONSENT_ANSWER_TYPE, ConsentRequestError } from '../exchange.contract.ts';
import { addOrganisation, generateTestKeyPair, OPERATOR, runCommand, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { giveConsent, linkConsumer, personalDataSharingOf, registerClientOf, RETURN_URL } from '../testing/consent-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';

const SUBJECT = 'urn:fdc:civitas:2024:person-a';

async function startConsentService(t: TestContext) {
  const provider = await startTestProvider((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'awarded', rate: 'enhanced', name: 'Ann Example' }));
  });
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const setUp = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, underConsent: true });
  const oneLoginClientId = await linkConsumer(kernel, { subsystem: setUp.client, organisationId: setUp.clientMember.organisation_id });
  // Each call's X-Road-Id is Civitas's own: the test names calls by the id each was answered with.
  const names = new Map<string, string>();
  const name = <Response extends { headers: Record<string, unknown> }>(response: Response, called: string): Response => (names.set(String(response.headers['x-road-id']), called), response);
  const nameOf = (xRoadId: string) => names.get(xRoadId);
  const call = async (userId: string | undefined, called: string) =>
    name(await sendSignedCall(app, { path: `/r1/${setUp.service}/awards/AB123456C`, client: setUp.client, key: setUp.clientKeys[0]!, headers: userId ? { 'x-road-userid': userId } : {} }), called);
  return { app, kernel, providerServer: provider, ...setUp, agreementId: setUp.agreementId!, oneLoginClientId, call, name, nameOf };
}

test('a service under consent: refused without the person, refused without their consent, answered with it, refused again once withdrawn', async (t) => {
  const { app, kernel, client, agreementId, oneLoginClientId, call, nameOf, providerServer: provider } = await startConsentService(t);

  const unnamed = await call(undefined, 'no-person');
  assert.equal(unnamed.statusCode, 400);
  assert.equal(unnamed.headers['x-road-error'], 'Client.BadRequest');

  const withoutConsent = await call(`GB${SUBJECT}`, 'no-consent');
  assert.equal(withoutConsent.statusCode, 500);
  assert.equal(withoutConsent.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');
  assert.equal(provider.seen.length, 0, 'nothing reaches the provider without consent');

  const answer = await giveConsent(kernel, { client, agreementId, subject: SUBJECT });
  assert.equal(`${answer.origin}${answer.pathname}`, RETURN_URL);
  assert.equal(answer.searchParams.get('state'), 'state-1');
  assert.equal(answer.searchParams.get('result'), 'agreed');
  const consentId = answer.searchParams.get('consent_id');
  assert.match(String(consentId), /^[0-9a-f-]{36}$/);
  // The consumer checks the answer with Civitas's published Exchange keys.
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/exchange-jwks.json' })).json() as { keys: JWK[] };
  const { payload, protectedHeader } = await jwtVerify(String(answer.searchParams.get('consent_token')), createLocalJWKSet(jwks), { issuer: kernel.config.BASE_URL, audience: client, typ: CONSENT_ANSWER_TYPE });
  assert.equal(protectedHeader.alg, 'EdDSA');
  assert.equal(payload.sub, SUBJECT);
  assert.equal(payload.consent_id, consentId);
  assert.equal(payload.state, 'state-1');
  assert.equal(payload.result, 'agreed');

  const withConsent = await call(`GB${SUBJECT}`, 'with-consent');
  assert.equal(withConsent.statusCode, 200, withConsent.body);
  assert.deepEqual(withConsent.json(), { status: 'awarded', rate: 'enhanced' });

  const { person } = personalDataSharingOf(kernel);
  const subjects = [{ clientId: oneLoginClientId, subject: SUBJECT }];
  assert.equal(await person.withdrawConsent({ consentId: String(consentId), subjects: [{ clientId: oneLoginClientId, subject: 'urn:fdc:civitas:2024:someone-else' }], actor: 'account:other' }), false, "no one withdraws another person's consent");
  assert.equal(await person.withdrawConsent({ consentId: String(consentId), subjects, actor: 'account:a' }), true);
  assert.equal(await person.withdrawConsent({ consentId: String(consentId), subjects, actor: 'account:a' }), false, 'withdrawn once');
  const afterWithdrawal = await call(`GB${SUBJECT}`, 'after-withdrawal');
  assert.equal(afterWithdrawal.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');

  const records = await waitForLogRecords(kernel.db, 4);
  const byId = new Map(records.map((record) => [nameOf(record.x_road_id), record]));
  assert.equal(byId.get('no-consent')?.consent_id, null);
  assert.equal(byId.get('no-consent')?.error_type, 'Server.ServerProxy.AccessDenied');
  assert.equal(byId.get('with-consent')?.consent_id, consentId, 'the log names the consent used');
  assert.equal(byId.get('after-withdrawal')?.consent_id, null);

  const { exchanges } = await person.listExchanges(subjects, 1);
  assert.deepEqual(exchanges.map((exchange) => [nameOf(exchange.xRoadId), exchange.shared]), [['after-withdrawal', false], ['with-consent', true], ['no-consent', false]]);
  assert.equal(exchanges[1]?.asker, 'Riverside Council');
  assert.equal(exchanges[1]?.holder, 'Benefits Agency');
  assert.equal(exchanges[1]?.purpose, 'Blue Badge eligibility');
  const [consent] = await person.listConsents(subjects);
  assert.equal(consent?.inForce, false);
  assert.ok(consent?.withdrawnAt);
  const audit = await kernel.audit.search({ action: 'exchange.consent.withdrawn' });
  assert.equal(audit.length, 1);
});

test("a consent is for the one record the person was asked about: another record, two records or none in the path are refused", async (t) => {
  const { app, kernel, client, agreementId, service, clientKeys, providerServer: provider } = await startConsentService(t);
  const answer = await giveConsent(kernel, { client, agreementId, subject: SUBJECT, record: 'AB123456C' });
  const { payload } = await jwtVerify(String(answer.searchParams.get('consent_token')), createLocalJWKSet((await app.inject({ method: 'GET', url: '/.well-known/exchange-jwks.json' })).json() as { keys: JWK[] }), { audience: client });
  assert.equal(payload.record, 'AB123456C', 'the consumer learns which record the person agreed about');
  const callFor = (path: string) => sendSignedCall(app, { path: `/r1/${service}${path}`, client, key: clientKeys[0]!, headers: { 'x-road-userid': `GB${SUBJECT}` } });
  assert.equal((await callFor('/awards/AB123456C')).statusCode, 200);
  for (const path of ['/awards/XY654321D', '/awards/ab123456c', '/awards/AB123456%43', '/awards/XY654321D?record=AB123456C', '/awards/AB123456C/extra', '/awards']) {
    assert.equal((await callFor(path)).headers['x-road-error'], 'Server.ServerProxy.AccessDenied', path);
  }
  assert.equal(provider.seen.length, 1, "no other record reaches the provider under this person's consent");
  // A second consent, for a second record of theirs, covers that one too.
  await giveConsent(kernel, { client, agreementId, subject: SUBJECT, record: 'XY654321D' });
  assert.equal((await callFor('/awards/XY654321D')).statusCode, 200);
  assert.equal((await callFor('/awards/AB123456C')).statusCode, 200);
});

test('a subject another client knows the person by is refused, as is a consent given to another consumer', async (t) => {
  const { app, kernel, client, agreementId, call, registry, serviceId, service, providerMember, agreements } = await startConsentService(t);
  await giveConsent(kernel, { client, agreementId, subject: SUBJECT });
  const otherSector = await call('GBurn:fdc:civitas:2024:person-a-elsewhere', 'other-sector');
  assert.equal(otherSector.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');

  // Another council, with its own agreement, access and link, sends the first council's subject for the person.
  const otherMember = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Hillside Council'), memberClass: 'GOV', memberCode: 'HC003', actor: OPERATOR });
  const otherKey = generateTestKeyPair('ec');
  const other = await registry.addSubsystem({ memberId: otherMember.id, subsystemCode: 'parking', publicKeys: otherKey.publicPem, actor: OPERATOR });
  await registry.grantAccess({ serviceId, client: other, actor: OPERATOR });
  const otherAgreement = await agreements.add({ providerMemberId: providerMember.id, consumerMemberId: otherMember.id, serviceId, purpose: 'Parking permits', lawfulBasis: 'public-task', fields: '$.status', until: '2099-12-31', actor: OPERATOR });
  await agreements.approve(otherAgreement, providerMember.id, OPERATOR);
  await agreements.approve(otherAgreement, otherMember.id, OPERATOR);
  await linkConsumer(kernel, { subsystem: other, organisationId: otherMember.organisation_id });
  const response = await sendSignedCall(app, { path: `/r1/${service}/awards/AB123456C`, client: other, key: otherKey, headers: { 'x-road-userid': `GB${SUBJECT}` } });
  assert.equal(response.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');

  const malformed = await call('GB', 'empty-subject');
  assert.equal(malformed.headers['x-road-error'], 'Client.BadRequest');
  const tooLong = await call(`GB${'x'.repeat(201)}`, 'long-subject');
  assert.equal(tooLong.headers['x-road-error'], 'Client.BadRequest');
});

test("a consumer links only to a One Login client its own organisation registered", async (t) => {
  const { kernel, client, providerMember, clientMember } = await startConsentService(t);
  const providersClient = await registerClientOf(kernel, providerMember.organisation_id, 'PIP');
  await assert.rejects(runCommand(kernel, 'exchange subsystem link-one-login', { subsystem: client, client: providersClient, 'return-url': [RETURN_URL] }), /own organisation/);
  await assert.rejects(runCommand(kernel, 'exchange subsystem link-one-login', { subsystem: client, client: 'no-such-client', 'return-url': [RETURN_URL] }), /own organisation/);
  const councilsClient = await registerClientOf(kernel, clientMember.organisation_id, 'Parking');
  for (const url of ['javascript:alert(1)', 'http://blue-badge.example.gov.uk/answer', 'https://blue-badge.example.gov.uk/answer#x', 'https://user@blue-badge.example.gov.uk/', `https://example.gov.uk/${'a'.repeat(500)}`, 'https://EXAMPLE.gov.uk/']) {
    await assert.rejects(runCommand(kernel, 'exchange subsystem link-one-login', { subsystem: client, client: councilsClient, 'return-url': [url] }), /return URL/, url);
  }
});

test('the consent request: forged return URL, another consumer\'s agreement, another person, a replayed answer and an unknown request are refused', async (t) => {
  const { kernel, client, agreementId, registry, serviceId, providerMember, agreements } = await startConsentService(t);
  const { consentRequests } = personalDataSharingOf(kernel);
  const refusedWith = (code: string) => (error: unknown) => error instanceof ConsentRequestError && error.code === code;
  const start = (changes: Partial<{ client: string; agreementId: string; record: string; state: string; returnUrl: string }>) => consentRequests.start({ client, agreementId, record: 'AB123456C', state: 's', returnUrl: RETURN_URL, ...changes });

  for (const returnUrl of ['https://evil.example/steal', `${RETURN_URL}?next=https://evil.example`, `${RETURN_URL}/`, 'https://blue-badge.example.gov.uk.evil.example/consent-answer', '//evil.example']) {
    await assert.rejects(start({ returnUrl }), refusedWith('invalid-request'), returnUrl);
  }
  for (const state of ['', 'x'.repeat(201), 'with space', 'new\nline']) await assert.rejects(start({ state }), refusedWith('invalid-request'));
  for (const record of ['', 'x'.repeat(101), 'AB 123', 'AB/123', '..%2F', 'AB?x=1', 'AB123456C\n', '.', '..', '...']) await assert.rejects(start({ record }), refusedWith('invalid-request'), `record ${JSON.stringify(record)}`);
  await assert.rejects(start({ client: 'GB-DEV/GOV/NOPE/none' }), refusedWith('invalid-request'));
  await assert.rejects(start({ agreementId: 'not-an-id' }), refusedWith('invalid-request'));

  const otherMember = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Hillside Council'), memberClass: 'GOV', memberCode: 'HC003', actor: OPERATOR });
  const otherAgreement = await agreements.add({ providerMemberId: providerMember.id, consumerMemberId: otherMember.id, serviceId, purpose: 'Parking permits', lawfulBasis: 'public-task', fields: '$.status', until: '2099-12-31', actor: OPERATOR });
  await agreements.approve(otherAgreement, providerMember.id, OPERATOR);
  await agreements.approve(otherAgreement, otherMember.id, OPERATOR);
  await assert.rejects(start({ agreementId: otherAgreement }), refusedWith('invalid-request'), "a consumer cannot ask for consent under another consumer's agreement");

  const id = await start({});
  const owner = async () => SUBJECT;
  const intruder = async () => 'urn:fdc:civitas:2024:intruder';
  const view = await consentRequests.open(id, owner);
  assert.equal(view.consumerName, 'Riverside Council');
  assert.equal(view.providerName, 'Benefits Agency');
  assert.deepEqual(view.fields, ['$.status', '$.rate']);
  assert.equal(view.lastDay, '2099-12-31');
  assert.equal(view.record, 'AB123456C');
  await assert.rejects(consentRequests.open(id, intruder), refusedWith('other-person'));
  await assert.rejects(consentRequests.answer({ id, subjectOf: intruder, agree: true, actor: 'account:intruder' }), refusedWith('other-person'));
  const answer = new URL(await consentRequests.answer({ id, subjectOf: owner, agree: false, actor: 'account:a' }));
  assert.equal(answer.searchParams.get('result'), 'refused');
  assert.equal(answer.searchParams.get('consent_id'), null);
  await assert.rejects(consentRequests.answer({ id, subjectOf: owner, agree: true, actor: 'account:a' }), refusedWith('answered'), 'a replayed form changes nothing');
  await assert.rejects(consentRequests.open(crypto.randomUUID(), owner), refusedWith('not-found'));
  await assert.rejects(consentRequests.open('../../etc', owner), refusedWith('not-found'));
});

test("a call that fails its signature, naming a member's client and a person, is logged as unproved and never shown to that person", async (t) => {
  const { kernel, client, agreementId, oneLoginClientId, call, name, nameOf, app, clientKeys, service } = await startConsentService(t);
  await giveConsent(kernel, { client, agreementId, subject: SUBJECT });
  const zeroSignature = (request: { headers: Record<string, string> }) => (request.headers.signature = request.headers.signature!.replace(/:[^:]*:/, `:${Buffer.alloc(64).toString('base64')}:`));
  const forged = name(
    await sendSignedCall(app, {
      path: `/r1/${service}/awards/AB123456C`,
      client,
      key: clientKeys[0]!,
      headers: { 'x-road-userid': `GB${SUBJECT}`, 'x-road-issue': 'Call 0800 000 000 now' },
      tamper: zeroSignature,
    }),
    'forged',
  );
  assert.equal(forged.headers['x-road-error'], 'Client.InvalidSignatureValue', forged.body);
  const real = await call(`GB${SUBJECT}`, 'real');
  assert.equal(real.statusCode, 200, real.body);

  const records = await waitForLogRecords(kernel.db, 2);
  const byId = new Map(records.map((record) => [nameOf(record.x_road_id), record]));
  assert.equal(byId.get('forged')?.client, client, 'the log keeps what was claimed');
  assert.equal(byId.get('forged')?.client_proved, 0, 'and that it was not proved');
  assert.equal(byId.get('real')?.client_proved, 1);

  const { person } = personalDataSharingOf(kernel);
  const { exchanges } = await person.listExchanges([{ clientId: oneLoginClientId, subject: SUBJECT }], 1);
  assert.deepEqual(exchanges.map((exchange) => nameOf(exchange.xRoadId)), ['real']);
  assert.ok(exchanges.every((exchange) => exchange.issue !== 'Call 0800 000 000 now'));
});
