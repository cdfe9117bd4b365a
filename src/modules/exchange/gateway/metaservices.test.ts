import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { generateTestKeyPair, OPERATOR, PIP_OPENAPI, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall } from '../testing/signed-calls.ts';

test('metaservices: listMethods lists every endpoint, allowedMethods only the caller\'s rights, getOpenAPI the description, listClients the approved members', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const { registry, client, clientKeys, provider, clientMember } = await setUpProviderAndClient(kernel, { baseUrl: 'http://127.0.0.1:9/pip', grant: 'GET /awards/*' });
  const call = (path: string, key = clientKeys[0]!, as = client) => sendSignedCall(app, { path: `/r1/${path}`, client: as, key });

  const listed = await call(`${provider}/listMethods`);
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(listed.json(), {
    service: [
      {
        object_type: 'SERVICE',
        xroad_instance: 'GB-DEV',
        member_class: 'GOV',
        member_code: 'BA001',
        subsystem_code: 'benefits',
        service_code: 'pip-award',
        service_type: 'OPENAPI',
        endpoint_list: [
          { method: 'GET', path: '/awards/{reference}' },
          { method: 'POST', path: '/awards/{reference}' },
        ],
      },
    ],
  });
  const allowed = await call(`${provider}/allowedMethods`);
  assert.deepEqual((allowed.json() as { service: Array<{ endpoint_list: unknown }> }).service.map((service) => service.endpoint_list), [[{ method: 'GET', path: '/awards/*' }]]);

  // A subsystem with no rights is told of none.
  const otherKey = generateTestKeyPair();
  const other = await registry.addSubsystem({ memberId: clientMember.id, subsystemCode: 'other', publicKeys: otherKey.publicPem, actor: OPERATOR });
  assert.deepEqual((await call(`${provider}/allowedMethods`, otherKey, other)).json(), { service: [] });

  const description = await call(`${provider}/getOpenAPI?serviceCode=pip-award`);
  assert.equal(description.statusCode, 200);
  assert.match(String(description.headers['content-type']), /yaml/);
  assert.equal(description.body, PIP_OPENAPI);
  assert.equal((await call(`${provider}/getOpenAPI?serviceCode=nope`)).headers['x-road-error'], 'Server.ServerProxy.UnknownService');
  assert.equal((await call(`${provider}/getOpenAPI`)).headers['x-road-error'], 'Client.BadRequest');
  assert.equal((await call('GB-DEV/GOV/NOBODY/x/listMethods')).headers['x-road-error'], 'Server.ServerProxy.UnknownService');
  assert.equal((await app.inject({ method: 'GET', url: `/r1/${provider}/listMethods`, headers: { 'x-road-client': client } })).headers['x-road-error'], 'Client.MissingSignature', 'metaservices need a signed caller');

  const clients = await app.inject({ method: 'GET', url: '/r1/GB-DEV/listClients' });
  assert.equal(clients.statusCode, 200);
  const members = (clients.json() as { member: Array<{ id: Record<string, string>; name: string }> }).member;
  assert.deepEqual(
    members.map((member) => [member.id.object_type, member.id.member_code, member.id.subsystem_code ?? '', member.name]),
    [
      ['MEMBER', 'BA001', '', 'Benefits Agency'],
      ['SUBSYSTEM', 'BA001', 'benefits', 'Benefits Agency'],
      ['MEMBER', 'RC002', '', 'Riverside Council'],
      ['SUBSYSTEM', 'RC002', 'blue-badge', 'Riverside Council'],
      ['SUBSYSTEM', 'RC002', 'other', 'Riverside Council'],
    ],
  );
  assert.equal((await app.inject({ method: 'GET', url: '/r1/ELSEWHERE/listClients' })).headers['x-road-error'], 'Server.ServerProxy.UnknownService');
  await assert.rejects(registry.addService({ subsystem: provider, serviceCode: 'listMethods', baseUrl: 'http://127.0.0.1:9', openApi: PIP_OPENAPI, personalData: false, actor: OPERATOR }), /metaservice/);
});
