/**
 * A Civitas Notify set up as GOV.UK Notify's own functional-test fixtures set up their service
 * (alphagov/notifications-api app/functional_tests_fixtures), for the official clients' own
 * integration suites: templates whose first version is "Client Functional test email template",
 * "Example text message template" and "Untitled", each then saved again with the body the suites
 * expect (CRLF line endings as Notify's fixtures write them), a letter contact block on the
 * letter's second version, an email reply-to address and a text message sender besides the
 * defaults, an inbound number with received texts, and a team key.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startNotifyServer } from '../../src/modules/notify/fixtures/notify-fixtures.ts';

const GATEWAY_TOKEN = 'third-party-suite-gateway-token';
const ACTOR = 'operator:third-party-suite';
const FUNCTIONAL_TEST_EMAIL = 'notify-functional-tests@example.gov.uk';
const FUNCTIONAL_TEST_NUMBER = '07700900123';
const INBOUND_NUMBER = '07700900500';
const LETTER_CONTACT_BLOCK =
  'Government Digital Service\nThe White Chapel Building\n10 Whitechapel High Street\nLondon\nE1 8QS\nUnited Kingdom';

/** Starts Civitas, sets up the fixtures, and returns the environment the clients' suites read. */
export async function startFunctionalTestService(t: TestContext): Promise<Record<string, string>> {
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

  const createdBy = FUNCTIONAL_TEST_EMAIL;
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
  return {
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
  };
}

