import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, createPaymentByApi, payByCard, startPayApp } from '../testing/pay-test-support.ts';

test('partial and full refunds: 202 submitted, then success; the refund summary keeps count', async (t) => {
  const payApp = await startPayApp(t);
  const { app } = payApp;
  const { key } = await createAccountWithKey(payApp.services);
  const paymentId = await payByCard(payApp, key);
  const refund = (amount: number, extra: Record<string, unknown> = {}) =>
    callApi(app, { method: 'POST', url: `/v1/payments/${paymentId}/refunds`, key, body: { amount, ...extra } });

  const partial = await refund(500, { refund_amount_available: 1450 });
  assert.equal(partial.statusCode, 202, partial.body);
  const first = partial.json();
  assert.equal(first.status, 'submitted');
  assert.equal(first.amount, 500);
  assert.match(first.refund_id, /^[0-9a-v]{26}$/);
  assert.deepEqual(first._links, {
    self: { href: `http://localhost:3000/v1/payments/${paymentId}/refunds/${first.refund_id}`, method: 'GET' },
    payment: { href: `http://localhost:3000/v1/payments/${paymentId}`, method: 'GET' },
  });
  let payment = (await callApi(app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.deepEqual(payment.refund_summary, { status: 'available', amount_available: 950, amount_submitted: 500 });

  await payApp.runJobs();
  const settled = (await callApi(app, { method: 'GET', url: `/v1/payments/${paymentId}/refunds/${first.refund_id}`, key })).json();
  assert.equal(settled.status, 'success');
  assert.equal(settled.settlement_summary.settled_date.length, 10);

  const mismatch = await refund(100, { refund_amount_available: 1450 });
  assert.equal(mismatch.statusCode, 412);
  assert.deepEqual(mismatch.json(), { code: 'P0604', description: 'Refund amount available mismatch.' });

  const over = await refund(951);
  assert.equal(over.statusCode, 400);
  assert.deepEqual(over.json(), { code: 'P0603', description: 'The payment is not available for refund. Payment refund status: amount_not_available' });

  payApp.clock.advance(1000);
  const rest = await refund(950, { refund_amount_available: 950 });
  assert.equal(rest.statusCode, 202);
  await payApp.runJobs();
  payment = (await callApi(app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.deepEqual(payment.refund_summary, { status: 'full', amount_available: 0, amount_submitted: 1450 });
  const full = await refund(1);
  assert.deepEqual(full.json(), { code: 'P0603', description: 'The payment is not available for refund. Payment refund status: full' });

  const list = (await callApi(app, { method: 'GET', url: `/v1/payments/${paymentId}/refunds`, key })).json();
  assert.equal(list.payment_id, paymentId);
  assert.deepEqual(list._embedded.refunds.map((item: { amount: number; status: string }) => [item.amount, item.status]), [[500, 'success'], [950, 'success']]);

  const search = (await callApi(app, { method: 'GET', url: '/v1/refunds?display_size=1', key })).json();
  assert.equal(search.total, 2);
  assert.equal(search.count, 1);
  assert.equal(search.results[0].payment_id, paymentId);
  assert.match(search._links.next_page.href, /page=2&display_size=1$/);
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/refunds?page=3&display_size=1', key })).json().code, 'P1100');
  assert.deepEqual((await callApi(app, { method: 'GET', url: '/v1/refunds?from_date=yesterday', key })).json(), {
    code: 'P1101',
    description: 'Invalid parameters: from_date. See Public API documentation for the correct data formats',
  });

  // The ledger: captured +1450, refunds -500 and -950.
  const entries = await payApp.kernel.db
    .withTables<{ pay_ledger_entry: { payment_id: string; amount: number; event_type: string } }>()
    .selectFrom('pay_ledger_entry')
    .select(['amount', 'event_type'])
    .where('payment_id', '=', paymentId)
    .execute();
  assert.equal(entries.reduce((sum, entry) => sum + entry.amount, 0), 0);
  assert.deepEqual(entries.filter((entry) => entry.amount !== 0).map((entry) => entry.amount).sort((a, b) => a - b), [-950, -500, 1450]);
});

test('refunds of a payment that has not succeeded, and bad refund requests, get Pay errors', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const created = await createPaymentByApi(payApp.app, key);
  const post = (body: unknown, id = created.payment_id) =>
    callApi(payApp.app, { method: 'POST', url: `/v1/payments/${id}/refunds`, key, body });
  assert.deepEqual((await post({ amount: 100 })).json(), {
    code: 'P0603',
    description: 'The payment is not available for refund. Payment refund status: pending',
  });
  assert.deepEqual((await post({})).json(), { code: 'P0601', field: 'amount', description: 'Missing mandatory attribute: amount' });
  assert.equal((await post({ amount: 'ten' })).statusCode, 400);
  assert.equal((await post({ amount: 'ten' })).json().code, 'P0602');
  assert.equal((await post({ amount: 0 })).statusCode, 422);
  // Pay reads only a JSON integer (JsonNode::isInt): the same value written as a decimal or with an exponent is refused.
  for (const body of ['{"amount":100.0}', '{"amount":1e2}', '{"amount":1E2}', '{"amount":100,"refund_amount_available":1450.0}', '{"amount":100,"refund_amount_available":1.45e3}']) {
    const refused = await post(body);
    assert.equal(refused.statusCode, 400, body);
    assert.equal(refused.json().code, 'P0602', body);
    assert.match(refused.json().description, /Must be a valid numeric format$/, body);
  }
  assert.equal((await post('{"amount":')).json().code, 'P0697');
  assert.deepEqual((await post({ amount: 1 }, 'nosuchpayment0000000000000')).json(), { code: 'P0600', description: 'Not found' });
  assert.equal((await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${created.payment_id}/refunds/nosuchrefund00000000000000`, key })).json().code, 'P0700');
});

test('refunds racing each other can never refund more than was paid', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const paymentId = await payByCard(payApp, key);
  const responses = await Promise.all(
    Array.from({ length: 10 }, () =>
      callApi(payApp.app, { method: 'POST', url: `/v1/payments/${paymentId}/refunds`, key, body: { amount: 300 } }),
    ),
  );
  const accepted = responses.filter((response) => response.statusCode === 202);
  const refused = responses.filter((response) => response.statusCode === 400);
  assert.equal(accepted.length, 4, '4 x 300 fit in 1450');
  assert.equal(refused.length, 6);
  for (const response of refused) assert.equal(response.json().code, 'P0603');
  await payApp.runJobs();
  const payment = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.deepEqual(payment.refund_summary, { status: 'available', amount_available: 250, amount_submitted: 1200 });

  // Racing again with refund_amount_available: only one request can match it.
  const exact = await Promise.all(
    Array.from({ length: 5 }, () =>
      callApi(payApp.app, {
        method: 'POST',
        url: `/v1/payments/${paymentId}/refunds`,
        key,
        body: { amount: 50, refund_amount_available: 250 },
      }),
    ),
  );
  assert.deepEqual(exact.map((response) => response.statusCode).sort(), [202, 412, 412, 412, 412]);
});

test('delayed capture: capturable until captured; racing captures take the money once', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const paymentId = await payByCard(payApp, key, { body: { delayed_capture: true } });
  const get = async () => (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  let payment = await get();
  assert.deepEqual(payment.state, { status: 'capturable', finished: false });
  assert.deepEqual(payment._links.capture, { href: `http://localhost:3000/v1/payments/${paymentId}/capture`, method: 'POST' });
  assert.equal(payment.delayed_capture, true);

  const captures = await Promise.all(
    Array.from({ length: 4 }, () => callApi(payApp.app, { method: 'POST', url: `/v1/payments/${paymentId}/capture`, key })),
  );
  assert.deepEqual(captures.map((response) => response.statusCode).sort(), [204, 409, 409, 409]);
  const conflict = captures.find((response) => response.statusCode === 409);
  assert.deepEqual(conflict?.json(), { code: 'P1003', description: 'Payment cannot be captured' });
  await payApp.runJobs();
  payment = await get();
  assert.deepEqual(payment.state, { status: 'success', finished: true });
  assert.ok(payment.settlement_summary.captured_date);
  const captured = await payApp.kernel.db
    .withTables<{ pay_ledger_entry: { payment_id: string; event_type: string } }>()
    .selectFrom('pay_ledger_entry')
    .select('event_type')
    .where('payment_id', '=', paymentId)
    .where('event_type', '=', 'captured')
    .execute();
  assert.equal(captured.length, 1, 'captured once in the ledger');
  assert.equal((await callApi(payApp.app, { method: 'POST', url: '/v1/payments/nosuchpayment0000000000000/capture', key })).json().code, 'P1000');
});

test('the service can cancel a payment that has not finished, once', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const created = await createPaymentByApi(payApp.app, key);
  const cancel = () => callApi(payApp.app, { method: 'POST', url: `/v1/payments/${created.payment_id}/cancel`, key });
  const first = await cancel();
  assert.equal(first.statusCode, 204);
  assert.equal(first.body, '');
  const payment = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${created.payment_id}`, key })).json();
  assert.deepEqual(payment.state, { status: 'cancelled', finished: true, message: 'Payment was cancelled by the service', code: 'P0040' });
  assert.equal(payment._links.cancel, undefined);
  const again = await cancel();
  assert.equal(again.statusCode, 409);
  assert.deepEqual(again.json(), { code: 'P0502', description: 'Cancellation of payment failed' });

  // A capturable payment can be cancelled too; its authorisation is released by a job.
  const held = await payByCard(payApp, key, { body: { delayed_capture: true } });
  assert.equal((await callApi(payApp.app, { method: 'POST', url: `/v1/payments/${held}/cancel`, key })).statusCode, 204);
  const jobs = await payApp.kernel.jobs.list();
  assert.ok(jobs.some((job) => job.type === 'pay.cancel-authorisation'));
  await payApp.runJobs();
  const audit = await payApp.kernel.audit.listRecent({ subject: `pay-payment:${held}` });
  assert.equal(audit[0]?.action, 'pay.payment.cancelled');
});
