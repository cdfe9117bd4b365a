import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { OPERATOR, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider } from '../testing/signed-calls.ts';
import { createAgreementRequests, findLatestAskedLastDay } from './agreement-requests.ts';

const YEAR = new Date().getUTCFullYear();
/** Within the five years an agreement asked for may last. */
const [UNTIL, LATER, EARLIER] = [`${YEAR + 2}-12-31`, `${YEAR + 3}-01-01`, `${YEAR + 1}-12-31`];
const refusedWith = (code: string) => (error: unknown) => (error as { code?: string }).code === code;

test('a consumer asks for its own subsystem, the provider narrows and approves it, and the subsystem may call with the fields agreed', async (t) => {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded","rate":"enhanced","name":"Ann Example"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { providerMember, clientMember, serviceId, client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, fields: false, grant: false });
  const requests = createAgreementRequests({ db: kernel.db, audit: kernel.audit, config: kernel.config });
  const [summary] = await requests.listServicesOf(providerMember.organisation_id);
  assert.equal(summary?.identifier, service);
  assert.equal(summary?.title, 'PIP award');
  assert.deepEqual(summary?.fields, ['$.name', '$.rate', '$.status']);
  assert.deepEqual(await requests.findServiceAt(requests.addressOf(service)), summary);
  assert.equal(await requests.findServiceAt(`${requests.addressOf(service)}/awards/1`), undefined, 'an address with a path is not the service itself');
  assert.deepEqual(await requests.listSubsystemsOf(clientMember.organisation_id), [client]);

  const ask = { serviceId, consumerOrganisationId: clientMember.organisation_id, subsystem: client, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: ['$.status', '$.rate'], until: UNTIL, actor: 'person:consumer' };
  const theirs = `${service.split('/').slice(0, 3).join('/')}/benefits`;
  await assert.rejects(requests.ask({ ...ask, subsystem: theirs }), refusedWith('exchange.SUBSYSTEM_NOT_FOUND'), "another organisation's subsystem");
  await assert.rejects(requests.ask({ ...ask, subsystem: 'not an identifier' }), refusedWith('exchange.SUBSYSTEM_NOT_FOUND'));
  const latest = findLatestAskedLastDay(new Date());
  for (const until of ['9999-01-01', `${YEAR + 5}-12-31`, new Date(Date.parse(`${latest}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)]) {
    await assert.rejects(requests.ask({ ...ask, until }), refusedWith('exchange.INVALID_AGREEMENT'), `${until}: more than five years from today`);
  }
  const id = await requests.ask(ask);
  assert.equal((await requests.find(id, clientMember.organisation_id, 'consumer')).consumerApproved, true);
  await assert.rejects(requests.find(id, clientMember.organisation_id, 'provider'), refusedWith('exchange.AGREEMENT_NOT_FOUND'), 'the consumer is not the provider');
  await assert.rejects(requests.approve({ agreementId: id, providerOrganisationId: clientMember.organisation_id, subsystem: client, actor: 'person:consumer' }), refusedWith('exchange.AGREEMENT_NOT_FOUND'), 'the consumer cannot approve as the provider');

  const asProvider = { agreementId: id, providerOrganisationId: providerMember.organisation_id, actor: 'person:provider' };
  await assert.rejects(requests.amend({ ...asProvider, fields: ['$.name'], until: UNTIL }), refusedWith('exchange.INVALID_AGREEMENT'), 'a field not asked for');
  await assert.rejects(requests.amend({ ...asProvider, fields: ['$.status'], until: LATER }), refusedWith('exchange.INVALID_AGREEMENT'), 'later than asked');
  await requests.amend({ ...asProvider, fields: ['$.status'], until: EARLIER });
  assert.equal(await requests.approve({ ...asProvider, subsystem: client }), 'active');
  await assert.rejects(requests.approve({ ...asProvider, subsystem: client }), refusedWith('exchange.AGREEMENT_STATE'), 'a replayed approval');
  await assert.rejects(requests.refuse(asProvider), refusedWith('exchange.AGREEMENT_STATE'), 'an agreement in force is not refused');
  assert.deepEqual((await requests.find(id, providerMember.organisation_id, 'provider')).fields, ['$.status']);

  const call = await sendSignedCall(app, { path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]! });
  assert.equal(call.statusCode, 200, call.body);
  assert.deepEqual(call.json(), { status: 'awarded' });
});

test('a refused request ends and gives no access right', async (t) => {
  const { kernel } = await createTestApp(t);
  const { providerMember, clientMember, serviceId, client, registry } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false, grant: false });
  const requests = createAgreementRequests({ db: kernel.db, audit: kernel.audit, config: kernel.config });
  const id = await requests.ask({ serviceId, consumerOrganisationId: clientMember.organisation_id, subsystem: client, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: ['$.status'], until: UNTIL, actor: 'person:consumer' });
  await requests.refuse({ agreementId: id, providerOrganisationId: providerMember.organisation_id, actor: 'person:provider' });
  assert.equal((await requests.find(id, clientMember.organisation_id, 'consumer')).status, 'ended');
  await assert.rejects(requests.approve({ agreementId: id, providerOrganisationId: providerMember.organisation_id, subsystem: client, actor: 'person:provider' }), refusedWith('exchange.AGREEMENT_STATE'));
  await assert.rejects(registry.revokeAccess({ serviceId, client, actor: OPERATOR }), /no such access right/);
});

test('the consumer withdraws its own draft; each party reads the statuses of its agreements, expired ones as expired', async (t) => {
  let now = new Date();
  const { kernel } = await createTestApp(t);
  const { providerMember, clientMember, serviceId, client } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false, grant: false });
  const requests = createAgreementRequests({ db: kernel.db, audit: kernel.audit, config: kernel.config, clock: () => now });
  const ask = { serviceId, consumerOrganisationId: clientMember.organisation_id, subsystem: client, purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: ['$.status'], until: UNTIL, actor: 'person:consumer' };
  const [withdrawn, approved] = [await requests.ask(ask), await requests.ask(ask)];
  await assert.rejects(requests.withdraw({ agreementId: withdrawn, consumerOrganisationId: providerMember.organisation_id, actor: 'person:provider' }), refusedWith('exchange.AGREEMENT_NOT_FOUND'), 'the provider is not the consumer');
  await requests.withdraw({ agreementId: withdrawn, consumerOrganisationId: clientMember.organisation_id, actor: 'person:consumer' });
  await assert.rejects(requests.withdraw({ agreementId: withdrawn, consumerOrganisationId: clientMember.organisation_id, actor: 'person:consumer' }), refusedWith('exchange.AGREEMENT_STATE'), 'a replay');
  await requests.approve({ agreementId: approved, providerOrganisationId: providerMember.organisation_id, subsystem: client, actor: 'person:provider' });
  await assert.rejects(requests.withdraw({ agreementId: approved, consumerOrganisationId: clientMember.organisation_id, actor: 'person:consumer' }), refusedWith('exchange.AGREEMENT_STATE'), 'an agreement in force is not withdrawn');

  const ids = [withdrawn, approved, crypto.randomUUID(), 'not an id'];
  assert.deepEqual(await requests.listStatuses(ids, clientMember.organisation_id, 'consumer'), new Map([[withdrawn, 'ended'], [approved, 'active']]));
  assert.deepEqual(await requests.listStatuses(ids, providerMember.organisation_id, 'provider'), new Map([[withdrawn, 'ended'], [approved, 'active']]));
  assert.deepEqual(await requests.listStatuses(ids, providerMember.organisation_id, 'consumer'), new Map(), 'not the consumer of them');
  now = new Date(`${YEAR + 3}-01-02T00:00:00Z`);
  assert.equal((await requests.listStatuses([approved], clientMember.organisation_id, 'consumer')).get(approved), 'expired');
});
