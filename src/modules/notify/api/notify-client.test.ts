import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotifyClient } from 'notifications-node-client';
import { createTestService, startNotifyServer } from '../fixtures/notify-fixtures.ts';
import { checkIssuedAt, readBearerToken } from './verify-token.ts';
import { createNotifyCore } from '../notify.core.ts';

type ClientError = { response: { status: number; data: { status_code: number; errors: Array<{ error: string; message: string }> } } };

async function rejection(promise: Promise<unknown>): Promise<ClientError['response']> {
  try {
    await promise;
  } catch (error) {
    const response = (error as ClientError).response;
    assert.ok(response, `expected an HTTP error, got ${String(error)}`);
    return response;
  }
  assert.fail('expected the call to be refused');
}

/** A JWT as Notify's clients make them, signed here with node:crypto (HS256, or HS512 to be refused). */
function signToken(claims: object, secret: string, algorithm: 'HS256' | 'HS512' = 'HS256'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: algorithm, typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${createHmac(algorithm === 'HS256' ? 'sha256' : 'sha512', secret).update(input).digest('base64url')}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOTIFY_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

test('the official client sends an email and reads it back, with Notify JSON', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const client = new NotifyClient(baseUrl, service.keys.live);

  const sent = await client.sendEmail(service.templates.email.id, 'ffion@example.com', {
    personalisation: { 'First Name': 'Ffion', reference_number: 'ABC-123', urgent: 'yes' },
    reference: 'my-ref-1',
  });
  assert.equal(sent.status, 201);
  const body = sent.data;
  assert.match(body.id, UUID);
  assert.equal(body.reference, 'my-ref-1');
  assert.equal(body.uri, `${core.baseUrl}/v2/notifications/${body.id}`);
  assert.deepEqual(body.template, {
    id: service.templates.email.id,
    version: 1,
    uri: `${core.baseUrl}/services/${service.serviceId}/templates/${service.templates.email.id}`,
  });
  assert.equal(body.content.subject, 'Application ABC-123');
  assert.match(body.content.body, /^# Your application\n\nDear Ffion,\n\nWe have your application ABC-123\.\n\nThis is urgent\./);
  assert.equal(body.content.from_email, 'no-reply@civitas.localhost');
  assert.equal((body as unknown as { scheduled_for: null }).scheduled_for, null);

  const fetched = await client.getNotificationById(body.id);
  const notification = fetched.data as unknown as Record<string, unknown>;
  assert.equal(notification.id, body.id);
  assert.equal(notification.type, 'email');
  assert.equal(notification.email_address, 'ffion@example.com');
  assert.equal(notification.phone_number, null);
  assert.equal(notification.status, 'created');
  assert.equal(notification.reference, 'my-ref-1');
  assert.equal(notification.subject, 'Application ABC-123');
  assert.match(notification.created_at as string, NOTIFY_DATE);
  assert.equal(notification.sent_at, null);
  assert.deepEqual(notification.template, body.template);
  for (const field of ['line_1', 'line_6', 'postcode', 'completed_at', 'scheduled_for', 'created_by_name', 'postage', 'one_click_unsubscribe_url']) {
    assert.ok(field in notification, `${field} is in the response`);
  }
  assert.equal(notification.is_cost_data_ready, true);
});

test('the official client sends text messages and letters, templated and precompiled, and fetches the PDF', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const client = new NotifyClient(baseUrl, service.keys.live);

  const sms = await client.sendSms(service.templates.sms.id, '07700 900123', { personalisation: { code: '123456' }, reference: 'sms-1' });
  assert.equal(sms.status, 201);
  assert.deepEqual(sms.data.content, { body: 'Your code is 123456.', from_number: 'Civitas' });
  const smsRead = (await client.getNotificationById(sms.data.id)).data as unknown as Record<string, unknown>;
  assert.equal(smsRead.phone_number, '07700 900123');
  assert.deepEqual(smsRead.cost_details, { billable_sms_fragments: 1, international_rate_multiplier: 1, sms_rate: 0 });

  const letter = await client.sendLetter(service.templates.letter.id, {
    personalisation: { address_line_1: 'Ffion Jones', address_line_2: '1 High Street', address_line_3: 'Cardiff', address_line_4: 'cf10 1aa', name: 'Ffion' },
    reference: 'letter-1',
  });
  assert.equal(letter.status, 201);
  assert.deepEqual(letter.data.content, { subject: 'About your application', body: 'Dear Ffion,\n\n# Next steps\n\n* Call us\n* Write to us' });
  const letterRead = (await client.getNotificationById(letter.data.id)).data as unknown as Record<string, unknown>;
  assert.equal(letterRead.status, 'accepted');
  assert.equal(letterRead.line_1, 'Ffion Jones');
  assert.equal(letterRead.line_3, 'Cardiff');
  assert.equal(letterRead.postcode, 'CF10 1AA');
  assert.equal(letterRead.postage, 'second');
  assert.match(letterRead.estimated_delivery as string, NOTIFY_DATE);

  const pdf = await client.getPdfForLetterNotification(letter.data.id);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');

  const precompiledPdf = pdf;
  const precompiled = await client.sendPrecompiledLetter('precompiled-1', precompiledPdf, 'first');
  assert.equal(precompiled.status, 201);
  assert.deepEqual(Object.keys(precompiled.data).sort(), ['id', 'postage', 'reference']);
  assert.equal(precompiled.data.postage, 'first');
  const returned = await client.getPdfForLetterNotification(precompiled.data.id);
  assert.ok(returned.equals(precompiledPdf), 'the precompiled PDF comes back as it was sent');

  const notLetter = await rejection(client.getPdfForLetterNotification(sms.data.id));
  assert.deepEqual(notLetter.data, { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Notification is not a letter' }] });
  const badPdf = await rejection(client.sendPrecompiledLetter('bad-1', Buffer.from('not a pdf')));
  assert.deepEqual(badPdf.data.errors, [{ error: 'BadRequestError', message: 'Letter content is not a valid PDF' }]);
});

test('the official client lists notifications with filters and paging, only for its own key type', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const live = new NotifyClient(baseUrl, service.keys.live);
  const testKey = new NotifyClient(baseUrl, service.keys.test);
  const ids: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    ids.push((await live.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: String(index) }, reference: index === 1 ? 'odd' : 'even' })).data.id);
  }
  await live.sendEmail(service.templates.email.id, 'a@example.com', { personalisation: { 'first name': 'A', 'reference number': '1', urgent: 'no' } });
  const testSent = await testKey.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: '9' } });

  const all = (await live.getNotifications()).data;
  assert.equal(all.notifications.length, 4);
  assert.ok(!all.notifications.some((notification) => notification.id === testSent.data.id), 'the test key notification is not listed for a live key');
  assert.equal(all.links.current, `${core.baseUrl}/v2/notifications`);

  const smsOnly = (await live.getNotifications('sms')).data;
  assert.equal(smsOnly.notifications.length, 3);
  assert.deepEqual(smsOnly.notifications.map((notification) => notification.id).sort(), [...ids].sort());

  const byReference = (await live.getNotifications(undefined, undefined, 'odd')).data;
  assert.deepEqual(byReference.notifications.map((notification) => notification.id), [ids[1]]);

  const created = (await live.getNotifications('sms', 'created')).data;
  assert.equal(created.notifications.length, 3);
  const delivered = (await live.getNotifications('sms', 'delivered')).data;
  assert.equal(delivered.notifications.length, 0);
  assert.equal(delivered.links.next, undefined, 'no next link on an empty page');

  const first = smsOnly.notifications[0]?.id as string;
  const older = (await live.getNotifications('sms', undefined, undefined, first)).data;
  assert.equal(older.notifications.length, 2);
  assert.ok(!older.notifications.some((notification) => notification.id === first));
  assert.match(smsOnly.links.next, /older_than=/);

  const testList = (await testKey.getNotifications()).data;
  assert.deepEqual(testList.notifications.map((notification) => notification.id), [testSent.data.id]);

  const badStatus = await rejection(live.getNotifications(undefined, 'elephant'));
  assert.equal(badStatus.status, 400);
  assert.equal(badStatus.data.errors[0]?.error, 'ValidationError');
  assert.match(badStatus.data.errors[0]?.message ?? '', /^status elephant is not one of \[cancelled, created, sending/);
  const badType = await rejection(live.getNotifications('pigeon' as 'sms'));
  assert.equal(badType.data.errors[0]?.message, 'template_type pigeon is not one of [sms, email, letter]');
});

test('the official client reads templates, their versions and previews', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const client = new NotifyClient(baseUrl, service.keys.team);
  const email = service.templates.email;
  await core.templates.update({ template: email, name: 'Application received', subject: 'Your application ((reference number))', body: EMAIL_BODY_V2, updatedBy: 'editor@example.gov.uk', actor: 'operator:test' });

  const current = (await client.getTemplateById(email.id)).data as unknown as Record<string, unknown>;
  assert.equal(current.version, 2);
  assert.equal(current.type, 'email');
  assert.equal(current.subject, 'Your application ((reference number))');
  assert.equal(current.created_by, 'editor@example.gov.uk');
  assert.match(current.updated_at as string, NOTIFY_DATE);
  assert.deepEqual(current.personalisation, { 'reference number': { required: true }, name: { required: true } });

  const first = (await client.getTemplateByIdAndVersion(email.id, 1)).data as unknown as Record<string, unknown>;
  assert.equal(first.version, 1);
  assert.equal(first.subject, 'Application ((reference number))');
  assert.equal(first.updated_at, null);

  const all = (await client.getAllTemplates()).data.templates;
  assert.equal(all.length, 3);
  const letters = (await client.getAllTemplates('letter')).data.templates;
  assert.deepEqual(letters.map((template) => template.id), [service.templates.letter.id]);
  assert.equal(letters[0]?.postage, 'second');

  const preview = (await client.previewTemplateById(email.id, { 'reference number': 'X1', name: 'Ffion' })).data;
  assert.equal(preview.subject, 'Your application X1');
  assert.equal(preview.body, 'Hello Ffion\n\n* a\n* b');
  assert.match(preview.html ?? '', /<p [^>]*>Hello Ffion<\/p>\n<ul [^>]*><li [^>]*>a<\/li><li [^>]*>b<\/li><\/ul>/);
  const smsPreview = (await client.previewTemplateById(service.templates.sms.id, { code: 42 })).data;
  assert.equal(smsPreview.body, 'Your code is 42.');
  assert.equal(smsPreview.html, null);
  assert.equal(smsPreview.subject, null);

  const missing = await rejection(client.previewTemplateById(email.id));
  assert.deepEqual(missing.data, { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Missing personalisation: reference number, name' }] });
  const unknown = await rejection(client.getTemplateById('7d9c1f1e-95a0-4b5c-9b2e-3f3b1c1a0e99'));
  assert.deepEqual(unknown.data, { status_code: 404, errors: [{ error: 'NoResultFound', message: 'No result found' }] });
  const noVersion = await rejection(client.getTemplateByIdAndVersion(email.id, 9));
  assert.equal(noVersion.status, 404);
  const badId = await rejection(client.getTemplateById('not-a-uuid'));
  assert.deepEqual(badId.data, { status_code: 400, errors: [{ error: 'ValidationError', message: 'template_id is not a valid UUID' }] });
});

const EMAIL_BODY_V2 = 'Hello ((name))\n\n* a\n* b';

test('the official client reads received text messages, newest first, 250 a page', async (t) => {
  const { baseUrl, core, kernel } = await startNotifyServer(t, { NOTIFY_SMS_GATEWAY_TOKEN: 'gateway-token-0123456789' });
  const service = await createTestService(core);
  await core.serviceAdmin.updateSettings({ serviceId: service.serviceId, changes: { inbound_number: '447700900500' }, actor: 'operator:test' });
  void kernel;
  for (const text of ['first', 'second']) {
    const response = await fetch(`${baseUrl}/notify/sms-gateway/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gateway-token-0123456789' },
      body: JSON.stringify({ from: '07700900111', to: '07700900500', body: text }),
    });
    assert.equal(response.status, 201);
  }
  const refused = await fetch(`${baseUrl}/notify/sms-gateway/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
    body: JSON.stringify({ from: '07700900111', to: '07700900500', body: 'x' }),
  });
  assert.equal(refused.status, 401);

  const client = new NotifyClient(baseUrl, service.keys.live);
  const page = (await client.getReceivedTexts()).data;
  assert.equal(page.received_text_messages.length, 2);
  const [newest] = page.received_text_messages;
  assert.equal(newest?.user_number, '447700900111');
  assert.equal(newest?.notify_number, '447700900500');
  assert.equal(newest?.service_id, service.serviceId);
  assert.deepEqual(page.received_text_messages.map((text) => text.content).sort(), ['first', 'second']);
  const older = (await client.getReceivedTexts(page.received_text_messages[0]?.id)).data;
  assert.equal(older.received_text_messages.length, 1);
});

test("the official client's error cases come back in Notify's envelope with Notify's messages", async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const other = await createTestService(core, { name: 'Other service' });
  const client = new NotifyClient(baseUrl, service.keys.live);
  const team = new NotifyClient(baseUrl, service.keys.team);
  const personalisation = { 'first name': 'A', 'reference number': '1', urgent: 'no' };

  const cases: Array<[string, () => Promise<unknown>, number, Array<{ error: string; message: string }>]> = [
    ['unknown template', () => client.sendEmail('7d9c1f1e-95a0-4b5c-9b2e-3f3b1c1a0e99', 'a@example.com'), 400, [{ error: 'BadRequestError', message: 'Template not found' }]],
    ["another service's template", () => client.sendEmail(other.templates.email.id, 'a@example.com', { personalisation }), 400, [{ error: 'BadRequestError', message: 'Template not found' }]],
    ['wrong type of template', () => client.sendEmail(service.templates.sms.id, 'a@example.com', { personalisation: { code: '1' } }), 400, [{ error: 'BadRequestError', message: 'sms template is not suitable for email notification' }]],
    ['missing personalisation', () => client.sendEmail(service.templates.email.id, 'a@example.com', { personalisation: { 'first name': 'A' } }), 400, [{ error: 'BadRequestError', message: 'Missing personalisation: reference number, urgent' }]],
    ['invalid email address', () => client.sendEmail(service.templates.email.id, 'not-an-address', { personalisation }), 400, [{ error: 'ValidationError', message: 'email_address Not a valid email address' }]],
    ['invalid phone number', () => client.sendSms(service.templates.sms.id, '0790012', { personalisation: { code: '1' } }), 400, [{ error: 'ValidationError', message: 'phone_number Not enough digits' }]],
    ['landline', () => client.sendSms(service.templates.sms.id, '020 7946 0000', { personalisation: { code: '1' } }), 400, [{ error: 'ValidationError', message: 'phone_number Not a UK mobile number' }]],
    ['international number', () => client.sendSms(service.templates.sms.id, '+33 6 12 34 56 78', { personalisation: { code: '1' } }), 400, [{ error: 'BadRequestError', message: 'Cannot send to international mobile numbers' }]],
    ['message too long', () => client.sendSms(service.templates.sms.id, '07700900123', { personalisation: { code: 'x'.repeat(920) } }), 400, [{ error: 'BadRequestError', message: 'Your message is too long. Text messages cannot be longer than 918 characters. Your message is 934 characters long.' }]],
    ['team key to an outside recipient', () => team.sendEmail(service.templates.email.id, 'outsider@example.com', { personalisation }), 400, [{ error: 'BadRequestError', message: 'Can’t send to this recipient using a team-only API key' }]],
    ['team key letter', () => team.sendLetter(service.templates.letter.id, { personalisation: { address_line_1: 'A', address_line_2: 'B', address_line_3: 'SW1A 1AA', name: 'A' } }), 403, [{ error: 'BadRequestError', message: 'Cannot send letters with a team api key' }]],
    ['short address', () => client.sendLetter(service.templates.letter.id, { personalisation: { address_line_1: 'A', address_line_2: 'SW1A 1AA', name: 'A' } }), 400, [{ error: 'ValidationError', message: 'Address must be at least 3 lines' }]],
    ['no postcode', () => client.sendLetter(service.templates.letter.id, { personalisation: { address_line_1: 'A', address_line_2: 'B', address_line_3: 'Nowhere', name: 'A' } }), 400, [{ error: 'ValidationError', message: 'Must be a real UK postcode' }]],
    ['bad template id', () => client.sendEmail('123', 'a@example.com'), 400, [{ error: 'ValidationError', message: 'template_id is not a valid UUID' }]],
    ['unknown notification', () => client.getNotificationById('7d9c1f1e-95a0-4b5c-9b2e-3f3b1c1a0e99'), 404, [{ error: 'NoResultFound', message: 'No result found' }]],
    ['bad notification id', () => client.getNotificationById('nope'), 400, [{ error: 'ValidationError', message: 'notification_id is not a valid UUID' }]],
  ];
  for (const [name, call, status, errors] of cases) {
    const response = await rejection(call());
    assert.equal(response.status, status, name);
    assert.deepEqual(response.data, { status_code: status, errors }, name);
  }

  // Schema violations the client cannot make, sent by hand with a valid token.
  const secret = service.keys.live.slice(-36);
  const token = () => signToken({ iss: service.serviceId, iat: Math.floor(Date.now() / 1000) }, secret);
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  assert.deepEqual(await post('/v2/notifications/email', { template_id: service.templates.email.id }), {
    status: 400,
    body: { status_code: 400, errors: [{ error: 'ValidationError', message: 'email_address is a required property' }] },
  });
  assert.deepEqual(await post('/v2/notifications/sms', { phone_number: '07700900123', template_id: service.templates.sms.id, colour: 'red', personalisation: 'x' }), {
    status: 400,
    body: {
      status_code: 400,
      errors: [
        { error: 'ValidationError', message: 'Additional properties are not allowed (colour was unexpected)' },
        { error: 'ValidationError', message: 'personalisation x is not of type object' },
      ],
    },
  });
  assert.deepEqual(await post('/v2/notifications/email', '{"template_id": '), {
    status: 400,
    body: { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Invalid JSON supplied in POST data' }] },
  });
  assert.deepEqual(await post('/v2/notifications/email', { email_address: 'a@example.com', template_id: service.templates.email.id, reference: 'r'.repeat(1001), personalisation }), {
    status: 400,
    body: { status_code: 400, errors: [{ error: 'ValidationError', message: `reference ${'r'.repeat(1001)} is too long` }] },
  });
});

test("API keys: Notify's 401 and 403 bodies, the 30-second clock, revoked keys", async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const secret = service.keys.live.slice(-36);
  const call = async (authorization?: string) => {
    const response = await fetch(`${baseUrl}/v2/templates`, { headers: authorization ? { authorization } : {} });
    return { status: response.status, body: (await response.json()) as { status_code: number; errors: Array<{ error: string; message: string }> } };
  };
  const expect = async (authorization: string | undefined, status: number, message: string) => {
    assert.deepEqual(await call(authorization), { status, body: { status_code: status, errors: [{ error: 'AuthError', message }] } }, message);
  };
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: object, key = secret, algorithm: 'HS256' | 'HS512' = 'HS256') => signToken(claims, key, algorithm);

  await expect(undefined, 401, 'Unauthorized: authentication token must be provided');
  await expect(`Basic ${Buffer.from('a:b').toString('base64')}`, 401, 'Unauthorized: authentication bearer scheme must be used');
  await expect('Bearer not.a.token', 403, 'Invalid token: signature, api token is not valid');
  await expect(`Bearer ${sign({ iat: now })}`, 403, 'Invalid token: iss field not provided');
  await expect(`Bearer ${sign({ iss: service.serviceId, iat: now }, secret, 'HS512')}`, 403, 'Invalid token: algorithm used is not HS256');
  await expect(`Bearer ${sign({ iss: 'not-a-uuid', iat: now })}`, 403, 'Invalid token: service id is not the right data type');
  await expect(`Bearer ${sign({ iss: '7d9c1f1e-95a0-4b5c-9b2e-3f3b1c1a0e99', iat: now })}`, 403, 'Invalid token: service not found');
  await expect(`Bearer ${sign({ iss: service.serviceId, iat: now }, 'f'.repeat(36))}`, 403, 'Invalid token: API key not found');
  // Over HTTP with margins (a second may pass between signing and checking); exact edges below.
  await expect(`Bearer ${sign({ iss: service.serviceId, iat: now - 35 })}`, 403, 'Error: Your system clock must be accurate to within 30 seconds');
  await expect(`Bearer ${sign({ iss: service.serviceId, iat: now + 35 })}`, 403, 'Error: Your system clock must be accurate to within 30 seconds');
  assert.equal((await call(`Bearer ${sign({ iss: service.serviceId, iat: now - 25 })}`)).status, 200, 'within 30 seconds is accepted');
  assert.equal((await call(`bearer ${sign({ iss: service.serviceId, iat: now + 25 })}`)).status, 200);
  const at = (iat: number) => checkIssuedAt(readBearerToken(`Bearer ${sign({ iss: service.serviceId, iat })}`), 1_000_000)?.errors[0]?.message;
  assert.equal(at(1_000_000 - 30), undefined, '30 seconds old is accepted');
  assert.equal(at(1_000_000 + 30), undefined, '30 seconds ahead is accepted');
  assert.equal(at(1_000_000 - 31), 'Error: Your system clock must be accurate to within 30 seconds');
  assert.equal(at(1_000_000 + 31), 'Error: Your system clock must be accurate to within 30 seconds');

  const empty = await core.serviceAdmin.createService({ name: 'No keys', actor: 'operator:test' });
  await expect(`Bearer ${sign({ iss: empty.id, iat: now })}`, 403, 'Invalid token: service has no API keys');

  await core.serviceAdmin.revokeApiKey({ serviceId: service.serviceId, key: service.keys.live, actor: 'operator:test' });
  await expect(`Bearer ${sign({ iss: service.serviceId, iat: now })}`, 403, 'Invalid token: API key revoked');
  const client = new NotifyClient(baseUrl, service.keys.live);
  const refused = await rejection(client.getAllTemplates());
  assert.deepEqual(refused.data, { status_code: 403, errors: [{ error: 'AuthError', message: 'Invalid token: API key revoked' }] });
  const stillWorks = new NotifyClient(baseUrl, service.keys.test);
  assert.equal((await stillWorks.getAllTemplates()).status, 200, "the service's other keys still work");

  // Revoked by another process (its own core and caches, same database): this process has the
  // keys in its read cache, and refuses the key once that entry is a second old.
  const otherProcess = createNotifyCore({ config: core.config, db: core.db, audit: core.audit, jobs: core.jobs });
  await otherProcess.serviceAdmin.revokeApiKey({ serviceId: service.serviceId, key: service.keys.test, actor: 'operator:test' });
  let answer = await rejection(stillWorks.getAllTemplates()).catch(() => undefined);
  for (let round = 0; answer === undefined && round < 100; round += 1) {
    await sleep(50);
    answer = await rejection(stillWorks.getAllTemplates()).catch(() => undefined);
  }
  assert.deepEqual(answer?.data, { status_code: 403, errors: [{ error: 'AuthError', message: 'Invalid token: API key revoked' }] });

  const events = await core.audit.listRecent({ subject: undefined, limit: 50 });
  assert.ok(events.some((event) => event.action === 'notify.api-key.revoked'), 'revoking is audited');
  assert.ok(events.some((event) => event.action === 'notify.api-key.created'), 'creating is audited');
});

test('as Notify: sanitised_content on emails only, the unsubscribe URL in its own field, postcode letters, precompiled letters with the service’s Pre-compiled PDF template', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const client = new NotifyClient(baseUrl, service.keys.live);
  const email = await core.templates.create({
    serviceId: service.serviceId, type: 'email', name: 'CRLF', subject: 'Hi', body: 'Hello ((name))\r\n\r\nBye', createdBy: 't@example.gov.uk', actor: 'operator:test',
  });

  const sent = (await client.sendEmail(email.id, 'ffion@example.com', {
    personalisation: { name: '[x](https://evil.example)' },
    oneClickUnsubscribeURL: 'https://service.example.gov.uk/unsubscribe',
    sanitiseContentFor: ['NAME'],
  } as never)).data as unknown as Record<string, any>;
  assert.equal(sent.content.body, 'Hello \\[x\\]\\(\\)\r\n\r\nBye');
  assert.equal(sent.content.one_click_unsubscribe_url, 'https://service.example.gov.uk/unsubscribe');
  assert.deepEqual(sent.sanitised_content, { name: { unsanitised: '[x](https://evil.example)', sanitised: '\\[x\\]\\(\\)' } });
  const plain = (await client.sendEmail(email.id, 'ffion@example.com', { personalisation: { name: '[x](https://evil.example)' } })).data as unknown as Record<string, any>;
  assert.deepEqual(plain.sanitised_content, {});
  assert.equal(plain.content.body, 'Hello [x](https://evil.example)\r\n\r\nBye');
  const sms = (await client.sendSms(service.templates.sms.id, '07700 900123', { personalisation: { code: '1' } })).data as unknown as Record<string, unknown>;
  assert.ok(!('sanitised_content' in sms));

  const letter = (await client.sendLetter(service.templates.letter.id, {
    personalisation: { address_line_1: 'A Person', address_line_2: '1 Street', postcode: 'SW1A 1AA', name: 'A' },
  })).data as unknown as Record<string, any>;
  const fetchedLetter = (await client.getNotificationById(letter.id)).data as unknown as Record<string, unknown>;
  assert.equal(fetchedLetter.line_1, 'A Person');
  assert.equal(fetchedLetter.postcode, 'SW1A 1AA');

  const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
  const precompiled = (await client.sendPrecompiledLetter('ref-1', pdf, 'first')).data as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(precompiled).sort(), ['id', 'postage', 'reference']);
  const again = (await client.sendPrecompiledLetter('ref-2', pdf)).data as unknown as Record<string, unknown>;
  const [first, second] = await Promise.all([precompiled.id, again.id].map(async (id) => (await client.getNotificationById(id as string)).data as unknown as Record<string, any>));
  assert.match(first.template.id, UUID);
  assert.equal(first.template.version, 1);
  assert.equal(first.template.uri, `${core.baseUrl}/services/${service.serviceId}/templates/${first.template.id}`);
  assert.deepEqual(second.template, first.template, 'one Pre-compiled PDF template per service');
  assert.equal((await client.getTemplateById(first.template.id)).data.name, 'Pre-compiled PDF');
  const listed = (await client.getAllTemplates('letter')).data.templates.map((template) => template.id);
  assert.ok(!listed.includes(first.template.id), 'hidden from the template list, as Notify');
});

test('as Notify: ids in capitals find the same template and notification (a UUID matches in any case)', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const client = new NotifyClient(baseUrl, service.keys.live);
  const templateId = service.templates.email.id.toUpperCase();
  const sent = await client.sendEmail(templateId, 'ffion@example.com', {
    personalisation: { 'First Name': 'Ffion', reference_number: 'ABC-123', urgent: 'no' },
  });
  assert.equal(sent.data.template.id, service.templates.email.id, 'the id comes back in lower case');
  const fetched = await client.getNotificationById(sent.data.id.toUpperCase());
  assert.equal((fetched.data as unknown as { id: string }).id, sent.data.id);
  const template = await client.getTemplateById(templateId);
  assert.equal((template.data as unknown as { id: string }).id, service.templates.email.id);
  const listed = await client.getNotifications(undefined, undefined, undefined, sent.data.id.toUpperCase());
  assert.ok(Array.isArray((listed.data as unknown as { notifications: unknown[] }).notifications));
});

test('attacker: a page of notifications with large bodies ends early, with a next link, instead of growing past what one answer can hold', async (t) => {
  const { baseUrl, core } = await startNotifyServer(t);
  const service = await createTestService(core);
  const template = await core.templates.create({
    serviceId: service.serviceId, type: 'email', name: 'Large', subject: 'Large', body: '((body))', createdBy: 'test@example.gov.uk', actor: 'operator:test',
  });
  const client = new NotifyClient(baseUrl, service.keys.test);
  const sent: string[] = [];
  for (let index = 0; index < 4; index += 1) {
    sent.push((await client.sendEmail(template.id, 'a@example.com', { personalisation: { body: `${index}`.repeat(1_900_000) } })).data.id);
  }
  const small = (await client.sendEmail(template.id, 'a@example.com', { personalisation: { body: 'small' } })).data.id;
  const first = (await client.getNotifications()).data;
  assert.deepEqual(first.notifications.map((notification) => notification.id), [small, sent[3], sent[2]], 'the page stops before its 5 million characters would be passed');
  assert.match(first.links.next, /older_than=/);
  const second = (await client.getNotifications(undefined, undefined, undefined, sent[2])).data;
  assert.deepEqual(second.notifications.map((notification) => notification.id), [sent[1], sent[0]]);
  const one = (await client.getNotifications(undefined, undefined, undefined, small)).data;
  assert.equal(one.notifications.length, 2);
});
