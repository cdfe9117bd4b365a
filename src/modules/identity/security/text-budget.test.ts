import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { createTextBudget } from './text-budget.ts';
import { createThrottle } from './throttle.ts';

const victimNumber = '+447700900123';

test('verification codes sent to a number by strangers never spend the owner\'s sign-in texts', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const budget = createTextBudget(createThrottle({ db: kernel.db }));

  for (let attempt = 0; attempt < 5; attempt += 1) {
    assert.equal(await budget.spend({ kind: 'verify-number', requestedBy: `journey-${attempt}`, phoneNumber: victimNumber }, `203.0.113.${attempt}`), undefined);
  }
  const refused = await budget.spend({ kind: 'verify-number', requestedBy: 'journey-99', phoneNumber: victimNumber }, '203.0.113.99');
  assert.equal(refused?.locked, true, 'the number gets no more verification codes for a while');

  assert.equal(await budget.spend({ kind: 'sign-in', accountId: 'victim' }, '198.51.100.7'), undefined, 'the owner still gets a sign-in code');
});

test('sign-in texts are limited per account, and every text per client address (IPv6 by /64)', async (t) => {
  const kernel = await createTestKernel(t, { modules: [createIdentityModule()] });
  const budget = createTextBudget(createThrottle({ db: kernel.db }));

  for (let attempt = 0; attempt < 5; attempt += 1) assert.equal(await budget.spend({ kind: 'sign-in', accountId: 'a' }, '198.51.100.7'), undefined);
  assert.equal((await budget.spend({ kind: 'sign-in', accountId: 'a' }, '198.51.100.8'))?.locked, true);

  let refusedAt: number | undefined;
  for (let text = 0; text < 25 && refusedAt === undefined; text += 1) {
    const locked = await budget.spend({ kind: 'verify-number', requestedBy: `r${text}`, phoneNumber: `+4477009001${String(text).padStart(2, '0')}` }, `2001:db8:1:2::${text.toString(16)}`);
    if (locked) refusedAt = text;
  }
  assert.equal(refusedAt, 20, 'one /64 sends 20 texts an hour, whichever address in it asks');
});
