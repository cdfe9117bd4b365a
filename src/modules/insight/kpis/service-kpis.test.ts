import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeServiceKpis } from './service-kpis.ts';

test('a form service: completion from its forms (not its sign-ins), take-up and cost over every channel, satisfaction as the share of 4s and 5s', () => {
  const kpis = computeServiceKpis({
    counts: { 'forms.form.started': 40, 'forms.form.submitted': 30, 'identity.sign-in.started': 90, 'identity.sign-in.completed': 80, 'pay.payment.succeeded': 28, 'pay.payment.failed': 3 },
    team: { nonDigitalTransactions: 10, costPence: 120_000 },
    satisfaction: { 1: 1, 2: 1, 3: 2, 4: 4, 5: 2 },
  });
  assert.equal(kpis.completionSource, 'forms');
  assert.deepEqual(kpis.completionRate, { numerator: 30, denominator: 40, value: 0.75 });
  assert.deepEqual(kpis.digitalTakeUp, { numerator: 30, denominator: 40, value: 0.75 });
  assert.deepEqual(kpis.costPerTransactionPence, { numerator: 120_000, denominator: 40, value: 3000 });
  assert.deepEqual(kpis.satisfaction, { numerator: 6, denominator: 10, value: 0.6 });
  assert.deepEqual(kpis.payments, { created: 0, succeeded: 28, failed: 3, abandoned: 0 });
});

test('a sign-in-only service counts its sign-ins; with nothing to divide by a KPI is missing, not 0%', () => {
  const signIns = computeServiceKpis({ counts: { 'identity.sign-in.started': 8, 'identity.sign-in.completed': 6, 'notify.notification.delivered': 9, 'notify.notification.failed': 1 } });
  assert.equal(signIns.completionSource, 'sign-ins');
  assert.equal(signIns.completionRate?.value, 0.75);
  assert.equal(signIns.notifications.deliveryRate?.value, 0.9);
  for (const missing of [signIns.satisfaction, signIns.digitalTakeUp, signIns.costPerTransactionPence]) assert.equal(missing, undefined);

  const nothing = computeServiceKpis({ counts: {}, team: { costPence: 500 }, satisfaction: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });
  assert.equal(nothing.completionSource, 'none');
  for (const missing of [nothing.completionRate, nothing.satisfaction, nothing.costPerTransactionPence, nothing.notifications.deliveryRate]) assert.equal(missing, undefined);
});
