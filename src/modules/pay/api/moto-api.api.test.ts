import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PayServices } from '../pay-services.ts';
import {
  callApi,
  createAccountWithKey,
  createInjectBrowser,
  PAYMENT_REQUEST,
  payByCard,
  startPayApp,
} from '../testing/pay-test-support.ts';

const MOTO_API_REQUEST = {
  amount: 2500,
  reference: 'PHONE-0001',
  description: 'Licence taken by phone',
  authorisation_mode: 'moto_api',
} as const;

const CARD = {
  card_number: '4242424242424242',
  cvc: '123',
  expiry_date: '09/30',
  cardholder_name: 'Rhys Jones',
} as const;

async function createMotoAccount(services: PayServices, settings: { allowMoto?: boolean; allowAuthorisationApi?: boolean }) {
  const { accountId, key } = await createAccountWithKey(services);
  await services.accounts.setMoto({ accountId, ...settings, actor: 'operator:test' });
  return { accountId, key };
}

test('moto, moto_api, agreements and their attributes are refused as Pay refuses them for an account without them', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createAccountWithKey(services);
  const { key: motoApiKey } = await createMotoAccount(services, { allowAuthorisationApi: true });
  const cases: Array<{ key?: string; body: unknown; status: number; error: Record<string, string> }> = [
    { body: MOTO_API_REQUEST, status: 422, error: { code: 'P0195', description: 'Using authorisation_mode of moto_api is not allowed for this account' } },
    { body: { ...PAYMENT_REQUEST, moto: true }, status: 422, error: { code: 'P0196', description: 'MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments - https://www.payments.service.gov.uk/support/ .' } },
    { key: motoApiKey, body: { ...PAYMENT_REQUEST, moto: true }, status: 422, error: { code: 'P0196', description: 'MOTO payments are not enabled for this account. Please contact support if you would like to process MOTO payments - https://www.payments.service.gov.uk/support/ .' } },
    { body: { ...PAYMENT_REQUEST, authorisation_mode: 'external' }, status: 422, error: { code: 'P0102', field: 'authorisation_mode', description: 'Invalid attribute value: authorisation_mode. Must be one of web, moto_api, agreement' } },
    { body: { ...PAYMENT_REQUEST, agreement_id: 'abcdefghijklmnopqrstuvwxyz' }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: agreement_id' } },
    { body: { ...PAYMENT_REQUEST, set_up_agreement: 'abcdefghijklmnopqrstuvwxyz' }, status: 422, error: { code: 'P0942', description: 'Recurring card payments are currently disabled for this service. Contact support with your error code - https://www.payments.service.gov.uk/support/' } },
    { body: { ...MOTO_API_REQUEST, authorisation_mode: 'agreement', agreement_id: 'abcdefghijklmnopqrstuvwxyz' }, status: 422, error: { code: 'P0942', description: 'Recurring card payments are currently disabled for this service. Contact support with your error code - https://www.payments.service.gov.uk/support/' } },
    { key: motoApiKey, body: { ...MOTO_API_REQUEST, return_url: 'https://fishing.example.gov.uk/return' }, status: 400, error: { code: 'P0104', description: 'Unexpected attribute: return_url' } },
    { key: motoApiKey, body: { ...MOTO_API_REQUEST, return_url: 'not a url' }, status: 422, error: { code: 'P0102', field: 'return_url', description: 'Invalid attribute value: return_url. Must be a valid URL format' } },
  ];
  for (const { body, status, error, ...given } of cases) {
    const response = await callApi(app, { method: 'POST', url: '/v1/payments', key: given.key ?? key, body });
    assert.equal(response.statusCode, status, `${JSON.stringify(body)} -> ${response.body}`);
    assert.deepEqual(response.json(), error);
  }
});

test('a moto_api payment has auth_url_post with a one-time token, no payment pages, and is paid by POST /v1/auth', async (t) => {
  const payApp = await startPayApp(t);
  const { app, services } = payApp;
  const { key } = await createMotoAccount(services, { allowAuthorisationApi: true });
  const created = await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...MOTO_API_REQUEST, email: 'angler@example.com' } });
  assert.equal(created.statusCode, 201, created.body);
  const payment = created.json();
  assert.equal(payment.moto, true, 'Pay marks every moto_api payment as MOTO');
  assert.equal(payment.authorisation_mode, 'moto_api');
  assert.equal('return_url' in payment, false);
  assert.equal(payment._links.next_url, undefined);
  assert.equal(payment._links.next_url_post, undefined);
  const token = payment._links.auth_url_post.params.one_time_token;
  assert.deepEqual(payment._links.auth_url_post, {
    type: 'application/json',
    params: { one_time_token: token },
    href: 'http://localhost:3000/v1/auth',
    method: 'POST',
  });
  const fetched = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.equal(fetched._links.auth_url_post.params.one_time_token, token, 'while created, GET shows the link too');

  const pages = await createInjectBrowser(app).get(`/pay/secure/${token}`);
  assert.equal(pages.statusCode, 404, 'the one-time token opens no payment pages');

  const authorised = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { one_time_token: token, ...CARD } });
  assert.equal(authorised.statusCode, 204, authorised.body);
  assert.equal(authorised.body, '');
  const paid = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.deepEqual(paid.card_details, {
    last_digits_card_number: '4242',
    first_digits_card_number: '424242',
    cardholder_name: 'Rhys Jones',
    expiry_date: '09/30',
    card_brand: 'Visa',
    card_type: 'credit',
  });
  assert.equal(paid.card_brand, 'Visa');
  assert.equal(paid._links.auth_url_post, undefined);
  await payApp.runJobs();
  const captured = (await callApi(app, { method: 'GET', url: `/v1/payments/${payment.payment_id}`, key })).json();
  assert.ok(captured.settlement_summary.captured_date, 'captured like any payment');

  const replayed = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { one_time_token: token, ...CARD } });
  assert.equal(replayed.statusCode, 400);
  assert.deepEqual(replayed.json(), { code: 'P1212', description: 'The one_time_token has already been used' });

  const delayed = (await callApi(app, { method: 'POST', url: '/v1/payments', key, body: { ...MOTO_API_REQUEST, delayed_capture: true } })).json();
  const held = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: delayed._links.auth_url_post.params.one_time_token, card_number: '4000002500003155' } });
  assert.equal(held.statusCode, 204, 'the 3-D Secure card is authorised without a challenge: no one is there to answer it');
  const capturable = (await callApi(app, { method: 'GET', url: `/v1/payments/${delayed.payment_id}`, key })).json();
  assert.equal(capturable.state.status, 'capturable');
});

test('POST /v1/auth answers declines, bad cards, provider errors, foreign and web tokens and bad input as Pay does', async (t) => {
  const { app, services } = await startPayApp(t);
  const { key } = await createMotoAccount(services, { allowAuthorisationApi: true });
  const { key: otherKey } = await createMotoAccount(services, { allowAuthorisationApi: true });
  const newToken = async (): Promise<{ token: string; id: string }> => {
    const payment = (await callApi(app, { method: 'POST', url: '/v1/payments', key, body: MOTO_API_REQUEST })).json();
    return { token: payment._links.auth_url_post.params.one_time_token, id: payment.payment_id };
  };
  const stateOf = async (id: string) => (await callApi(app, { method: 'GET', url: `/v1/payments/${id}`, key })).json().state;

  const outcomes = [
    { card_number: '4000000000000002', status: 402, error: { code: 'P0010', description: 'The payment was rejected' }, state: { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' } },
    { card_number: '4242424242424241', status: 402, error: { code: 'P0010', description: 'The card_number is not a valid card number' }, state: { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' } },
    { card_number: '4000000000000119', status: 500, error: { code: 'P0050', description: 'There was an error authorising the payment' }, state: { status: 'error', finished: true, code: 'P0050', message: 'Payment provider returned an error' } },
  ];
  for (const outcome of outcomes) {
    const { token, id } = await newToken();
    const response = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, card_number: outcome.card_number } });
    assert.equal(response.statusCode, outcome.status, response.body);
    assert.deepEqual(response.json(), outcome.error);
    assert.deepEqual(await stateOf(id), outcome.state);
  }

  const { token, id } = await newToken();
  const foreign = await callApi(app, { method: 'POST', url: '/v1/auth', key: otherKey, body: { ...CARD, one_time_token: token } });
  assert.equal(foreign.statusCode, 400);
  assert.deepEqual(foreign.json(), { code: 'P1211', description: 'The one_time_token is not valid' }, "another account's token opens nothing");
  const forged = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: `${id}${'0'.repeat(32)}` } });
  assert.deepEqual(forged.json(), { code: 'P1211', description: 'The one_time_token is not valid' });
  const web = (await callApi(app, { method: 'POST', url: '/v1/payments', key, body: PAYMENT_REQUEST })).json();
  const webToken = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: web._links.next_url_post.params.chargeTokenId } });
  assert.equal(webToken.statusCode, 400);
  assert.deepEqual(webToken.json(), { code: 'P1211', description: 'The one_time_token is not a valid moto api token' });
  assert.deepEqual(await stateOf(id), { status: 'created', finished: false }, 'refused tokens leave the payment as it was');

  const invalid: Array<{ body: unknown; error: Record<string, string> }> = [
    { body: { ...CARD }, error: { code: 'P0101', field: 'one_time_token', description: 'Missing mandatory attribute: one_time_token' } },
    { body: { ...CARD, one_time_token: 1234567890 }, error: { code: 'P0102', field: 'one_time_token', description: 'Invalid attribute value: one_time_token. Must be of type String' } },
    { body: { ...CARD, one_time_token: token, cvc: null }, error: { code: 'P0101', field: 'cvc', description: 'Missing mandatory attribute: cvc' } },
    { body: { ...CARD, one_time_token: token, cvc: '' }, error: { code: 'P0102', field: 'cvc', description: 'Invalid attribute value: cvc. Must be between 3 and 4 characters long' } },
    { body: { ...CARD, one_time_token: token, card_number: '42424242' }, error: { code: 'P0102', field: 'card_number', description: 'Invalid attribute value: card_number. Must be between 12 and 19 characters long' } },
    { body: { ...CARD, one_time_token: token, cardholder_name: ' ' }, error: { code: 'P0101', field: 'cardholder_name', description: 'Missing mandatory attribute: cardholder_name' } },
    { body: { ...CARD, one_time_token: token, cardholder_name: 'x'.repeat(256) }, error: { code: 'P0102', field: 'cardholder_name', description: 'Invalid attribute value: cardholder_name. Must be less than or equal to 255 characters long' } },
    { body: { ...CARD, one_time_token: token, expiry_date: '09/2030' }, error: { code: 'P0102', field: 'expiry_date', description: 'Invalid attribute value: expiry_date. Must be a valid date with the format MM/YY' } },
    { body: { ...CARD, one_time_token: token, card_number: '4242-4242-4242-4242' }, error: { code: 'P0102', description: 'Invalid attribute value: card_number. Must be a valid card number' } },
    { body: { ...CARD, one_time_token: token, cvc: '12a' }, error: { code: 'P0102', description: 'Invalid attribute value: cvc. Must contain numbers only' } },
    { body: { ...CARD, one_time_token: token, expiry_date: '13/30' }, error: { code: 'P0102', description: 'Invalid attribute value: expiry_date. Must be a valid date with the format MM/YY' } },
    { body: { ...CARD, one_time_token: token, expiry_date: '02/25' }, error: { code: 'P0102', description: 'Invalid attribute value: expiry_date. Must be a valid date in the future' } },
  ];
  for (const { body, error } of invalid) {
    const response = await callApi(app, { method: 'POST', url: '/v1/auth', key, body });
    assert.equal(response.statusCode, 422, `${JSON.stringify(body)} -> ${response.body}`);
    assert.deepEqual(response.json(), error);
  }
  // The test clock is 14 March 2025: a card that ran out at the end of March 2025 is still good.
  const unparsable = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: '{"one_time_token":' });
  assert.equal(unparsable.statusCode, 400);
  assert.deepEqual(unparsable.json(), { code: 'P0197', description: 'Unable to parse JSON' });
  const noKey = await app.inject({ method: 'POST', url: '/v1/auth', payload: { ...CARD, one_time_token: token } });
  assert.equal(noKey.statusCode, 401);
  const lastMonth = await callApi(app, { method: 'POST', url: '/v1/auth', key, body: { ...CARD, one_time_token: token, expiry_date: '03/25' } });
  assert.equal(lastMonth.statusCode, 204, lastMonth.body);
});

test('moto: true on an account with MOTO: the payment is MOTO, made on the payment pages without 3-D Secure', async (t) => {
  const payApp = await startPayApp(t);
  const { key } = await createMotoAccount(payApp.services, { allowMoto: true });
  const paymentId = await payByCard(payApp, key, { body: { moto: true }, card: { cardNo: '4000002500003155' } });
  const paid = (await callApi(payApp.app, { method: 'GET', url: `/v1/payments/${paymentId}`, key })).json();
  assert.equal(paid.moto, true);
  assert.equal(paid.authorisation_mode, 'web');
  assert.equal(paid.state.status, 'success');
  assert.equal(paid.authorisation_summary, undefined, 'no 3-D Secure was asked for');
  const refused = await callApi(payApp.app, { method: 'POST', url: '/v1/payments', key, body: MOTO_API_REQUEST });
  assert.equal(refused.json().code, 'P0195', 'MOTO alone does not allow the MOTO API');
});
