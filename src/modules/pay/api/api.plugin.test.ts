import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, PAYMENT_REQUEST, startPayApp } from '../testing/pay-test-support.ts';

test("bodies nested too deep or too large are refused in Pay's envelope with the route's own code, never with a 500", async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  const deepArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;

  // GOV.UK Pay's JSON reader refuses deep nesting as it refuses any JSON it cannot read.
  const routes = [
    { url: '/v1/payments', code: 'P0197' },
    { url: '/v1/payments/no-such-payment/refunds', code: 'P0697' },
  ];
  for (const { url, code } of routes) {
    for (const nested of [deepObject, deepArray]) {
      for (const body of [nested, `{"amount":1450,"metadata":${nested}}`]) {
        const response = await callApi(app, { method: 'POST', url, key, body });
        assert.equal(response.statusCode, 400, url);
        assert.deepEqual(response.json(), { code, description: 'Unable to parse JSON' });
      }
    }
    const tooLarge = await callApi(app, { method: 'POST', url, key, body: { ...PAYMENT_REQUEST, description: 'x'.repeat(1024 * 1024) } });
    assert.equal(tooLarge.statusCode, 413);
    assert.deepEqual(tooLarge.json(), { code, description: 'Request body too large' });
  }

  const wide = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...PAYMENT_REQUEST, metadata: Array.from({ length: 100_000 }, () => 0) } });
  assert.equal(wide.statusCode, 422);
  assert.equal(wide.json().field, 'metadata');
});
