import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { test, type TestContext } from 'node:test';
import { callApi, CARD_FORM, createAccountWithKey, createInjectBrowser, createPaymentByApi, openNextUrl, payByCard, signInToTeamPages, startPayApp, type PayTestApp } from '../testing/pay-test-support.ts';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.ts';
import { DELIVER_WEBHOOK_JOB, WEBHOOK_RETRY_DELAYS_MS } from './webhook.service.ts';

type Received = { headers: IncomingHttpHeaders; body: string };

/** A service's webhook endpoint on 127.0.0.1 that answers with the given statuses in turn, then 200. */
async function startReceiver(t: TestContext, statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/pay-webhooks`, received };
}

/** Makes every pending webhook delivery job due now, as if its retry delay had passed. */
async function makeDeliveriesDue(payApp: PayTestApp): Promise<void> {
  await payApp.kernel.db
    .withTables<{ job: { type: string; status: string; run_at: string } }>()
    .updateTable('job')
    .set({ run_at: new Date(Date.now() - 1000).toISOString() })
    .where('type', '=', DELIVER_WEBHOOK_JOB)
    .where('status', '=', 'pending')
    .execute();
}

test('Pay-Signature is the hex HMAC-SHA256 of the body with the signing secret', () => {
  const body = '{"webhook_message_id":"abc","resource_type":"payment"}';
  const expected = createHmac('sha256', 'webhook_test_secret').update(body).digest('hex');
  assert.equal(signWebhookBody(body, 'webhook_test_secret'), expected);
  assert.match(expected, /^[0-9a-f]{64}$/);
  assert.ok(verifyWebhookSignature(body, expected, 'webhook_test_secret'));
  assert.ok(!verifyWebhookSignature(`${body} `, expected, 'webhook_test_secret'));
  assert.ok(!verifyWebhookSignature(body, expected, 'another_secret'));
  assert.ok(!verifyWebhookSignature(body, 'not hex', 'webhook_test_secret'));
});

test('a payment sends its events to each subscribed webhook, signed, with Pay’s body', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const receiver = await startReceiver(t);
  const onlySucceeded = await startReceiver(t);
  const { signingSecret } = await payApp.services.webhooks.createWebhook({
    accountId,
    live: false,
    url: receiver.url,
    events: ['card_payment_started', 'card_payment_succeeded', 'card_payment_captured', 'card_payment_refunded', 'card_payment_failed'],
    actor: 'operator:test',
  });
  await payApp.services.webhooks.createWebhook({ accountId, live: false, url: onlySucceeded.url, events: ['card_payment_succeeded'], actor: 'operator:test' });
  // A live webhook hears nothing of test payments.
  const live = await startReceiver(t);
  await payApp.services.webhooks.createWebhook({ accountId, live: true, url: live.url, events: ['card_payment_succeeded'], actor: 'operator:test' });

  const paymentId = await payByCard(payApp, key);
  await callApi(payApp.app, { method: 'POST', url: `/v1/payments/${paymentId}/refunds`, key, body: { amount: 100 } });
  await payApp.runJobs();
  await payApp.runJobs();

  const types = receiver.received.map((delivery) => JSON.parse(delivery.body).event_type).sort();
  assert.deepEqual(types, ['card_payment_captured', 'card_payment_refunded', 'card_payment_started', 'card_payment_succeeded']);
  assert.deepEqual(onlySucceeded.received.map((delivery) => JSON.parse(delivery.body).event_type), ['card_payment_succeeded']);
  assert.equal(live.received.length, 0);

  for (const delivery of receiver.received) {
    assert.equal(delivery.headers['content-type'], 'application/json');
    const signature = delivery.headers['pay-signature'] as string;
    assert.equal(signature, createHmac('sha256', signingSecret).update(delivery.body).digest('hex'));
  }
  const succeeded = JSON.parse(receiver.received.find((delivery) => delivery.body.includes('card_payment_succeeded'))!.body);
  assert.deepEqual(Object.keys(succeeded).sort(), ['api_version', 'created_date', 'event_type', 'resource', 'resource_id', 'resource_type', 'webhook_message_id']);
  assert.equal(succeeded.api_version, 1);
  assert.equal(succeeded.resource_type, 'payment');
  assert.equal(succeeded.resource_id, paymentId);
  assert.equal(succeeded.resource.payment_id, paymentId);
  assert.equal(succeeded.resource.state.status, 'success');
  assert.equal(succeeded.resource.card_details.last_digits_card_number, '4242');
  const refunded = JSON.parse(receiver.received.find((delivery) => delivery.body.includes('card_payment_refunded'))!.body);
  assert.deepEqual(refunded.resource.refund_summary, { status: 'available', amount_available: 1350, amount_submitted: 100 });

  // A declined card sends card_payment_failed.
  const declined = await createPaymentByApi(payApp.app, key);
  const browser = createInjectBrowser(payApp.app);
  const cardPage = await openNextUrl(browser, declined._links.next_url.href);
  await browser.post(cardPage, { ...CARD_FORM, cardNo: '4000000000000002' });
  await payApp.runJobs();
  const failed = receiver.received.map((delivery) => JSON.parse(delivery.body)).filter((body) => body.event_type === 'card_payment_failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].resource.state.code, 'P0010');
});

test('a failed delivery is retried after 60 s, 5 min, 1 h, 1 day and 2 days; every attempt is kept', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const receiver = await startReceiver(t, [500, 503]);
  const { webhook } = await payApp.services.webhooks.createWebhook({
    accountId,
    live: false,
    url: receiver.url,
    events: ['card_payment_started'],
    actor: 'operator:test',
  });
  const handler = payApp.module.createJobHandlers?.(payApp.kernel)[DELIVER_WEBHOOK_JOB];
  assert.deepEqual([1, 2, 3, 4, 5].map((attempt) => handler?.retryDelayMs?.(attempt)), [60_000, 300_000, 3_600_000, 86_400_000, 172_800_000]);

  const payment = await createPaymentByApi(payApp.app, key);
  await openNextUrl(createInjectBrowser(payApp.app), payment._links.next_url.href);
  const beforeFirst = Date.now();
  await payApp.runJobs();
  const [message] = await payApp.services.webhooks.listMessages({ webhookId: webhook.id });
  assert.equal(message?.status, 'pending');
  assert.equal(message?.attempts, 1);
  assert.equal(message?.last_status_code, 500);
  const [job] = (await payApp.kernel.jobs.list()).filter((item) => item.type === DELIVER_WEBHOOK_JOB);
  assert.ok(job, 'the delivery waits for its retry');
  assert.equal(job.attempts, 1);
  assert.ok(Date.parse(job.runAt) >= beforeFirst + 60_000, 'the retry is scheduled at least 60 seconds on');
  assert.ok(Date.parse(job.runAt) <= Date.now() + 60_000, 'and no later than 60 seconds after the failure');

  await makeDeliveriesDue(payApp);
  await payApp.runJobs();
  const [afterSecond] = (await payApp.kernel.jobs.list()).filter((item) => item.type === DELIVER_WEBHOOK_JOB);
  assert.ok(Date.parse(afterSecond!.runAt) >= Date.now() + 299_000, 'the second retry waits 5 minutes');
  await makeDeliveriesDue(payApp);
  await payApp.runJobs();

  const delivered = await payApp.services.webhooks.findMessage(webhook.id, message.id);
  assert.equal(delivered?.message.status, 'successful');
  assert.deepEqual(delivered?.attempts.map((attempt) => [attempt.attempt, attempt.status_code, attempt.outcome]), [
    [1, 500, 'failure'],
    [2, 503, 'failure'],
    [3, 200, 'success'],
  ]);
  assert.equal(receiver.received.length, 3);
  assert.equal(new Set(receiver.received.map((delivery) => delivery.body)).size, 1, 'every attempt sends the same body');
});

test('after six failed attempts a message is kept as failed; an endpoint that cannot be reached is a failure too', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const { webhook } = await payApp.services.webhooks.createWebhook({
    accountId,
    live: false,
    // Nothing listens on port 9 (discard) here: the connection is refused.
    url: 'http://127.0.0.1:9/nothing',
    events: ['card_payment_started'],
    actor: 'operator:test',
  });
  const payment = await createPaymentByApi(payApp.app, key);
  await openNextUrl(createInjectBrowser(payApp.app), payment._links.next_url.href);
  for (let attempt = 0; attempt < WEBHOOK_RETRY_DELAYS_MS.length + 1; attempt += 1) {
    await makeDeliveriesDue(payApp);
    await payApp.runJobs();
  }
  const [message] = await payApp.services.webhooks.listMessages({ webhookId: webhook.id });
  assert.equal(message?.status, 'failed');
  assert.equal(message?.attempts, 6);
  const details = await payApp.services.webhooks.findMessage(webhook.id, message.id);
  assert.equal(details?.attempts.length, 6);
  assert.ok(details?.attempts.every((attempt) => attempt.problem === 'could not connect' && attempt.status_code === null));
  assert.equal((await payApp.kernel.jobs.list()).filter((job) => job.type === DELIVER_WEBHOOK_JOB).length, 0, 'no more tries');
});

test('webhook addresses and events are checked', async (t) => {
  const payApp = await startPayApp(t);
  const { accountId } = await createAccountWithKey(payApp.services);
  const create = (url: string, events: string[] = ['card_payment_started']) =>
    payApp.services.webhooks.createWebhook({ accountId, live: false, url, events, actor: 'operator:test' });
  const withHiddenCharacters = ['https://example.com/x\r\ny', 'https://example.com/x\u2028y', 'https://example.com/a b', 'https://exa\u200bmple.com/x', 'https://example.com/\u0000x'];
  for (const url of ['', 'ftp://example.com/x', 'not a url', 'https://user:password@example.com/x', ...withHiddenCharacters]) {
    await assert.rejects(create(url), /callback URL/, url);
  }
  await assert.rejects(create('https://example.com/x', []), /at least one event/);
  await assert.rejects(create('https://example.com/x', ['card_payment_settled_eventually']), /Unknown events/);
  const { webhook, signingSecret } = await create('https://example.com/x');
  assert.match(signingSecret, /^webhook_test_[0-9a-v]{32}$/);
  assert.equal(webhook.status, 'active');
});

test('with private addresses refused, as by default, a webhook to 127.0.0.1 is neither added nor called, and each attempt says why', async (t) => {
  const payApp = await startPayApp(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' }, withConsole: true });
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const receiver = await startReceiver(t);
  const { port } = new URL(receiver.url);
  const create = (url: string) => payApp.services.webhooks.createWebhook({ accountId, live: false, url, events: ['card_payment_started'], actor: 'operator:test' });
  for (const url of [receiver.url, `http://2130706433:${port}/pay-webhooks`, `http://[::1]:${port}/`, `http://[::ffff:7f00:1]:${port}/`, 'http://169.254.169.254/latest/meta-data/', 'https://10.0.0.8/events', `http://localhost:${port}/`]) {
    await assert.rejects(create(url), { code: 'PRIVATE_ADDRESS', message: /must be a public address/ }, url);
  }

  // The team pages say so in their error summary.
  const { browser, base } = await signInToTeamPages(payApp, accountId);
  await browser.get(`${base}/webhooks/new`);
  const refusedForm = await browser.post(`${base}/webhooks/new`, { url: receiver.url, events: 'card_payment_started' });
  assert.equal(refusedForm.statusCode, 400);
  assert.match(refusedForm.body, /govuk-error-summary[\s\S]*href="#callback-url">Enter a public web address, not one on a private or internal network/);
  assert.equal((await payApp.services.webhooks.listWebhooks({ accountId })).length, 0);

  // A webhook kept from before addresses were checked is refused when it is delivered.
  const { webhook } = await create('https://pay-events.example.gov.uk/hook');
  await payApp.kernel.db
    .withTables<{ pay_webhook: { id: string; url: string } }>()
    .updateTable('pay_webhook')
    .set({ url: receiver.url })
    .where('id', '=', webhook.id)
    .execute();
  const payment = await createPaymentByApi(payApp.app, key);
  await openNextUrl(createInjectBrowser(payApp.app), payment._links.next_url.href);
  await payApp.runJobs();
  const [message] = await payApp.services.webhooks.listMessages({ webhookId: webhook.id });
  assert.equal(message?.status, 'pending', 'a refused address waits for its retry, as any failure does');
  const first = await payApp.services.webhooks.findMessage(webhook.id, message.id);
  assert.deepEqual(first?.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.status_code, attempt.problem]), [
    [1, 'failure', null, 'address refused: 127.0.0.1 is a non-public address (loopback)'],
  ]);
  const messagePage = await browser.get(`${base}/webhooks/${webhook.id}/messages/${message.id}`);
  assert.match(messagePage.body, /Failed: address refused: 127.0.0.1 is a non-public address \(loopback\)/);

  for (let attempt = 1; attempt < WEBHOOK_RETRY_DELAYS_MS.length + 1; attempt += 1) {
    await makeDeliveriesDue(payApp);
    await payApp.runJobs();
  }
  const last = await payApp.services.webhooks.findMessage(webhook.id, message.id);
  assert.equal(last?.message.status, 'failed');
  assert.equal(last?.attempts.length, 6);
  assert.ok(last?.attempts.every((attempt) => attempt.problem?.startsWith('address refused:')));
  assert.equal((await payApp.kernel.jobs.list()).filter((job) => job.type === DELIVER_WEBHOOK_JOB).length, 0, 'no more tries');
  assert.equal(receiver.received.length, 0, 'nothing reached 127.0.0.1');
});

test('with private addresses allowed, as in development and tests, the same webhook to 127.0.0.1 is delivered', async (t) => {
  const payApp = await startPayApp(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true' } });
  const { accountId, key } = await createAccountWithKey(payApp.services);
  const receiver = await startReceiver(t);
  const { webhook } = await payApp.services.webhooks.createWebhook({ accountId, live: false, url: receiver.url, events: ['card_payment_started'], actor: 'operator:test' });
  const payment = await createPaymentByApi(payApp.app, key);
  await openNextUrl(createInjectBrowser(payApp.app), payment._links.next_url.href);
  await payApp.runJobs();
  assert.equal(receiver.received.length, 1);
  assert.equal(JSON.parse(receiver.received[0]!.body).event_type, 'card_payment_started');
  const [message] = await payApp.services.webhooks.listMessages({ webhookId: webhook.id });
  assert.equal(message?.status, 'successful');
});
