import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callApi, createAccountWithKey, createPaymentByApi, payByCard, startPayApp } from '../testing/pay-test-support.ts';

test('GET /v1/payments searches with Pay’s filters and pages with Pay’s links', async (t) => {
  const payApp = await startPayApp(t);
  const { app, clock } = payApp;
  const { key } = await createAccountWithKey(payApp.services);
  const visa = await payByCard(payApp, key, { body: { reference: 'REF-A' }, card: { email: 'ann.jones@example.com' } });
  clock.advance(60_000);
  const mastercard = await payByCard(payApp, key, {
    body: { reference: 'REF-B' },
    card: { cardNo: '5555555555554444', cardholderName: 'Bob Smith', email: 'bob@example.com' },
  });
  clock.advance(60_000);
  const created = await createPaymentByApi(app, key, { reference: 'REF-C' });
  await payApp.runJobs();

  const search = async (query: string) => {
    const response = await callApi(app, { method: 'GET', url: `/v1/payments${query}`, key });
    assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
    return response.json() as { total: number; count: number; page: number; results: Array<{ payment_id: string; _links: Record<string, unknown> }>; _links: Record<string, { href: string } | undefined> };
  };
  const ids = async (query: string) => (await search(query)).results.map((result) => result.payment_id);

  const all = await search('');
  assert.equal(all.total, 3);
  assert.deepEqual(all.results.map((result) => result.payment_id), [created.payment_id, mastercard, visa], 'newest first');
  assert.equal(all.results[0]?._links.next_url, undefined, 'search results carry no next_url');
  assert.deepEqual(await ids('?reference=REF-B'), [mastercard]);
  assert.deepEqual(await ids('?email=ANN.JONES'), [visa], 'email matches part of the address, ignoring case');
  assert.deepEqual(await ids('?state=success'), [mastercard, visa]);
  assert.deepEqual(await ids('?state=created'), [created.payment_id]);
  assert.deepEqual(await ids('?card_brand=master-card'), [mastercard]);
  assert.deepEqual(await ids('?first_digits_card_number=424242&last_digits_card_number=4242'), [visa]);
  assert.deepEqual(await ids('?cardholder_name=smith'), [mastercard]);
  assert.deepEqual(await ids('?from_date=2025-03-14T10:00:30Z&to_date=2025-03-14T10:01:30Z'), [mastercard]);
  assert.deepEqual(await ids('?from_settled_date=2025-03-14&to_settled_date=2025-03-14'), [mastercard, visa]);
  assert.deepEqual(await ids('?email=%25'), [], 'a % in the filter is a % in the address, not a wildcard');

  const paged = await search('?display_size=2&page=1&state=success');
  assert.equal(paged.count, 2);
  assert.equal(paged.page, 1);
  const firstPage = await search('?display_size=1&state=success');
  assert.equal(firstPage.total, 2);
  assert.equal(firstPage._links.self?.href, 'http://localhost:3000/v1/payments?state=success&page=1&display_size=1');
  assert.equal(firstPage._links.next_page?.href, 'http://localhost:3000/v1/payments?state=success&page=2&display_size=1');
  assert.equal(firstPage._links.last_page?.href, 'http://localhost:3000/v1/payments?state=success&page=2&display_size=1');
  assert.equal(firstPage._links.prev_page, undefined);
  const secondPage = await search('?display_size=1&state=success&page=2');
  assert.equal(secondPage._links.prev_page?.href, 'http://localhost:3000/v1/payments?state=success&page=1&display_size=1');
  assert.equal(secondPage._links.next_page, undefined);

  const beyond = await callApi(app, { method: 'GET', url: '/v1/payments?page=9&display_size=1', key });
  assert.equal(beyond.statusCode, 404);
  assert.deepEqual(beyond.json(), { code: 'P0402', description: 'Page not found' });
  const invalid = await callApi(app, {
    method: 'GET',
    url: '/v1/payments?state=paid&from_date=yesterday&display_size=501&first_digits_card_number=42&page=0',
    key,
  });
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json(), {
    code: 'P0401',
    description:
      'Invalid parameters: state, from_date, page, display_size, first_digits_card_number. See Public API documentation for the correct data formats',
  });
});
