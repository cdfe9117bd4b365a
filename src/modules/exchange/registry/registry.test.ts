import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { exportJWK } from 'jose';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { addOrganisation, createTestRegistry, generateTestKeyPair, OPERATOR, PIP_OPENAPI, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { createRegistryStore } from './registry.store.ts';
import { createRegistry, parseEndpointPattern } from './registry.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';

const refusedWith = (code: string) => (error: unknown) => (error as { code?: string }).code === code;

test('an operator adds members, subsystems with their keys, a service read from its OpenAPI description, and an access right', async (t) => {
  const kernel = await createTestKernel(t);
  const { registry, providerMember, provider, client, serviceId } = await setUpProviderAndClient(kernel, { baseUrl: 'http://127.0.0.1:9/pip', grant: 'GET /awards/*' });
  assert.equal(providerMember.status, 'approved');
  assert.equal(provider, 'GB-DEV/GOV/BA001/benefits');
  assert.equal(client, 'GB-DEV/GOV/RC002/blue-badge');

  const store = createRegistryStore(kernel.db);
  const service = await store.findService(serviceId);
  assert.equal(service?.openapi_format, 'yaml');
  assert.equal(service?.personal_data, 1);
  assert.deepEqual(JSON.parse(service?.endpoints ?? '[]'), [
    { method: 'GET', path: '/awards/{reference}', fields: ['$.status', '$.rate', '$.name'], containers: [] },
    { method: 'POST', path: '/awards/{reference}', fields: [], containers: [] },
  ]);
  const clientRow = await store.findSubsystemByIdentifier({ instance: 'GB-DEV', memberClass: 'GOV', memberCode: 'RC002', subsystemCode: 'blue-badge' });
  assert.ok(clientRow);
  const rights = await store.listActiveAccessRights(serviceId, clientRow.id);
  assert.deepEqual(rights.map((right) => [right.endpoint_method, right.endpoint_path]), [['GET', '/awards/*']]);

  const events = await kernel.audit.listRecent({ limit: 20 });
  const actions = events.map((event) => event.action);
  for (const action of ['exchange.member.added', 'exchange.subsystem.added', 'exchange.service.added', 'exchange.access.granted']) assert.ok(actions.includes(action), action);

  assert.equal(await registry.revokeAccess({ serviceId, client, endpoint: 'GET /awards/*', actor: OPERATOR }), 1);
  assert.deepEqual(await store.listActiveAccessRights(serviceId, clientRow.id), []);
  await assert.rejects(registry.revokeAccess({ serviceId, client, endpoint: 'GET /awards/*', actor: OPERATOR }), refusedWith('exchange.ACCESS_RIGHT_NOT_FOUND'));
});

test('a member asked for by someone other than an operator waits for approval, once', async (t) => {
  const kernel = await createTestKernel(t);
  const registry = createTestRegistry(kernel);
  const member = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Harbour Board'), memberClass: 'NGO', memberCode: 'HB', actor: { audit: 'console-person:abc', isOperator: false } });
  assert.equal(member.status, 'pending');
  await assert.rejects(registry.approveMember(member.id, { audit: 'console-person:abc', isOperator: false }), refusedWith('exchange.MEMBER_NOT_PENDING'));
  await registry.approveMember(member.id, OPERATOR);
  assert.equal((await createRegistryStore(kernel.db).findMember(member.id))?.status, 'approved');
  await assert.rejects(registry.approveMember(member.id, OPERATOR), refusedWith('exchange.MEMBER_NOT_PENDING'));
});

test('keys: ES256 and Ed25519 as PEM, JWK or a JWK Set; rotation adds and revokes; private, RSA, duplicate and foreign keys are refused', async (t) => {
  const kernel = await createTestKernel(t);
  const registry = createTestRegistry(kernel);
  const member = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Keys Office'), memberClass: 'GOV', memberCode: 'KO', actor: OPERATOR });
  const ec = generateTestKeyPair('ec');
  const ed = generateTestKeyPair('ed25519');
  const edJwk = await exportJWK(ed.privateKey);
  const edPublicJwk = { kty: edJwk.kty, crv: edJwk.crv, x: edJwk.x };
  const subsystem = await registry.addSubsystem({ memberId: member.id, subsystemCode: 'one', publicKeys: JSON.stringify({ keys: [edPublicJwk] }), actor: OPERATOR });
  const [added] = await registry.addKeys({ subsystem, publicKeys: ec.publicPem, actor: OPERATOR });
  assert.match(added ?? '', /^[A-Za-z0-9_-]{43}$/);
  await registry.revokeKey({ subsystem, thumbprint: added ?? '', lastKey: 'refuse', actor: OPERATOR });
  await assert.rejects(registry.revokeKey({ subsystem, thumbprint: added ?? '', lastKey: 'allow', actor: OPERATOR }), refusedWith('exchange.KEY_NOT_FOUND'));

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  for (const [publicKeys, code] of [
    [rsa, 'exchange.INVALID_PUBLIC_KEY'],
    [p384, 'exchange.INVALID_PUBLIC_KEY'],
    [privatePem, 'exchange.INVALID_PUBLIC_KEY'],
    [JSON.stringify(edJwk), 'exchange.INVALID_PUBLIC_KEY'],
    [JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), 'exchange.INVALID_PUBLIC_KEY'],
    ['not a key', 'exchange.INVALID_PUBLIC_KEY'],
    [JSON.stringify({ keys: [edPublicJwk, edPublicJwk] }), 'exchange.INVALID_PUBLIC_KEY'],
    [JSON.stringify(edPublicJwk), 'exchange.KEY_EXISTS'],
  ] as const) {
    await assert.rejects(registry.addSubsystem({ memberId: member.id, subsystemCode: `two`, publicKeys, actor: OPERATOR }), refusedWith(code), publicKeys.slice(0, 40));
  }
  await assert.rejects(registry.addSubsystem({ memberId: member.id, subsystemCode: 'one', publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR }), refusedWith('exchange.SUBSYSTEM_EXISTS'));
});

test("the last key in use is revoked only when the caller allows it; another key or a revoked one does not count", async (t) => {
  const kernel = await createTestKernel(t);
  const registry = createTestRegistry(kernel);
  const member = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Last Key Office'), memberClass: 'GOV', memberCode: 'LK', actor: OPERATOR });
  const subsystem = await registry.addSubsystem({ memberId: member.id, subsystemCode: 'one', publicKeys: generateTestKeyPair('ec').publicPem, actor: OPERATOR });
  const store = createRegistryStore(kernel.db);
  const [first] = await store.listKeysInUse((await store.findSubsystemByIdentifier({ instance: 'GB-DEV', memberClass: 'GOV', memberCode: 'LK', subsystemCode: 'one' }))!.id);
  const [second] = await registry.addKeys({ subsystem, publicKeys: generateTestKeyPair('ed25519').publicPem, actor: OPERATOR });
  await registry.revokeKey({ subsystem, thumbprint: first!, lastKey: 'refuse', actor: OPERATOR });
  await assert.rejects(registry.revokeKey({ subsystem, thumbprint: second!, lastKey: 'refuse', actor: OPERATOR }), refusedWith('exchange.LAST_KEY'));
  await assert.rejects(registry.revokeKey({ subsystem, thumbprint: first!, lastKey: 'refuse', actor: OPERATOR }), refusedWith('exchange.KEY_NOT_FOUND'), 'a revoked key is not found, not "last"');
  await registry.revokeKey({ subsystem, thumbprint: second!, lastKey: 'allow', actor: OPERATOR });
  const revocations = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.action === 'exchange.subsystem.key-revoked');
  assert.equal(revocations.length, 2, 'refusals change nothing and record nothing');
});

test('attacker: two revocations of a subsystem\'s last two keys sent at once cannot both pass the "another key stays in use" check', async (t) => {
  const kernel = await createTestKernel(t);
  const registry = createTestRegistry(kernel);
  const store = createRegistryStore(kernel.db);
  const member = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Race Office'), memberClass: 'GOV', memberCode: 'RO', actor: OPERATOR });
  for (let round = 0; round < 5; round += 1) {
    const subsystem = await registry.addSubsystem({ memberId: member.id, subsystemCode: `race-${round}`, publicKeys: [generateTestKeyPair('ec'), generateTestKeyPair('ed25519')].map((key) => key.publicPem).join('\n'), actor: OPERATOR });
    const row = await store.findSubsystemByIdentifier({ instance: 'GB-DEV', memberClass: 'GOV', memberCode: 'RO', subsystemCode: `race-${round}` });
    const thumbprints = await store.listKeysInUse(row!.id);
    assert.equal(thumbprints.length, 2);
    const outcomes = await Promise.allSettled(thumbprints.map((thumbprint) => registry.revokeKey({ subsystem, thumbprint, lastKey: 'refuse', actor: OPERATOR })));
    assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['fulfilled', 'rejected'], `round ${round}`);
    assert.ok(outcomes.some((outcome) => outcome.status === 'rejected' && refusedWith('exchange.LAST_KEY')(outcome.reason)));
    assert.equal((await store.listKeysInUse(row!.id)).length, 1, 'one key stays in use');
  }
});

test('refusals: bad identifiers, unknown organisation, a member twice, base URLs that reach the private network or carry a query, invalid OpenAPI, bad endpoints', async (t) => {
  const kernel = await createTestKernel(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  const registry = createTestRegistry(kernel);
  const organisationId = await addOrganisation(kernel, 'Refusals Office');
  for (const [memberClass, memberCode] of [['gov', 'X'], ['GOV', 'a/b'], ['GOV', ''], ['GOV', 'x'.repeat(65)], ['GOV', '..%2F']]) {
    await assert.rejects(registry.addMember({ organisationId, memberClass: memberClass ?? '', memberCode: memberCode ?? '', actor: OPERATOR }), refusedWith('exchange.INVALID_IDENTIFIER'));
  }
  await assert.rejects(registry.addMember({ organisationId: 'no-such-organisation', memberClass: 'GOV', memberCode: 'X', actor: OPERATOR }), refusedWith('exchange.ORGANISATION_NOT_FOUND'));
  const member = await registry.addMember({ organisationId, memberClass: 'GOV', memberCode: 'RO', actor: OPERATOR });
  await assert.rejects(registry.addMember({ organisationId, memberClass: 'COM', memberCode: 'OTHER', actor: OPERATOR }), refusedWith('exchange.MEMBER_EXISTS'));
  const subsystem = await registry.addSubsystem({ memberId: member.id, subsystemCode: 'sys', publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR });

  for (const baseUrl of ['http://127.0.0.1/x', 'http://169.254.169.254/latest', 'http://localhost:3000', 'file:///etc/passwd', 'http://user:pw@example.org', 'https://example.org/api?x=1', 'not a url']) {
    await assert.rejects(registry.addService({ subsystem, serviceCode: 'svc', baseUrl, openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR }), refusedWith('exchange.INVALID_URL'), baseUrl);
  }
  const external = `openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: 'http://127.0.0.1:1/secret.yaml'}\n`;
  for (const openApi of ['openapi: 3.0.3\ninfo: {title: x}\n', '{"openapi": "3.0.3",', '/etc/passwd', 'a: &a [1]\nb: *a\nb: 2\n', external, 'x'.repeat(1024 * 1024 + 1)]) {
    await assert.rejects(registry.addService({ subsystem, serviceCode: 'svc', baseUrl: 'https://example.org/api', openApi, personalData: false, actor: OPERATOR }), refusedWith('exchange.INVALID_OPENAPI'), openApi.slice(0, 30));
  }
  const serviceId = await registry.addService({ subsystem, serviceCode: 'svc', baseUrl: 'https://example.org/api/', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR });
  assert.equal((await createRegistryStore(kernel.db).findService(serviceId))?.base_url, 'https://example.org/api');
  await assert.rejects(registry.addService({ subsystem, serviceCode: 'svc', baseUrl: 'https://example.org/api', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR }), refusedWith('exchange.SERVICE_EXISTS'));
  await assert.rejects(registry.grantAccess({ serviceId, client: 'GB-DEV/GOV/RO/nobody', actor: OPERATOR }), refusedWith('exchange.SUBSYSTEM_NOT_FOUND'));
  await assert.rejects(registry.grantAccess({ serviceId, client: 'OTHER/GOV/RO/sys', actor: OPERATOR }), refusedWith('exchange.SUBSYSTEM_NOT_FOUND'));
  await assert.rejects(registry.grantAccess({ serviceId, client: 'GB-DEV/GOV/RO', actor: OPERATOR }), refusedWith('exchange.INVALID_IDENTIFIER'));
  await assert.rejects(registry.grantAccess({ serviceId: 'nope', client: subsystem, actor: OPERATOR }), refusedWith('exchange.SERVICE_NOT_FOUND'));
});

test("a member cannot register a base URL at, above or under another member's service; its own systems it may", async (t) => {
  const kernel = await createTestKernel(t);
  const { registry, provider, client } = await setUpProviderAndClient(kernel, { baseUrl: 'http://127.0.0.1:9/pip', grant: false });
  const add = (subsystem: string, serviceCode: string, baseUrl: string) => registry.addService({ subsystem, serviceCode, baseUrl, openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR });
  const spellingsOfTheSameSystem = ['http://127.0.0.1:9/pip', 'http://127.0.0.1:9/pip/', 'http://127.0.0.1:9/pip/awards', 'http://127.0.0.1:9', 'http://127.0.0.1:9/', 'http://127.0.0.1:9/PIP'];
  const otherNamesOfThisMachine = ['http://[::ffff:127.0.0.1]:9/pip', 'http://[::1]:9/pip', 'http://127.0.0.2:9/pip', 'http://0.0.0.0:9/pip', 'http://localhost:9/pip', 'http://LOCALHOST.:9/pip/x', 'http://2130706433:9/pip'];
  for (const baseUrl of [...spellingsOfTheSameSystem, ...otherNamesOfThisMachine]) {
    await assert.rejects(add(client, 'spoof', baseUrl), refusedWith('exchange.BASE_URL_TAKEN'), baseUrl);
  }
  // A server may unescape a path, drop what follows ";", or trim it: such paths are not registered at all.
  for (const baseUrl of ['http://127.0.0.1:9/%70ip/x', 'http://127.0.0.1:9//pip', 'http://127.0.0.1:9/pip;x', 'http://127.0.0.1:9/pip%00', 'http://127.0.0.1:9/pip%20', 'http://127.0.0.1:9/pip%2e', 'http://127.0.0.1:9/pip.', 'http://127.0.0.1:9/pip%2fawards']) {
    await assert.rejects(add(client, 'spoof', baseUrl), refusedWith('exchange.INVALID_URL'), baseUrl);
  }
  assert.ok(await add(client, 'own', 'http://127.0.0.1:9/pipx'));
  assert.ok(await add(client, 'elsewhere', 'http://127.0.0.1:10/pip'));
  assert.ok(await add(provider, 'v2', 'http://127.0.0.1:9/pip/v2'), 'a member may nest its own services');
  await assert.rejects(add(provider, 'under-client', 'http://127.0.0.1:9/pipx/y'), refusedWith('exchange.BASE_URL_TAKEN'), 'and the rule holds both ways');
});

test("a member cannot reach another member's service through a host name that resolves to the same address", async (t) => {
  const kernel = await createTestKernel(t);
  const { provider, client } = await setUpProviderAndClient(kernel, { baseUrl: 'http://provider.test:9/pip', grant: false });
  const dns: Record<string, string[]> = { 'provider.test': ['198.51.100.7'], 'alias.test': ['203.0.113.9', '::ffff:198.51.100.7'], 'elsewhere.test': ['203.0.113.9'] };
  const registry = createRegistry({ db: kernel.db, audit: kernel.audit, instance: kernel.config.EXCHANGE_INSTANCE, outbound: outboundPolicyOf(kernel.config), addressesOf: async (name) => dns[name] ?? [] });
  const add = (subsystem: string, serviceCode: string, baseUrl: string) => registry.addService({ subsystem, serviceCode, baseUrl, openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR });
  for (const baseUrl of ['http://alias.test:9/pip/awards', 'http://198.51.100.7:9/pip', 'http://[::ffff:c633:6407]:9/', 'http://PROVIDER.test.:9/pip']) {
    await assert.rejects(add(client, 'alias', baseUrl), refusedWith('exchange.BASE_URL_TAKEN'), baseUrl);
  }
  assert.ok(await add(client, 'own', 'http://elsewhere.test:9/pip'), 'another address is another system');
  assert.ok(await add(client, 'unresolved', 'http://not-yet-in-dns.test:9/pip'), 'a name with no address yet is compared by its name');
  assert.ok(await add(provider, 'v2', 'http://provider.test:9/pip/v2'), 'a member may nest its own services');
  await assert.rejects(add(provider, 'v3', 'http://alias.test:9/pip/v3'), refusedWith('exchange.BASE_URL_TAKEN'), 'alias.test reaches the client member\'s system too');
});

test('host names are resolved before the registry is written: a slow resolver holds no other registry change', async (t) => {
  const kernel = await createTestKernel(t);
  const { client } = await setUpProviderAndClient(kernel, { baseUrl: 'http://provider.test:9/pip', grant: false });
  let answerDns: () => void = () => {};
  const dnsAnswered = new Promise<void>((resolve) => (answerDns = resolve));
  const registry = createRegistry({
    db: kernel.db,
    audit: kernel.audit,
    instance: kernel.config.EXCHANGE_INSTANCE,
    outbound: outboundPolicyOf(kernel.config),
    addressesOf: async (name) => (name === 'slow.test' ? dnsAnswered.then(() => ['203.0.113.50']) : ['203.0.113.60']),
  });
  const slow = registry.addService({ subsystem: client, serviceCode: 'slow', baseUrl: 'http://slow.test:9/slow', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR });
  // While the slow name is still resolving, another registry change goes through at once (on SQLite a
  // write transaction waiting on DNS would hold every other writer until it answered).
  assert.ok(await registry.addService({ subsystem: client, serviceCode: 'quick', baseUrl: 'http://quick.test:9/quick', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR }));
  answerDns();
  assert.ok(await slow);
});

test('a base URL registered while host names were being resolved is resolved and compared too', async (t) => {
  const kernel = await createTestKernel(t);
  const { provider, client } = await setUpProviderAndClient(kernel, { baseUrl: 'http://provider.test:9/pip', grant: false });
  const dns: Record<string, string[]> = { 'provider.test': ['198.51.100.7'], 'new-system.test': ['198.51.100.8'], 'alias-of-new.test': ['198.51.100.8'] };
  let racingRegistration: Promise<unknown> | undefined;
  const registry = createRegistry({
    db: kernel.db,
    audit: kernel.audit,
    instance: kernel.config.EXCHANGE_INSTANCE,
    outbound: outboundPolicyOf(kernel.config),
    addressesOf: async (name) => {
      if (name === 'alias-of-new.test' && racingRegistration === undefined) {
        // The provider registers new-system.test after the client's names were resolved, before its transaction.
        racingRegistration = registry.addService({ subsystem: provider, serviceCode: 'new', baseUrl: 'http://new-system.test:9/x', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR });
        await racingRegistration;
      }
      return dns[name] ?? [];
    },
  });
  await assert.rejects(
    registry.addService({ subsystem: client, serviceCode: 'alias', baseUrl: 'http://alias-of-new.test:9/x', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR }),
    refusedWith('exchange.BASE_URL_TAKEN'),
    'new-system.test was not known when the first names were resolved, and reaches the same address',
  );
  assert.ok(await racingRegistration);
});

test('endpoint patterns', () => {
  assert.deepEqual(parseEndpointPattern(undefined), { method: '*', path: '*' });
  assert.deepEqual(parseEndpointPattern('get /awards/*'), { method: 'GET', path: '/awards/*' });
  assert.deepEqual(parseEndpointPattern('* /awards/{reference}'), { method: '*', path: '/awards/{reference}' });
  assert.deepEqual(parseEndpointPattern('GET /awards/**'), { method: 'GET', path: '/awards/**' });
  assert.deepEqual(parseEndpointPattern('GET /**'), { method: 'GET', path: '/**' });
  for (const bad of ['GET', 'FETCH /a', 'GET awards', 'GET /a b', 'GET /a/*/b', 'GET /a/**/b', 'GET /a**', 'GET /a/***', `GET /${'a'.repeat(300)}`]) assert.throws(() => parseEndpointPattern(bad), /endpoint must be/, bad);
});
