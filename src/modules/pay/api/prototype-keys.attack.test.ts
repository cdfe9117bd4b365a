import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, PAYMENT_REQUEST, startPayApp } from '../testing/pay-test-support.ts';

test('attacker: __proto__ and constructor are ordinary keys to Pay (as to Jackson), kept in metadata, never a prototype', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createAccountWithKey(payApp.services);
  const body = `${JSON.stringify(PAYMENT_REQUEST).slice(0, -1)},"__proto__":{"moto":true},"metadata":{"__proto__":"a","constructor":{"prototype":1},"toString":"b"}}`;
  const refused = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body });
  assert.equal(refused.statusCode, 422, 'a metadata value that is an object is refused as Pay refuses it');
  assert.equal(refused.json().description, 'Invalid attribute value: metadata. Values must be of type String, Boolean or Number');

  const accepted = await callApi(payApp.app, {
    method: 'POST',
    url: '/v1/payments',
    key,
    body: `${JSON.stringify(PAYMENT_REQUEST).slice(0, -1)},"__proto__":{"moto":true},"metadata":{"__proto__":"a","constructor":"c","toString":"b"}}`,
  });
  assert.equal(accepted.statusCode, 201, accepted.body);
  assert.equal(accepted.json().moto, false, 'a key inside __proto__ is not read as the body\'s own');
  const expected = '"metadata":{"__proto__":"a","constructor":"c","toString":"b"}';
  assert.ok(accepted.body.includes(expected), accepted.body);
  const fetched = await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${accepted.json().payment_id}`, key });
  assert.ok(fetched.body.includes(expected), fetched.body);
  assert.equal(({} as Record<string, unknown>).moto, undefined);
});
