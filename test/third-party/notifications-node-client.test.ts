/**
 * GOV.UK Notify's Node client's own integration suite (test/third-party/notifications-node-client,
 * a pinned copy of its spec/integration), run unchanged with mocha against a Civitas started here.
 *
 * The service is set up as Notify's own functional-test fixtures set up theirs
 * (alphagov/notifications-api app/functional_tests_fixtures): templates whose first version is
 * "Client Functional test email template", "Example text message template" and "Untitled", each
 * then saved again with the body the spec expects (CRLF line endings as written there), a
 * letter contact block on the letter's second version, an email reply-to address and a text
 * message sender besides the defaults, an inbound number with received texts, and a team key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startNotifyServer } from '../../src/modules/notify/fixtures/notify-fixtures.ts';

const here = dirname(fileURLToPath(import.meta.url));
const suiteFolder = join(here, 'notifications-node-client');
const mocha = join(here, '..', '..', 'node_modules', 'mocha', 'bin', 'mocha.js');

const GATEWAY_TOKEN = 'third-party-suite-gateway-token';
const ACTOR = 'operator:third-party-suite';
const FUNCTIONAL_TEST_EMAIL = 'notify-functional-tests@example.gov.uk';
const FUNCTIONAL_TEST_NUMBER = '07700900123';
const INBOUND_NUMBER = '07700900500';
const LETTER_CONTACT_BLOCK =
  'Government Digital Service\nThe White Chapel Building\n10 Whitechapel High Street\nLondon\nE1 8QS\nUnited Kingdom';

test('notifications-node-client spec/integration passes unchanged against Civitas', { timeout: 600_000 }, async (t) => {
  const { baseUrl, core } = await startNotifyServer(t, { NOTIFY_SMS_GATEWAY_TOKEN: GATEWAY_TOKEN });

  const service = await core.serviceAdmin.createService({ name: 'Functional tests', actor: ACTOR });
  const serviceId = service.id;
  const key = async (keyType: 'normal' | 'team', name: string) =>
    (await core.serviceAdmin.createApiKey({ serviceId, keyType, name, actor: ACTOR })).key;
  await core.serviceAdmin.addTeamMember({ serviceId, emailAddress: FUNCTIONAL_TEST_EMAIL, phoneNumber: FUNCTIONAL_TEST_NUMBER, actor: ACTOR });
  await core.serviceAdmin.updateSettings({ serviceId, actor: ACTOR, changes: { inbound_number: `44${INBOUND_NUMBER.slice(1)}` } });
  await core.serviceAdmin.addSender({ serviceId, type: 'email_reply_to', value: 'reply-to-default@example.gov.uk', isDefault: true, actor: ACTOR });
  const emailReplyToId = await core.serviceAdmin.addSender({ serviceId, type: 'email_reply_to', value: 'reply-to@example.gov.uk', isDefault: false, actor: ACTOR });
  await core.serviceAdmin.addSender({ serviceId, type: 'sms_sender', value: `44${INBOUND_NUMBER.slice(1)}`, isDefault: true, actor: ACTOR });
  const smsSenderId = await core.serviceAdmin.addSender({ serviceId, type: 'sms_sender', value: 'func tests', isDefault: false, actor: ACTOR });

  const createdBy = 'notify-functional-tests@example.gov.uk';
  const create = (type: 'email' | 'sms' | 'letter', fields: { name: string; subject?: string; body: string }) =>
    core.templates.create({ serviceId, type, createdBy, actor: ACTOR, ...fields });
  const email = await create('email', { name: 'Client Functional test email template', subject: 'Functional Tests are good', body: 'Functional test help make our world a better place' });
  const sms = await create('sms', { name: 'Example text message template', body: 'Hey ((name)), I’m trying out Notify. Today is ((day of week)) and my favourite colour is ((colour)).' });
  const letter = await create('letter', { name: 'Untitled', subject: 'Main heading', body: 'Body' });
  await core.templates.update({ template: email, updatedBy: createdBy, actor: ACTOR, name: email.name, subject: email.subject, body: 'Hello ((name))\r\n\r\nFunctional test help make our world a better place' });
  await core.templates.update({ template: sms, updatedBy: createdBy, actor: ACTOR, name: 'Client Functional test sms template', body: 'Hello ((name))\r\n\r\nFunctional Tests make our world a better place' });
  await core.templates.update({
    template: letter, updatedBy: createdBy, actor: ACTOR, name: 'Client functional letter template', subject: 'Main heading',
    body: 'Hello ((address_line_1))', letterContactBlock: LETTER_CONTACT_BLOCK,
  });

  // Texts received on the service's number, through the SMS gateway's own route.
  for (const message of ['Hello', 'Is this the right number?', 'STOP']) {
    const response = await fetch(`${baseUrl}/notify/sms-gateway/inbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '07700900999', to: INBOUND_NUMBER, body: message }),
    });
    assert.equal(response.status, 201, await response.text());
  }

  const liveKey = await key('normal', 'functional tests');
  const child = spawn(process.execPath, [mocha, '--reporter', 'spec', '--no-colors', 'spec/integration/test.js'], {
    cwd: suiteFolder,
    env: {
      PATH: process.env.PATH,
      npm_config_integration: 'true',
      NOTIFY_API_URL: baseUrl,
      API_KEY: liveKey,
      API_SENDING_KEY: await key('team', 'functional tests team'),
      INBOUND_SMS_QUERY_KEY: liveKey,
      FUNCTIONAL_TEST_EMAIL,
      FUNCTIONAL_TEST_NUMBER,
      EMAIL_TEMPLATE_ID: email.id,
      SMS_TEMPLATE_ID: sms.id,
      LETTER_TEMPLATE_ID: letter.id,
      EMAIL_REPLY_TO_ID: emailReplyToId,
      SMS_SENDER_ID: smsSenderId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.diagnostic(output);

  const passing = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  const failing = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
  assert.doesNotMatch(output, /pending/, output);
  assert.equal(passing + failing, 29, output);
  // One race is the spec's own: "send a precompiled letter notification" does not wait for its
  // request, whose answer replaces letterNotificationId. The spec expects that answer after "get
  // letter notification by id" has read the templated letter's id (it checks that letter's body)
  // and before "get a letter pdf" reads it again (it compares the precompiled PDF's bytes), as
  // happens with GOV.UK Notify's slower precompiled uploads. Against a Civitas on this machine it
  // often comes sooner (the first of those then reads the precompiled letter, whose body is empty
  // as on Notify) or, under load, later (the second then gets the templated letter's PDF).
  // So one of those two may fail, in that way only; every other case must pass.
  if (failing > 0) {
    assert.equal(failing, 1, output);
    assert.equal(code, 1, output);
    const precompiledCameFirst = /1\) notification api with a live service\s+notifications\s+get letter notification by id:\s+AssertionError: expected '' to equal 'Hello /;
    const precompiledCameLast = /1\) notification api with a live service\s+notifications\s+get a letter pdf:\s+AssertionError: expected <Buffer 25 50 44 46/;
    assert.ok(precompiledCameFirst.test(output) || precompiledCameLast.test(output), output);
  } else {
    assert.equal(code, 0, output);
  }
});
