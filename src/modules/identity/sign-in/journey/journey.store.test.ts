import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../../testing/test-kernel.ts';
import { createIdentityModule } from '../../identity.module.ts';
import { createJourneyStore, type JourneyRow } from './journey.store.ts';

test('a journey state, with the authenticator-app secret shown, is sealed in the database; one kept in clear still reads', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const store = createJourneyStore(kernel.db, kernel.secrets);
  const journeys = kernel.db.withTables<{ identity_journey: JourneyRow }>();
  const readRawState = async (id: string) => (await journeys.selectFrom('identity_journey').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  const now = new Date().toISOString();
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const state = JSON.stringify({ email: 'ffion@example.com', authAppSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP' });

  await store.save({ id: 'sealed', state, created_at: now, expires_at: expiresAt });
  const raw = await readRawState('sealed');
  assert.match(raw, /^sealed1\./);
  assert.ok(!raw.includes('JBSWY3DPEHPK3PXPJBSWY3DP') && !raw.includes('ffion'), 'nothing of the state in the row');
  assert.equal((await store.find('sealed', now))?.state, state);

  const changed = JSON.stringify({ email: 'ffion@example.com' });
  await store.save({ id: 'sealed', state: changed, created_at: now, expires_at: expiresAt });
  assert.match(await readRawState('sealed'), /^sealed1\./, 'sealed when saved again');
  assert.equal((await store.find('sealed', now))?.state, changed);

  await journeys.insertInto('identity_journey').values({ id: 'from-before', state, created_at: now, expires_at: expiresAt }).execute();
  assert.equal((await store.find('from-before', now))?.state, state, 'a state kept in clear before sealing still reads');
});
