import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliError } from '../../../platform/cli/cli-command.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import { getOverHttp } from '../../../testing/real-http.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createAgreementStore } from '../agreements/agreement.store.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { runCommand } from '../testing/exchange-fixtures.ts';
import { findFreePort, runExchangeCallScript, waitForLogRecords } from '../testing/signed-calls.ts';
import { createExchangeKeys } from '../gateway/exchange-keys.ts';
import { signForwardedRequest } from '../gateway/request-signature.ts';
import { demoServiceIdentifier, setUpDemoExchange } from './demo-exchange.ts';

/** Civitas with the example, listening where BASE_URL says, with no private network allowed but the example's own provider. */
async function startWithDemo(t: Parameters<typeof createTestApp>[0]) {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = await createTestApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port), DEMO_EXCHANGE: 'true', OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  await started.app.listen({ port, host: '127.0.0.1' });
  return { ...started, port, baseUrl };
}

test("with DEMO_EXCHANGE, the README's walk-through works: the council's signed call goes through Civitas to the agency's system and comes back cut to status and rate", async (t) => {
  const { kernel, port } = await startWithDemo(t);
  const demo = await runCommand(kernel, 'exchange demo show', {});
  assert.match(String(demo.client), /^GB-DEV\/GOV\/DEMO-COUNCIL\/blue-badge$/);
  assert.match(String(demo.service), /^GB-DEV\/GOV\/DEMO-BENEFITS\/pip\/pip-award$/);
  const { private_key: privateKey } = await runCommand(kernel, 'exchange demo key', {});
  const keyFile = join(mkdtempSync(join(tmpdir(), 'civitas-demo-exchange-')), 'council.pem');
  writeFileSync(keyFile, String(privateKey), { mode: 0o600 });

  const called = await runExchangeCallScript('--key', keyFile, '--client', String(demo.client), '--header', 'X-Road-Issue: blue-badge-application-1', String(demo.example_url));
  assert.equal(called.exitCode, 0, called.stdout);
  assert.match(called.stdout, /^200\n/);
  const body = JSON.parse(called.stdout.slice(called.stdout.lastIndexOf('\n{')));
  assert.deepEqual(body, { status: 'awarded', rate: { daily_living: 'standard', mobility: 'enhanced' } }, 'name, date of birth, postcode and notes are cut off');
  const [record] = await waitForLogRecords(kernel.db, 1);
  assert.equal(record?.status_code, 200);
  assert.equal(record?.agreement_id, demo.agreement_id);
  assert.doesNotMatch(JSON.stringify(record), /1968-04-12|Alex|QQ123456A/, 'the message log keeps neither the reference nor the date of birth and name asked with');

  const unknown = await runExchangeCallScript('--key', keyFile, '--client', String(demo.client), String(demo.example_url).replace('QQ123456A', 'QQ999999D'));
  assert.match(unknown.stdout, /^404\n/, "the provider's own answer for someone it does not know");
  const outsideTheRight = await runExchangeCallScript('--key', keyFile, '--client', String(demo.client), '--method', 'POST', '--data', '{}', String(demo.example_url));
  assert.match(outsideTheRight.stdout, /^500\n[^]*x-road-error: Server.ServerProxy.AccessDenied/, 'the access right is GET /awards/* only');

  const direct = await getOverHttp(port, '/demo-exchange/pip/awards/QQ123456A');
  assert.equal(direct.status, 401, 'the agency answers only calls Civitas signed');
  assert.doesNotMatch(direct.body, /Alex Example/);
  const forged = await getOverHttp(port, '/demo-exchange/pip/awards/QQ123456A', { 'x-road-client': String(demo.client), signature: 'civitas=:AAAA:', 'signature-input': 'civitas=("@method");created=1;keyid="x"' });
  assert.equal(forged.status, 401);
});

test("the agency's system answers only calls Civitas signed for its own service, not another member's service registered at its address", async (t) => {
  const { kernel, baseUrl } = await startWithDemo(t);
  const key = await createExchangeKeys({ db: kernel.db, secrets: kernel.secrets }).current('request-signing');
  const callAs = async (service: string) => {
    const url = `${baseUrl}/demo-exchange/pip/awards/QQ123456A?dateOfBirth=1968-04-12&name=Alex%20Example`;
    const headers = await signForwardedRequest({ method: 'GET', url, headers: { 'x-road-client': 'GB-DEV/GOV/DEMO-COUNCIL/blue-badge', 'x-road-service': service, 'x-road-id': crypto.randomUUID() } }, key, ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id']);
    return fetch(url, { headers });
  };
  assert.equal((await callAs('GB-DEV/GOV/DEMO-COUNCIL/blue-badge/pip-copy')).status, 403);
  assert.equal((await callAs(demoServiceIdentifier('GB-DEV'))).status, 200);
});

test('setting the example up again, at each start and from several processes at once, makes nothing twice; what was ended is put back', async (t) => {
  const { kernel, app } = await startWithDemo(t);
  const dependencies = { db: kernel.db, audit: kernel.audit, secrets: kernel.secrets, instance: kernel.config.EXCHANGE_INSTANCE, baseUrl: kernel.config.BASE_URL, outbound: outboundPolicyOf(kernel.config) };
  const [first, second] = await Promise.all([setUpDemoExchange(dependencies), setUpDemoExchange(dependencies)]);
  assert.deepEqual(first, second);
  const store = createRegistryStore(kernel.db);
  assert.equal((await store.listMembers('GB-DEV')).length, 2);
  const consumer = await store.findSubsystemByIdentifier({ instance: 'GB-DEV', memberClass: 'GOV', memberCode: 'DEMO-COUNCIL', subsystemCode: 'blue-badge' });
  assert.ok(consumer);
  assert.equal((await store.listKeys(consumer.id)).length, 1);
  assert.equal((await store.listActiveAccessRights(first.serviceId, consumer.id)).length, 1);
  const organisations = await app.inject({ method: 'GET', url: '/demo-exchange/pip/awards/QQ123456A' });
  assert.equal(organisations.statusCode, 401);

  const agreement = await createAgreementStore(kernel.db).find(first.agreementId);
  assert.equal(agreement?.status, 'active');
  assert.deepEqual(JSON.parse(agreement?.fields ?? '[]'), ['$.status', '$.rate']);
  assert.ok(agreement && agreement.ends_at > new Date(Date.now() + 360 * 86_400_000).toISOString() && agreement.ends_at < new Date(Date.now() + 370 * 86_400_000).toISOString(), 'it ends in a year');
  await runCommand(kernel, 'exchange agreement end', { as: agreement.consumer_member_id }, [first.agreementId]);
  const again = await setUpDemoExchange(dependencies);
  assert.notEqual(again.agreementId, first.agreementId, 'an ended agreement stays ended; a new one is drafted and approved');
  assert.equal((await createAgreementStore(kernel.db).find(again.agreementId))?.status, 'active');
});

test("the example's allowance reaches its own provider only: a service at any other path of Civitas is refused, as are calls that climb out of the prefix", async (t) => {
  const { kernel, baseUrl } = await startWithDemo(t);
  const demo = await runCommand(kernel, 'exchange demo show', {});
  const providerSubsystem = String(demo.service).replace(/\/pip-award$/, '');
  const openApi = join(mkdtempSync(join(tmpdir(), 'civitas-demo-exchange-')), 'openapi.json');
  writeFileSync(openApi, JSON.stringify({ openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/x': { get: { responses: { '200': { description: 'x' } } } } } }));
  for (const url of [`${baseUrl}/console`, `${baseUrl}/demo-exchange/pipe`, `${baseUrl}/demo-exchange/pip/../../console`, `http://localhost:${new URL(baseUrl).port}/demo-exchange/pip`]) {
    await assert.rejects(runCommand(kernel, 'exchange service add', { subsystem: providerSubsystem, code: 'elsewhere', url, openapi: openApi }), (error: unknown) => error instanceof CliError && /non-public address/.test(error.message), url);
  }
});

test('without DEMO_EXCHANGE nothing is set up, the provider is not there, and the commands say how to turn it on', async (t) => {
  const { app, kernel } = await createTestApp(t);
  assert.equal(kernel.config.DEMO_EXCHANGE, false);
  assert.deepEqual(await createRegistryStore(kernel.db).listMembers('GB-DEV'), []);
  assert.equal((await app.inject({ method: 'GET', url: '/demo-exchange/pip/awards/QQ123456A' })).statusCode, 404);
  for (const command of ['exchange demo show', 'exchange demo key']) {
    await assert.rejects(runCommand(kernel, command, {}), /DEMO_EXCHANGE=true/);
  }
  assert.deepEqual(await createRegistryStore(kernel.db).listMembers('GB-DEV'), [], 'the commands set up nothing either');
});
