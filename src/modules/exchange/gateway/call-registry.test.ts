import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createAgreements } from '../agreements/agreements.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { createTestRegistry, OPERATOR, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { thumbprintOf } from '../testing/signed-calls.ts';
import { createCallRegistry } from './call-registry.ts';

test('what calls read of the registry is kept until any process changes the registry: a revoked key or access right, or an ended agreement, counts from the next call', async (t) => {
  const kernel = await createTestKernel(t);
  const world = await setUpProviderAndClient(kernel, { baseUrl: 'http://127.0.0.1:9/pip', grant: 'GET /awards/*' });
  const calls = createCallRegistry(kernel.db);
  const thumbprint = await thumbprintOf(world.clientKeys[0]!);
  const client = await createRegistryStore(kernel.db).findSubsystem((await createRegistryStore(kernel.db).findKey(thumbprint))!.subsystem_id);
  const provider = await (await calls.current()).findSubsystem({ instance: 'GB-DEV', memberClass: 'GOV', memberCode: 'BA001', subsystemCode: 'benefits' });
  assert.ok(client && provider);

  const before = await calls.current();
  assert.equal((await before.findKey(thumbprint))?.subsystemId, client.id);
  assert.equal((await before.listAccessRights(world.serviceId, client.id)).length, 1);
  assert.equal((await before.listActiveAgreements(world.serviceId, client.member_id)).length, 1);
  assert.equal((await before.findService(provider.id, 'pip-award'))?.endpoints.length, 2);

  // A row changed behind the registry's back is not seen: what is read is cached...
  await kernel.db.withTables<{ exchange_subsystem_key: { thumbprint: string; algorithm: string } }>().updateTable('exchange_subsystem_key').set({ algorithm: 'changed' }).where('thumbprint', '=', thumbprint).execute();
  assert.equal((await (await calls.current()).findKey(thumbprint))?.algorithm, 'ecdsa-p256-sha256');

  // ...until a change through the registry, here by "another process" (a registry and agreements of their own).
  await createTestRegistry(kernel).revokeKey({ subsystem: world.client, thumbprint, lastKey: 'allow', actor: OPERATOR });
  await createTestRegistry(kernel).revokeAccess({ serviceId: world.serviceId, client: world.client, endpoint: 'GET /awards/*', actor: OPERATOR });
  await createAgreements({ db: kernel.db, audit: kernel.audit }).end(world.agreementId!, world.clientMember.id, OPERATOR);
  const after = await calls.current();
  assert.equal(await after.findKey(thumbprint), undefined);
  assert.deepEqual(await after.listAccessRights(world.serviceId, client.id), []);
  assert.deepEqual(await after.listActiveAgreements(world.serviceId, client.member_id), []);
  assert.equal((await before.findKey(thumbprint))?.subsystemId, client.id, 'a view taken before stays as it was: one call sees one moment');
});
