import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccountWithKey, createPaymentByApi, payByCard, PAYMENT_REQUEST, startPayApp } from '../testing/pay-test-support.ts';

/** What clients send with a POST that needs no body: pay-publicapi reads none and answers the same to all. */
const BODIES: ReadonlyArray<{ type?: string; payload?: string }> = [
  {},
  { type: 'application/json' },
  { type: 'application/json', payload: '' },
  { type: 'application/json', payload: '{}' },
  { type: 'application/json', payload: '{"amount":' },
  { type: 'application/x-www-form-urlencoded', payload: 'a=1' },
  { type: 'text/plain', payload: 'capture please' },
  { type: 'application/xml', payload: '<capture/>' },
];

test('cancel and capture ignore any body, of any type, as Pay does: 204', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const post = (url: string, body: { type?: string; payload?: string }) =>
    payApp.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, ...(body.type === undefined ? {} : { 'content-type': body.type }) },
      ...(body.payload === undefined ? {} : { payload: body.payload }),
    });
  for (const body of BODIES) {
    const created = await createPaymentByApi(payApp.app, key);
    const cancelled = await post(`/v1/payments/${created.payment_id}/cancel`, body);
    assert.equal(cancelled.statusCode, 204, `cancel with ${JSON.stringify(body)}: ${cancelled.body}`);
    const paid = await payByCard(payApp, key, { body: { delayed_capture: true } });
    const captured = await post(`/v1/payments/${paid}/capture`, body);
    assert.equal(captured.statusCode, 204, `capture with ${JSON.stringify(body)}: ${captured.body}`);
  }
});

test("attacker: a body of another type on a route that reads JSON is Jersey's 415, in Dropwizard's words; cancel still needs its key", async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    for (const url of ['/v1/payments', '/v1/agreements']) {
      const response = await payApp.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        payload: type === 'text/plain' ? JSON.stringify(PAYMENT_REQUEST) : 'amount=1',
      });
      assert.equal(response.statusCode, 415, `${url} ${type}`);
      assert.deepEqual(response.json(), { code: 415, message: 'HTTP 415 Unsupported Media Type' });
    }
  }
  const created = await createPaymentByApi(payApp.app, key);
  const anonymous = await payApp.app.inject({ method: 'POST', url: `/v1/payments/${created.payment_id}/cancel`, headers: { 'content-type': 'text/plain' }, payload: 'x' });
  assert.equal(anonymous.statusCode, 401);
});
