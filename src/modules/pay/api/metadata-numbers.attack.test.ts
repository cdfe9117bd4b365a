import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, PAYMENT_REQUEST, startPayApp } from '../testing/pay-test-support.ts';

/** The create-payment body with this metadata written as raw JSON text. */
const withMetadata = (metadata: string) => `${JSON.stringify(PAYMENT_REQUEST).slice(0, -1)},"metadata":${metadata}}`;

test('metadata numbers are kept exactly as sent, stored as text and written back as the same JSON literal', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const metadata = '{"big":12345678901234567890,"past_double":9007199254740993,"one":1.0,"far":1e400,"tiny":-1E-400,"plain":42,"half":0.5,"text":"x","flag":true}';
  const created = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: withMetadata(metadata) });
  assert.equal(created.statusCode, 201, created.body);
  const expected = metadata;
  assert.ok(created.body.includes(`"metadata":${expected}`), created.body);

  const paymentId = created.json().payment_id as string;
  const fetched = await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key });
  assert.ok(fetched.body.includes(`"metadata":${expected}`), fetched.body);
  const searched = await callApi(payApp.app, { method: 'GET', url: '/v1/payments', key });
  assert.ok(searched.body.includes(`"metadata":${expected}`), searched.body);

  const stored = await payApp.kernel.db
    .withTables<{ pay_payment: { id: string; metadata: string | null } }>()
    .selectFrom('pay_payment')
    .select('metadata')
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  assert.equal(stored.metadata, expected);
});

test('attacker: two bodies that differ only past a double are different requests to Idempotency-Key; metadata rules still hold', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const post = (metadata: string) =>
    callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: withMetadata(metadata), headers: { 'idempotency-key': 'numbers-1' } });
  assert.equal((await post('{"n":12345678901234567890}')).statusCode, 201);
  assert.equal((await post('{"n":12345678901234567890}')).statusCode, 200, 'the same request again is the same payment');
  const different = await post('{"n":12345678901234567891}');
  assert.equal(different.statusCode, 409);
  assert.equal(different.json().code, 'P0191');

  const nested = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: withMetadata('{"n":[12345678901234567890]}') });
  assert.equal(nested.statusCode, 422);
  assert.deepEqual(nested.json(), {
    code: 'P0102',
    field: 'metadata',
    description: 'Invalid attribute value: metadata. Values must be of type String, Boolean or Number',
  });
  const amount = await callApi(payApp.app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: JSON.stringify({ ...PAYMENT_REQUEST, amount: 'x' }).replace('"x"', '1000.0'),
  });
  assert.equal(amount.statusCode, 400, 'an amount that is not an integer is refused as before');
});
