import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGroupCommit } from '../../../platform/db/group-commit.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createOidcPayloadStore, type OidcPayloadRow } from './oidc-payload.store.ts';

const row = (changes: Partial<OidcPayloadRow> = {}): OidcPayloadRow => ({
  model: 'AuthorizationCode',
  id: 'code-1',
  payload: '{"kind":"AuthorizationCode"}',
  grant_id: 'grant-1',
  user_code: null,
  uid: null,
  account_id: 'account-1',
  expires_at: '2026-01-01T12:01:00.000Z',
  consumed_at: null,
  ...changes,
});

test('payloads are stored, replaced, found while live, and consumed, each by model and id', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const payloads = createOidcPayloadStore(kernel.db);
  // node:sqlite gives rows without a prototype: compare their fields.
  const findFields = async (model: string, id: string, now: string) => {
    const found = await payloads.find(model, id, now);
    return found && { ...found };
  };
  const before = '2026-01-01T12:00:00.000Z';
  const after = '2026-01-01T12:02:00.000Z';

  await payloads.upsert(row());
  await payloads.upsert(row({ model: 'Grant', payload: '{"kind":"Grant"}', expires_at: null }));
  assert.deepEqual(await findFields('AuthorizationCode', 'code-1', before), row());
  assert.equal(await payloads.find('AuthorizationCode', 'code-1', after), undefined, 'expired');
  assert.equal((await payloads.find('Grant', 'code-1', after))?.payload, '{"kind":"Grant"}', 'no expiry: always live');
  assert.equal(await payloads.find('AuthorizationCode', 'code-2', before), undefined);

  await payloads.upsert(row({ payload: '{"kind":"AuthorizationCode","changed":true}', grant_id: 'grant-2' }));
  assert.deepEqual(await findFields('AuthorizationCode', 'code-1', before), row({ payload: '{"kind":"AuthorizationCode","changed":true}', grant_id: 'grant-2' }));

  await payloads.consume('AuthorizationCode', 'code-1', before);
  assert.equal((await payloads.find('AuthorizationCode', 'code-1', before))?.consumed_at, before);
  assert.equal((await payloads.find('Grant', 'code-1', before))?.consumed_at, null, 'only that model consumed');
});

test('with group commit, writes that arrive together are each stored once committed', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const payloads = createOidcPayloadStore(kernel.db, { writes: createGroupCommit(kernel.db) });
  const now = '2026-01-01T12:00:00.000Z';

  await Promise.all([
    payloads.upsert(row({ id: 'code-1' })),
    payloads.upsert(row({ id: 'code-2' })),
    payloads.upsert(row({ model: 'AccessToken', id: 'token-1' })),
  ]);
  await Promise.all([payloads.consume('AuthorizationCode', 'code-1', now), payloads.upsert(row({ id: 'code-3' }))]);

  const readBack = createOidcPayloadStore(kernel.db);
  assert.equal((await readBack.find('AuthorizationCode', 'code-1', now))?.consumed_at, now);
  assert.equal((await readBack.find('AuthorizationCode', 'code-2', now))?.consumed_at, null);
  assert.ok(await readBack.find('AuthorizationCode', 'code-3', now));
  assert.ok(await readBack.find('AccessToken', 'token-1', now));
});

test('recordOnce records an id until it expires, once: a second record of a live id fails, of an expired one succeeds', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const payloads = createOidcPayloadStore(kernel.db);
  const at = (time: string) => new Date(`2026-01-01T${time}.000Z`);
  const record = (time: string, expires: string) => payloads.recordOnce({ model: 'UsedRequestObject', id: 'object-1', now: at(time), expiresAt: at(expires) });
  assert.equal(await record('12:00:00', '12:05:00'), true);
  assert.equal(await record('12:01:00', '12:06:00'), false, 'still live');
  assert.equal(await payloads.recordOnce({ model: 'Other', id: 'object-1', now: at('12:01:00'), expiresAt: at('12:06:00') }), true, 'ids are per model');
  assert.equal(await record('12:05:00', '12:10:00'), true, 'expired: taken over');
  assert.equal(await record('12:06:00', '12:11:00'), false);
  const raced = await Promise.all(Array.from({ length: 6 }, (_, index) => payloads.recordOnce({ model: 'UsedRequestObject', id: 'object-2', now: at('12:00:00'), expiresAt: at(`12:0${index}:30`) })));
  assert.equal(raced.filter(Boolean).length, 1, 'at once, only one succeeds');
});
