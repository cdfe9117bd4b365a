import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestService, decodeQuotedPrintable, startSmtpServer } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createNotifyJobHandlers, type NotifyJobOptions } from '../notify.jobs.ts';
import { wasNotTaken } from './deliver.job.ts';
import { SmsNotTakenError } from './providers/sms-provider.ts';
import type { NotifyCore } from '../notify.core.ts';

async function setUp(t: TestContext, environment: Record<string, string> = {}, options: NotifyJobOptions = {}) {
  const letters = mkdtempSync(join(tmpdir(), 'civitas-letters-'));
  t.after(() => rmSync(letters, { recursive: true, force: true }));
  const kernel = await createTestKernel(t, { environment: { NOTIFY_LETTER_FOLDER: letters, ...environment } });
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const worker = kernel.createWorker({ handlers: createNotifyJobHandlers(kernel, options) });
  return { kernel, core, service, worker, letters };
}

async function sendAs(core: NotifyCore, serviceId: string, keyType: 'normal' | 'team' | 'test', request: Omit<Parameters<NotifyCore['sender']['send']>[0], 'sender'>) {
  const service = await core.serviceAdmin.requireService(serviceId);
  return (await core.sender.send({ sender: { service, apiKey: { id: `key-${keyType}`, key_type: keyType, name: keyType } }, ...request })).notification;
}

async function statusOf(core: NotifyCore, id: string): Promise<string | undefined> {
  return (await core.stores.notifications.find(core.db, id))?.status;
}

/** Runs the worker until `done()` is true (jobs due later are waited for, polling). */
async function runUntil(worker: ReturnType<Kernel['createWorker']>, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let round = 0; round < 400; round += 1) {
    await worker.runUntilIdle();
    if (await done()) return;
    await sleep(25);
  }
  assert.fail('the worker did not finish in time');
}

test('an accepted email reaches the SMTP server rendered, with the notification id as Message-ID, then shows delivered', async (t) => {
  const smtp = await startSmtpServer(t);
  const { core, service, worker } = await setUp(t, { SMTP_URL: smtp.url, MAIL_FROM: 'Civitas Notify <notify@civitas.example>' });
  const notification = await sendAs(core, service.serviceId, 'normal', {
    type: 'email',
    templateId: service.templates.email.id,
    recipient: 'ffion@example.com',
    personalisation: { 'first name': 'Ffion <script>', 'reference number': 'ABC-1', urgent: 'no' },
    oneClickUnsubscribeUrl: 'https://service.example.gov.uk/unsubscribe?u=1',
  });
  assert.equal(await statusOf(core, notification.id), 'created');
  await worker.runUntilIdle();

  assert.equal(smtp.received.length, 1);
  const [email] = smtp.received;
  assert.deepEqual(email?.to, ['ffion@example.com']);
  const raw = email?.raw ?? '';
  assert.match(raw, new RegExp(`^Message-ID: <${notification.id}@civitas>`, 'm'));
  assert.match(raw, /^From: Test service <notify@civitas\.example>/m, "the service's name, at MAIL_FROM's address");
  assert.match(raw, /^Subject: Application ABC-1/m);
  assert.match(raw, /^List-Unsubscribe: <https:\/\/service\.example\.gov\.uk\/unsubscribe\?u=1>/m);
  const decoded = decodeQuotedPrintable(raw);
  assert.match(decoded, /Content-Type: text\/plain/);
  assert.match(decoded, /Your application\n=+\n\nDear Ffion <script>,/, 'the plain-text part');
  assert.match(decoded, /<html lang="en">/);
  assert.match(decoded, /<h2 style="[^"]*">Your application<\/h2>/);
  assert.match(decoded, /Dear Ffion &lt;script&gt;,/, 'personalisation is escaped in HTML');
  assert.match(decoded, /<ul [^>]*><li [^>]*>one<\/li><li [^>]*>two<\/li><\/ul>/);
  assert.match(decoded, /<blockquote [^>]*><p [^>]*>Keep this email\.<\/p><\/blockquote>/);
  assert.match(decoded, /<a [^>]*href="https:\/\/www\.gov\.uk\/help">https:\/\/www\.gov\.uk\/help<\/a>\./);
  // As Notify: a one_click_unsubscribe_url is in the List-Unsubscribe headers only, not the body.
  assert.doesNotMatch(decoded, /Unsubscribe from these emails|href="https:\/\/service\.example\.gov\.uk\/unsubscribe/, 'the URL is not added to the body');
  assert.doesNotMatch(decoded, /This is urgent/, 'the optional text is left out when the value is no');

  const stored = await core.stores.notifications.find(core.db, notification.id);
  assert.equal(stored?.status, 'delivered');
  assert.ok(stored?.sent_at && stored.completed_at);
  assert.equal(stored?.delivery_attempts, 1);

  await worker.runUntilIdle();
  assert.equal(smtp.received.length, 1, 'a finished notification is never sent again');
});

test('an SMTP refusal for good is a permanent failure; a mailbox that stays full is retried, then a temporary failure; a server that stays down, a technical failure', async (t) => {
  const smtp = await startSmtpServer(t, {
    onData: (raw) =>
      raw.includes('refuse-me')
        ? Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })
        : raw.includes('mailbox-full')
          ? Object.assign(new Error('Mailbox full, try later'), { responseCode: 452 })
          : undefined,
  });
  const { kernel, core, service, worker } = await setUp(t, { SMTP_URL: smtp.url });
  const personalisation = { 'first name': 'refuse-me', 'reference number': '1', urgent: 'no' };
  const refused = await sendAs(core, service.serviceId, 'normal', { type: 'email', templateId: service.templates.email.id, recipient: 'a@example.com', personalisation });
  await worker.runUntilIdle();
  assert.equal(await statusOf(core, refused.id), 'permanent-failure');

  const full = await sendAs(core, service.serviceId, 'normal', { type: 'email', templateId: service.templates.email.id, recipient: 'b@example.com', personalisation: { ...personalisation, 'first name': 'mailbox-full' } });
  await worker.runUntilIdle();
  assert.equal(await statusOf(core, full.id), 'created', 'deferred by the server: retried');
  await createNotifyJobHandlers(kernel)['notify.deliver']?.run({ id: 'last-try', type: 'notify.deliver', payload: { notificationId: full.id }, attempt: 12, maxAttempts: 12, leaseToken: 'test' });
  assert.equal(await statusOf(core, full.id), 'temporary-failure', 'still deferred at the last try: the recipient\'s side');

  const down = await setUp(t, { SMTP_URL: 'smtp://127.0.0.1:1?tls=none' });
  const waiting = await sendAs(down.core, down.service.serviceId, 'normal', {
    type: 'email', templateId: down.service.templates.email.id, recipient: 'a@example.com', personalisation: { ...personalisation, 'first name': 'A' },
  });
  await down.worker.runUntilIdle();
  assert.equal(await statusOf(down.core, waiting.id), 'created', 'created while retries remain: not with the provider (GOV.UK Notify\'s `sending` means the provider has it)');
  assert.equal((await down.core.stores.notifications.find(down.core.db, waiting.id))?.sent_at, null);
  const [job] = await down.kernel.jobs.list();
  assert.equal(job?.status, 'pending');
  assert.equal(job?.attempts, 1);
  assert.match(job?.lastError ?? '', /^email hand-over failed: (ECONNECTION|ESOCKET)/);
  assert.doesNotMatch(job?.lastError ?? '', /a@example\.com/, 'no address in the job error');

  // The last try that fails leaves the notification as a technical failure (between Civitas and its provider) instead of a retry.
  const handlers = createNotifyJobHandlers(down.kernel);
  await handlers['notify.deliver']?.run({ id: 'last-try', type: 'notify.deliver', payload: { notificationId: waiting.id }, attempt: 12, maxAttempts: 12, leaseToken: 'test' });
  assert.equal(await statusOf(down.core, waiting.id), 'technical-failure');
});

test('test keys never deliver: statuses are simulated, with Notify\'s simulated addresses and numbers', async (t) => {
  const smtp = await startSmtpServer(t);
  const { core, service, worker } = await setUp(t, { SMTP_URL: smtp.url });
  const personalisation = { 'first name': 'A', 'reference number': '1', urgent: 'no' };
  const email = (recipient: string) => sendAs(core, service.serviceId, 'test', { type: 'email', templateId: service.templates.email.id, recipient, personalisation });
  const sms = (recipient: string) => sendAs(core, service.serviceId, 'test', { type: 'sms', templateId: service.templates.sms.id, recipient, personalisation: { code: '1' } });
  const cases = [
    [await email('someone@example.com'), 'delivered'],
    [await email('temp-fail@simulator.notify'), 'temporary-failure'],
    [await email('perm-fail@simulator.notify'), 'permanent-failure'],
    [await sms('07700900123'), 'delivered'],
    [await sms('07700900003'), 'temporary-failure'],
    [await sms('+447700900002'), 'permanent-failure'],
  ] as const;
  await worker.runUntilIdle();
  for (const [notification, expected] of cases) assert.equal(await statusOf(core, notification.id), expected, notification.recipient);
  assert.equal(smtp.received.length, 0, 'nothing was sent');

  const smoke = await sendAs(core, service.serviceId, 'normal', {
    type: 'email', templateId: service.templates.email.id, recipient: 'simulate-delivered@notifications.service.gov.uk', personalisation,
  });
  assert.equal(await core.stores.notifications.find(core.db, smoke.id), undefined, "Notify's smoke-test addresses are not stored");
});

test('text messages go through the simulated provider into the development outbox; letters become PDFs in the print folder', async (t) => {
  const { kernel, core, service, worker, letters } = await setUp(t);
  const sms = await sendAs(core, service.serviceId, 'normal', { type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '4242' } });
  const letter = await sendAs(core, service.serviceId, 'normal', {
    type: 'letter', templateId: service.templates.letter.id,
    personalisation: { address_line_1: 'Ffion Jones', address_line_2: '1 High Street', address_line_3: 'SW1A 1AA', name: 'Ffion' },
  });
  await worker.runUntilIdle();
  assert.equal(await statusOf(core, sms.id), 'delivered');
  const [kept] = (await kernel.developmentOutbox?.listRecent()) ?? [];
  assert.equal(kept?.channel, 'sms');
  assert.equal(kept?.text, 'Your code is 4242.');
  assert.equal(await statusOf(core, letter.id), 'delivered');
  const printed = readdirSync(join(letters, 'second'));
  assert.deepEqual(printed, [`${letter.id}.pdf`]);
  assert.equal(readFileSync(join(letters, 'second', `${letter.id}.pdf`)).subarray(0, 5).toString('latin1'), '%PDF-');
});

test('a letter longer than the 10 pages Notify prints is validation-failed at once, not retried', async (t) => {
  const { core, service, worker, letters } = await setUp(t);
  const letter = await sendAs(core, service.serviceId, 'normal', {
    type: 'letter', templateId: service.templates.letter.id,
    personalisation: { address_line_1: 'Ffion Jones', address_line_2: '1 High Street', address_line_3: 'SW1A 1AA', name: 'A short line\n'.repeat(2000) },
  });
  await worker.runUntilIdle();
  assert.equal(await statusOf(core, letter.id), 'validation-failed');
  assert.deepEqual(readdirSync(letters).flatMap((folder) => readdirSync(join(letters, folder))), [], 'nothing sent to print');
});

test('text messages go to an HTTP SMS gateway; its delivery receipt completes them', async (t) => {
  const requests: Array<{ authorization?: string; body: Record<string, string> }> = [];
  const gateway = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ authorization: request.headers.authorization, body: JSON.parse(body) as Record<string, string> });
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'gw-1' }));
    });
  });
  gateway.listen(0, '127.0.0.1');
  await once(gateway, 'listening');
  t.after(() => gateway.close());
  const { port } = gateway.address() as { port: number };
  const token = 'gateway-token-0123456789';
  const { kernel, core, service, worker } = await setUp(t, { NOTIFY_SMS_GATEWAY_URL: `http://127.0.0.1:${port}/send`, NOTIFY_SMS_GATEWAY_TOKEN: token });
  const sms = await sendAs(core, service.serviceId, 'normal', { type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '‘1’' } });
  await worker.runUntilIdle();
  assert.deepEqual(requests, [{ authorization: `Bearer ${token}`, body: { reference: sms.id, to: '07700900123', from: 'Civitas', body: "Your code is '1'." } }]);
  assert.equal(await statusOf(core, sms.id), 'sending');

  const { buildApp } = await import('../../../app.ts');
  const app = await buildApp(kernel);
  t.after(() => app.close());
  const receipt = await app.inject({
    method: 'POST', url: '/notify/sms-gateway/receipts',
    headers: { authorization: `Bearer ${token}` }, payload: { id: 'gw-1', status: 'delivered' },
  });
  assert.equal(receipt.statusCode, 204);
  assert.equal(await statusOf(core, sms.id), 'delivered');
});

async function startCallbackReceiver(t: TestContext, answers: number[]) {
  const received: Array<{ authorization?: string; body: Record<string, unknown> }> = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ authorization: request.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
      response.writeHead(answers.shift() ?? 200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { received, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/callback` };
}

test("delivery receipts go to the service's callback URL with its bearer token, retried on 5xx and 429, not on 4xx", async (t) => {
  const smtp = await startSmtpServer(t);
  const receiver = await startCallbackReceiver(t, [500, 429, 200, 400]);
  const { core, service, worker } = await setUp(t, { SMTP_URL: smtp.url }, { callbackRetryDelayMs: 20 });
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: receiver.url, bearerToken: 'callback-secret-1', actor: 'operator:test' });
  const personalisation = { 'first name': 'A', 'reference number': '1', urgent: 'no' };
  const first = await sendAs(core, service.serviceId, 'normal', { type: 'email', templateId: service.templates.email.id, recipient: 'a@example.com', personalisation, reference: 'ref-1' });
  await runUntil(worker, () => receiver.received.length >= 3);
  assert.equal(receiver.received.length, 3, 'tried three times: 500, 429, then 200');
  const [call] = receiver.received;
  assert.equal(call?.authorization, 'Bearer callback-secret-1');
  assert.deepEqual(Object.keys(call?.body ?? {}).sort(), ['completed_at', 'created_at', 'id', 'notification_type', 'reference', 'sent_at', 'status', 'template_id', 'template_version', 'to']);
  assert.equal(call?.body.id, first.id);
  assert.equal(call?.body.status, 'delivered');
  assert.equal(call?.body.to, 'a@example.com');
  assert.equal(call?.body.reference, 'ref-1');
  assert.equal(call?.body.notification_type, 'email');

  await sendAs(core, service.serviceId, 'normal', { type: 'email', templateId: service.templates.email.id, recipient: 'b@example.com', personalisation });
  await runUntil(worker, () => receiver.received.length >= 4);
  await sleep(60);
  await worker.runUntilIdle();
  assert.equal(receiver.received.length, 4, 'a 400 answer is not retried');

  const events = await core.audit.listRecent({ limit: 100 });
  assert.ok(events.some((event) => event.action === 'notify.callback.set'), 'setting a callback is audited');
});

test('a callback that never succeeds is tried six times in all, as Notify tries', async (t) => {
  const receiver = await startCallbackReceiver(t, Array(10).fill(503));
  const { core, service, worker, kernel } = await setUp(t, {}, { callbackRetryDelayMs: 10 });
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'delivery', url: receiver.url, bearerToken: 'callback-secret-1', actor: 'operator:test' });
  await sendAs(core, service.serviceId, 'normal', { type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '1' } });
  await runUntil(worker, async () => (await kernel.jobs.list({ status: 'failed' })).length === 1);
  assert.equal(receiver.received.length, 6);
});

test('a text message received by the service goes to its inbound callback with its bearer token', async (t) => {
  const receiver = await startCallbackReceiver(t, [502, 200]);
  const token = 'gateway-token-0123456789';
  const { kernel, core, service, worker } = await setUp(t, { NOTIFY_SMS_GATEWAY_TOKEN: token }, { callbackRetryDelayMs: 10 });
  await core.serviceAdmin.updateSettings({ serviceId: service.serviceId, changes: { inbound_number: '447700900500' }, actor: 'operator:test' });
  await core.serviceAdmin.setCallback({ serviceId: service.serviceId, kind: 'inbound', url: receiver.url, bearerToken: 'inbound-secret-1', actor: 'operator:test' });
  const { buildApp } = await import('../../../app.ts');
  const app = await buildApp(kernel);
  t.after(() => app.close());
  const inbound = await app.inject({
    method: 'POST', url: '/notify/sms-gateway/inbound',
    headers: { authorization: `Bearer ${token}` }, payload: { from: '07700900111', to: '+44 7700 900500', body: 'STOP' },
  });
  assert.equal(inbound.statusCode, 201);
  await runUntil(worker, () => receiver.received.length >= 2);
  const [, delivered] = receiver.received;
  assert.equal(delivered?.authorization, 'Bearer inbound-secret-1');
  assert.deepEqual(Object.keys(delivered?.body ?? {}).sort(), ['date_received', 'destination_number', 'id', 'message', 'source_number']);
  assert.equal(delivered?.body.message, 'STOP');
  assert.equal(delivered?.body.source_number, '447700900111');
  assert.equal(delivered?.body.destination_number, '447700900500');
});

test('a failed hand-over goes back to created only when the provider surely does not have the message', () => {
  const system = (code: string) => Object.assign(new Error(code), { code });
  // Not reached, or answered "not now": with Civitas still.
  assert.ok(wasNotTaken(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET', originalCode: 'ECONNREFUSED', syscall: 'connect' })), 'nodemailer: refused');
  assert.ok(wasNotTaken(system('ECONNECTION')));
  assert.ok(wasNotTaken(Object.assign(new Error('Try again later'), { code: 'EENVELOPE', responseCode: 421 })), 'SMTP 4xx');
  assert.ok(wasNotTaken(new TypeError('fetch failed', { cause: system('ECONNREFUSED') })), 'fetch: refused');
  assert.ok(wasNotTaken(new TypeError('fetch failed', { cause: system('ENOTFOUND') })), 'fetch: no such host');
  assert.ok(wasNotTaken(new SmsNotTakenError('SMS gateway answered HTTP 503')));
  // The provider may have it: stays sending, and the next try hands it over with the same identity.
  assert.equal(wasNotTaken(system('ETIMEDOUT')), false, 'the server did not answer in time');
  assert.equal(wasNotTaken(Object.assign(new Error('read ECONNRESET'), { code: 'ESOCKET', originalCode: 'ECONNRESET' })), false, 'a session cut mid-message');
  assert.equal(wasNotTaken(new TypeError('fetch failed', { cause: system('UND_ERR_SOCKET') })), false);
  assert.equal(wasNotTaken(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), false);
  assert.equal(wasNotTaken(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })), false, 'refused for good: a permanent failure, not a retry');
  assert.equal(wasNotTaken(undefined), false);
  assert.equal(wasNotTaken('ECONNREFUSED'), false);
});

test('an SMS gateway that answers 503 keeps the text created and retries it; one that answers 202 makes it sending', async (t) => {
  const answers = [503, 429, 202];
  const gateway = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(answers.shift() ?? 202, { 'content-type': 'application/json' }).end('{}'));
  });
  gateway.listen(0, '127.0.0.1');
  await once(gateway, 'listening');
  t.after(() => gateway.close());
  const { port } = gateway.address() as { port: number };
  const { kernel, core, service, worker } = await setUp(t, { NOTIFY_SMS_GATEWAY_URL: `http://127.0.0.1:${port}/send`, NOTIFY_SMS_GATEWAY_TOKEN: 'gateway-token-0123456789' });
  const sms = await sendAs(core, service.serviceId, 'normal', { type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '1' } });
  await worker.runUntilIdle();
  assert.equal(await statusOf(core, sms.id), 'created');
  const [job] = await kernel.jobs.list();
  assert.match(job?.lastError ?? '', /^sms hand-over failed/);
  const handlers = createNotifyJobHandlers(kernel);
  await handlers['notify.deliver']?.run({ id: 'retry-1', type: 'notify.deliver', payload: { notificationId: sms.id }, attempt: 2, maxAttempts: 12, leaseToken: 'test' }).catch(() => {});
  assert.equal(await statusOf(core, sms.id), 'created', 'a 429 is "not now" too');
  await handlers['notify.deliver']?.run({ id: 'retry-2', type: 'notify.deliver', payload: { notificationId: sms.id }, attempt: 3, maxAttempts: 12, leaseToken: 'test' });
  assert.equal(await statusOf(core, sms.id), 'sending', 'with the gateway, awaiting its receipt');
  assert.equal((await core.stores.notifications.find(core.db, sms.id))?.delivery_attempts, 3);
});
