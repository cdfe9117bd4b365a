import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceEvent } from '../../../platform/events/service-events.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import type { PaymentRow } from './payment.store.ts';
import { recordPaymentsForInsight } from './payment-insight.ts';
import {
  callApi,
  CARD_FORM,
  createAccountWithKey,
  createInjectBrowser,
  createPaymentByApi,
  openNextUrl,
  PAYMENT_REQUEST,
  payByCard,
  startPayApp,
} from '../testing/pay-test-support.ts';

type RawEvent = { service: string; type: string; journey_id: string; step: string | null; occurred_at: string };

async function readRawEvents(kernel: Kernel): Promise<RawEvent[]> {
  await kernel.serviceEvents.flush();
  return kernel.db.withTables<{ service_event: RawEvent }>().selectFrom('service_event').selectAll().orderBy('occurred_at').execute();
}

const journeysOf = (events: RawEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.journey_id).sort();

test('Insight hears of payments created, succeeded, failed and abandoned, once each, with no personal data', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId, key } = await createAccountWithKey(payApp.services);

  const paid = await payByCard(payApp, key);
  const declined = await createPaymentByApi(payApp.app, key);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, declined._links.next_url.href);
  await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000 0000 0000 0002' });
  const paidAfterFailing = await payByCard(payApp, key);
  const cancelled = await createPaymentByApi(payApp.app, key);
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/payments/${cancelled.payment_id}/cancel`, key })).statusCode, 204);
  const expired = await createPaymentByApi(payApp.app, key);
  payApp.clock.advance(91 * 60 * 1000);
  assert.equal(await payApp.services.payments.expireDuePayments(), 1);
  await payApp.runJobs();

  const events = await readRawEvents(payApp.kernel);
  assert.deepEqual(journeysOf(events, 'pay.payment.created'), [paid, declined.payment_id, paidAfterFailing, cancelled.payment_id, expired.payment_id].sort());
  assert.deepEqual(journeysOf(events, 'pay.payment.succeeded'), [paid, paidAfterFailing].sort());
  assert.deepEqual(journeysOf(events, 'pay.payment.failed'), [declined.payment_id]);
  assert.deepEqual(journeysOf(events, 'pay.payment.abandoned'), [cancelled.payment_id, expired.payment_id].sort());
  assert.equal(events.length, 10);
  assert.ok(events.every((event) => event.service === `pay-account:${accountId}` && event.step === null));

  const stored = JSON.stringify(events);
  for (const personal of [PAYMENT_REQUEST.reference, PAYMENT_REQUEST.description, String(PAYMENT_REQUEST.amount), CARD_FORM.email, CARD_FORM.cardholderName, '4242', '0002', CARD_FORM.addressPostcode, 'fishing.example']) {
    assert.ok(!stored.includes(personal), `no ${personal} in the events`);
  }
});

test('attacker: a replayed create (the same Idempotency-Key) and a second cancel record nothing more', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const headers = { 'idempotency-key': 'order-123-attempt-1' };
  const first = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST, headers });
  const again = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST, headers });
  assert.equal(first.json().payment_id, again.json().payment_id);
  const cancel = () => callApi(payApp.app, { method: 'POST', url: `/v1/payments/${first.json().payment_id}/cancel`, key });
  assert.equal((await cancel()).statusCode, 204);
  assert.equal((await cancel()).statusCode, 409);

  const events = await readRawEvents(payApp.kernel);
  assert.deepEqual(events.map((event) => event.type), ['pay.payment.created', 'pay.payment.abandoned']);
});

test('attacker: a change rolled back is never told, and one committed is told only after the commit', async (t) => {
  const kernel = await createTestKernel(t, { modules: [] });
  const told: ServiceEvent[] = [];
  const ledger: string[] = [];
  const { db, events } = recordPaymentsForInsight({
    db: kernel.db,
    events: { record: async (_transaction, event) => void ledger.push(event.eventType) },
    serviceEvents: { record: (event) => void told.push(event) },
    onRefused: (error) => assert.fail(String(error)),
  });
  const payment = { id: 'vmb0rsd4tkq9ffgi2rbh3jkhag', account_id: 'acct-1', status: 'created', failure_code: null } as unknown as PaymentRow;
  const created = { payment, eventType: 'created', at: '2026-12-03T10:00:00.000Z' };

  await assert.rejects(
    db.transaction().execute(async (transaction) => {
      await events.record(transaction, created);
      throw new Error('rolled back');
    }),
  );
  assert.deepEqual(told, []);

  await db.transaction().execute(async (transaction) => {
    await events.record(transaction, created);
    await events.record(transaction, { payment, eventType: 'started', at: created.at });
    assert.deepEqual(told, [], 'nothing told before the commit');
  });
  assert.deepEqual(told, [{ service: 'pay-account:acct-1', type: 'pay.payment.created', journeyId: payment.id, at: new Date(created.at) }]);
  assert.deepEqual(ledger, ['created', 'created', 'started']);
});
