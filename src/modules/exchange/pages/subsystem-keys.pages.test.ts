import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { browserOf } from '../testing/console-browser.ts';
import { addOrganisation, generateTestKeyPair, OPERATOR, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { createRegistryVersionStore } from '../registry/registry-version.store.ts';
import { sendSignedCall, startTestProvider, thumbprintOf } from '../testing/signed-calls.ts';

type KeyTable = { exchange_subsystem_key: { thumbprint: string; subsystem_id: string; revoked_at: string | null } };

async function setUp(t: TestContext) {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded","rate":"enhanced"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const world = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: 'GET /awards/*' });
  const [row] = await kernel.db.withTables<{ exchange_subsystem: { id: string; member_id: string } }>().selectFrom('exchange_subsystem').select('id').where('member_id', '=', world.clientMember.id).execute();
  assert.ok(row);
  const keysPath = `/console/exchange/${world.clientMember.organisation_id}/subsystems/${row.id}/keys`;
  const call = (key = world.clientKeys[0]!) => sendSignedCall(app, { path: `/r1/${world.service}/awards/AB123456C`, client: world.client, key });
  const keysInUse = async () =>
    (await kernel.db.withTables<KeyTable>().selectFrom('exchange_subsystem_key').select('thumbprint').where('subsystem_id', '=', row.id).where('revoked_at', 'is', null).execute()).map((key) => key.thumbprint).sort();
  return { app, kernel, world, subsystemId: row.id, keysPath, call, keysInUse };
}

test('an owner sees each key with its thumbprint and the day it was added, adds one to rotate, revokes the old one, and the next call signed with it is refused; the last key only once they confirm the subsystem stops', async (t) => {
  const { app, kernel, world, keysPath, call, keysInUse } = await setUp(t);
  const { member, send, upload } = await browserOf(app, world.clientMember.organisation_id);
  const oldKey = world.clientKeys[0]!;
  const oldThumbprint = await thumbprintOf(oldKey);
  assert.equal((await call()).statusCode, 200);

  const overview = await send('GET', `/console/exchange/${world.clientMember.organisation_id}`);
  assert.ok(overview.body.includes(`href="${keysPath}"`), 'the overview links to each subsystem\'s keys');
  const page = await send('GET', keysPath);
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(oldThumbprint));
  assert.match(page.body, new RegExp(`Added[^]*${new Date().getUTCFullYear()}[^]*In use`));

  assert.equal((await upload(keysPath, { publicKey: '' })).statusCode, 400);
  const invalid = await upload(keysPath, { publicKey: 'not a key' });
  assert.match(invalid.body, /govuk-error-summary[^]*href="#publicKey"[^]*Give 1 or more ES256 or Ed25519 public keys/);
  assert.match((await upload(keysPath, { publicKey: oldKey.publicPem })).body, /registered already/);

  const newKey = generateTestKeyPair('ed25519');
  const added = await upload(keysPath, {}, { publicKeyFile: newKey.publicPem });
  assert.equal(added.statusCode, 303);
  assert.equal(added.headers.location, `${keysPath}?done=added`);
  const newThumbprint = await thumbprintOf(newKey);
  assert.deepEqual(await keysInUse(), [oldThumbprint, newThumbprint].sort());
  assert.equal((await call(newKey)).statusCode, 200, 'the new key signs at once');

  const confirm = await send('GET', `${keysPath}/${oldThumbprint}/revoke`);
  assert.equal(confirm.statusCode, 200);
  assert.doesNotMatch(confirm.body, /last key/, 'another key stays in use: no warning');
  const revoked = await send('POST', `${keysPath}/${oldThumbprint}/revoke`);
  assert.equal(revoked.headers.location, `${keysPath}?done=revoked`);
  const refused = await call(oldKey);
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.headers['x-road-error'], 'Client.InvalidSignatureValue', 'the next call signed with a revoked key is refused');
  assert.equal((await call(newKey)).statusCode, 200);
  assert.match((await send('GET', `${keysPath}?done=revoked`)).body, /You have revoked the key[^]*Revoked/);

  const last = await send('GET', `${keysPath}/${newThumbprint}/revoke`);
  assert.match(last.body, /last key in use[^]*I understand the subsystem stops working/);
  const unconfirmed = await send('POST', `${keysPath}/${newThumbprint}/revoke`);
  assert.equal(unconfirmed.statusCode, 400);
  assert.match(unconfirmed.body, /govuk-error-summary[^]*href="#confirm"/);
  assert.deepEqual(await keysInUse(), [newThumbprint], 'not revoked without confirming');
  assert.equal((await send('POST', `${keysPath}/${newThumbprint}/revoke`, { confirm: 'stops' })).statusCode, 303);
  assert.deepEqual(await keysInUse(), []);
  assert.equal((await call(newKey)).headers['x-road-error'], 'Client.InvalidSignatureValue');

  const events = (await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.action === 'exchange.subsystem.key-revoked' || event.action === 'exchange.subsystem.keys-added');
  assert.equal(events.length, 3);
  assert.ok(events.every((event) => event.actor === member.actor));

  const welsh = await send('GET', `${keysPath}?lang=cy`);
  assert.match(welsh.body, /Allweddi[^]*Ychwanegwyd[^]*Dirymwyd/);
});

test('attacker: another organisation gets 404 for the keys of a subsystem not its own, even through its own path with the id; a viewer reads but changes nothing; a replayed revocation changes nothing; malformed ids are refused', async (t) => {
  const { app, kernel, world, subsystemId, keysPath, keysInUse } = await setUp(t);
  const thumbprint = await thumbprintOf(world.clientKeys[0]!);
  const before = await keysInUse();
  const auditCount = async () => (await kernel.audit.listRecent({ limit: 200 })).filter((event) => event.action.startsWith('exchange.')).length;
  const events = await auditCount();

  // The provider's owner: a member of the exchange, but the subsystem is the client's.
  const other = await browserOf(app, world.providerMember.organisation_id);
  for (const path of [keysPath, `${keysPath}/${thumbprint}/revoke`]) assert.equal((await other.send('GET', path)).statusCode, 404, path);
  assert.equal((await other.send('POST', `${keysPath}/${thumbprint}/revoke`, { confirm: 'stops' })).statusCode, 404);
  assert.equal((await other.upload(keysPath, { publicKey: generateTestKeyPair().publicPem })).statusCode, 404);
  const ownPath = `/console/exchange/${world.providerMember.organisation_id}/subsystems/${subsystemId}/keys`;
  assert.equal((await other.send('GET', ownPath)).statusCode, 404, 'another member\'s subsystem id under its own organisation');
  assert.equal((await other.send('POST', `${ownPath}/${thumbprint}/revoke`, { confirm: 'stops' })).statusCode, 404);
  assert.equal((await other.upload(ownPath, { publicKey: generateTestKeyPair().publicPem })).statusCode, 404);

  // An organisation that is not a member at all.
  const stranger = await browserOf(app, await addOrganisation(kernel, 'Hillside Council'));
  assert.equal((await stranger.send('POST', `${keysPath}/${thumbprint}/revoke`, { confirm: 'stops' })).statusCode, 404);

  const viewer = await browserOf(app, world.clientMember.organisation_id, 'viewer');
  const read = await viewer.send('GET', keysPath);
  assert.equal(read.statusCode, 200);
  assert.ok(read.body.includes(thumbprint));
  assert.doesNotMatch(read.body, /Revoke|Add key/, 'no controls for a viewer');
  assert.equal((await viewer.send('POST', `${keysPath}/${thumbprint}/revoke`, { confirm: 'stops' })).statusCode, 403);
  assert.deepEqual(await keysInUse(), before);
  assert.equal(await auditCount(), events, 'nothing audited: nothing happened');

  const owner = await browserOf(app, world.clientMember.organisation_id);
  for (const bad of [`${keysPath}/not%20a%20thumbprint/revoke`, `${keysPath}/${'x'.repeat(65)}/revoke`, `/console/exchange/${world.clientMember.organisation_id}/subsystems/${'a'.repeat(400)}/keys`]) {
    assert.equal((await owner.send('GET', bad)).statusCode, 400, bad);
  }
  assert.equal((await owner.send('GET', `${keysPath}/${'A'.repeat(43)}/revoke`)).statusCode, 303, 'a key the subsystem does not have: back to the list');
  const tooBig = await owner.upload(keysPath, { publicKey: 'x'.repeat(3 * 1024 * 1024) });
  assert.equal(tooBig.statusCode, 413);

  // Revoked, then the same form sent again: no second revocation, no second event.
  await world.registry.addKeys({ subsystem: world.client, publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR });
  assert.equal((await owner.send('POST', `${keysPath}/${thumbprint}/revoke`)).statusCode, 303);
  const revocations = async () => (await kernel.audit.listRecent({ limit: 200 })).filter((event) => event.action === 'exchange.subsystem.key-revoked').length;
  assert.equal(await revocations(), 1);
  assert.equal((await owner.send('POST', `${keysPath}/${thumbprint}/revoke`)).headers.location, keysPath);
  assert.equal(await revocations(), 1);
});

/**
 * Runs `send` while a transaction holds the registry's version row, so every registry write waits
 * and the pages' reads all happen first: the race a real server meets now and then, every time.
 * PostgreSQL: released once both writes wait for the row. SQLite (one connection, queries queued
 * in turn): released after a pause, the queued requests' queries then taking turns.
 */
async function withRegistryWritesHeld<T>(kernel: Kernel, writers: number, send: () => Promise<T>): Promise<T> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding = () => {};
  const held = new Promise<void>((resolve) => (holding = resolve));
  const transaction = kernel.db.transaction().execute(async (tx) => {
    await createRegistryVersionStore(tx).bump();
    holding();
    await released;
  });
  await held;
  const sent = send();
  if (kernel.database.kind === 'postgres') {
    for (let round = 0; round < 400; round += 1) {
      const { rows } = await sql<{ count: string }>`select count(*) as count from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%exchange_registry_version%' and datname = current_database()`.execute(kernel.db);
      if (Number(rows[0]?.count) >= writers) break;
      await sleep(5);
    }
  } else {
    await sleep(300);
  }
  release();
  await transaction;
  return sent;
}

test('attacker: two revocations of the last two keys sent at once, neither confirmed, leave one key in use; the refused one is asked to confirm', async (t) => {
  const { app, kernel, world, keysPath, keysInUse } = await setUp(t);
  const owner = await browserOf(app, world.clientMember.organisation_id);
  await owner.send('GET', keysPath);
  await world.registry.addKeys({ subsystem: world.client, publicKeys: generateTestKeyPair('ed25519').publicPem, actor: OPERATOR });
  const both = await keysInUse();
  assert.equal(both.length, 2);
  const answers = await withRegistryWritesHeld(kernel, 2, () => Promise.all(both.map((thumbprint) => owner.send('POST', `${keysPath}/${thumbprint}/revoke`))));
  assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [303, 400]);
  assert.match(answers.find((answer) => answer.statusCode === 400)!.body, /govuk-error-summary[^]*href="#confirm"/);
  assert.equal((await keysInUse()).length, 1, 'the subsystem keeps a key');
});
