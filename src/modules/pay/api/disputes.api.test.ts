import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, payByCard, startPayApp } from '../testing/pay-test-support.ts';

test("GOV.UK Pay's dispute test cards are disputed once captured, lost or won, and GET /v1/disputes finds them as Pay's search", async (t) => {
  const payApp = await startPayApp(t);
  const { app, services } = payApp;
  const { key } = await createAccountWithKey(services);
  const lostPayment = await payByCard(payApp, key, { card: { cardNo: '4000000000000259' } });
  const wonPayment = await payByCard(payApp, key, { body: { amount: 3000 }, card: { cardNo: '4000000000002685' } });
  await payByCard(payApp, key);

  const beforeCapture = (await callApi(app, { method: 'GET', url: '/v1/disputes', key })).json();
  assert.equal(beforeCapture.total, 0, 'a dispute comes only after the payment is captured');
  // Capturing opens each dispute and queues its close: one run of the jobs captures and closes.
  await payApp.runJobs();

  const all = await callApi(app, { method: 'GET', url: '/v1/disputes', key });
  assert.equal(all.statusCode, 200, all.body);
  const page = all.json();
  assert.equal(page.total, 2);
  assert.equal(page.count, 2);
  assert.equal(page.page, 1);
  const lost = page.results.find((dispute: { payment_id: string }) => dispute.payment_id === lostPayment);
  const won = page.results.find((dispute: { payment_id: string }) => dispute.payment_id === wonPayment);
  const today = payApp.clock.now().toISOString().slice(0, 10);
  assert.match(lost.dispute_id, /^[0-9a-v]{26}$/);
  assert.deepEqual(
    { ...lost, dispute_id: 'ID', created_date: 'DATE' },
    {
      amount: 1450,
      created_date: 'DATE',
      dispute_id: 'ID',
      evidence_due_date: '2025-04-04T23:59:59.000Z',
      fee: 2000,
      net_amount: -3450,
      payment_id: lostPayment,
      reason: 'fraudulent',
      settlement_summary: { settled_date: today },
      status: 'lost',
      _links: { payment: { href: `http://localhost:3000/v1/payments/${lostPayment}`, method: 'GET' } },
    },
  );
  assert.deepEqual(
    { ...won, dispute_id: 'ID', created_date: 'DATE' },
    {
      amount: 3000,
      created_date: 'DATE',
      dispute_id: 'ID',
      evidence_due_date: '2025-04-04T23:59:59.000Z',
      payment_id: wonPayment,
      reason: 'fraudulent',
      settlement_summary: {},
      status: 'won',
      _links: { payment: { href: `http://localhost:3000/v1/payments/${wonPayment}`, method: 'GET' } },
    },
  );

  const onlyLost = (await callApi(app, { method: 'GET', url: '/v1/disputes?status=lost', key })).json();
  assert.deepEqual(onlyLost.results.map((dispute: { payment_id: string }) => dispute.payment_id), [lostPayment]);
  const settled = (await callApi(app, { method: 'GET', url: `/v1/disputes?from_settled_date=${today}&to_settled_date=${today}`, key })).json();
  assert.equal(settled.total, 1);
  const none = (await callApi(app, { method: 'GET', url: '/v1/disputes?status=needs_response', key })).json();
  assert.equal(none.total, 0);

  const paged = (await callApi(app, { method: 'GET', url: '/v1/disputes?status=won&display_size=1', key })).json();
  assert.deepEqual(paged._links.self, { href: 'http://localhost:3000/v1/disputes?status=won&page=1&display_size=1' });
  const firstOfTwo = (await callApi(app, { method: 'GET', url: '/v1/disputes?display_size=1', key })).json();
  assert.equal(firstOfTwo.count, 1);
  assert.deepEqual(firstOfTwo._links.next_page, { href: 'http://localhost:3000/v1/disputes?page=2&display_size=1' });

  const bad = await callApi(app, { method: 'GET', url: '/v1/disputes?status=closed&from_date=yesterday&page=0', key });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    code: 'P0401',
    description: 'Invalid parameters: from_date, page, state. See Public API documentation for the correct data formats',
  });
  const past = await callApi(app, { method: 'GET', url: '/v1/disputes?page=3&display_size=1', key });
  assert.equal(past.statusCode, 404);
  assert.deepEqual(past.json(), { code: 'P0402', description: 'Page not found' });

  for (const disputed of [lostPayment, wonPayment]) {
    const payment = (await callApi(app, { method: 'GET', url: `/v1/payments/${disputed}`, key })).json();
    assert.equal(payment.refund_summary.status, 'unavailable', 'as Pay, a disputed payment cannot be refunded');
    const refund = await callApi(app, { method: 'POST', url: `/v1/payments/${disputed}/refunds`, key, body: { amount: 100 } });
    assert.equal(refund.statusCode, 400);
    assert.deepEqual(refund.json(), { code: 'P0603', description: 'The payment is disputed and cannot be refunded' });
  }

  const { key: otherKey } = await createAccountWithKey(services);
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/disputes', key: otherKey })).json().total, 0, "another account's disputes are not shown");
  const { key: liveKey } = await createAccountWithKey(services, { type: 'live' });
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/disputes', key: liveKey })).json().total, 0);
});
