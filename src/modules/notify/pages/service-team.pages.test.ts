import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/** A browser of sorts: keeps cookies and reads CSRF tokens from forms. */
function createAgent(app: FastifyInstance) {
  const jar = new Map<string, string>();
  const remember = (response: LightMyRequestResponse) => {
    for (const cookie of response.cookies) {
      if (cookie.maxAge === 0 || cookie.value === '') jar.delete(cookie.name);
      else jar.set(cookie.name, cookie.value);
    }
    return response;
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  return {
    jar,
    async get(url: string) {
      return remember(await app.inject({ method: 'GET', url, headers: { cookie: cookie(), accept: 'text/html' } }));
    },
    async post(url: string, form: Record<string, string>, csrfFrom?: string) {
      const token = csrfFrom === undefined ? undefined : /name="_csrf" value="([^"]+)"/.exec(csrfFrom)?.[1];
      const hiddenToken = csrfFrom === undefined ? undefined : /name="token" value="([^"]+)"/.exec(csrfFrom)?.[1];
      if (hiddenToken && form.token === undefined) form = { ...form, token: hiddenToken };
      return remember(
        await app.inject({
          method: 'POST',
          url,
          headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
          payload: new URLSearchParams({ ...form, ...(token ? { _csrf: token } : {}) }).toString(),
        }),
      );
    },
  };
}

/** A member of the organisation whose console service has this Notify service, signed in to the console. */
async function signInAs(app: FastifyInstance, notifyServiceId: string, role: 'owner' | 'developer' | 'viewer' = 'developer') {
  const team = await createConsoleTeam(app, { notifyServiceId });
  const member = await signInConsoleMember(app, { organisationId: team.organisationId, role });
  const agent = createAgent(app);
  agent.jar.set(member.cookieName, member.cookieValue);
  return Object.assign(agent, { team, member });
}

test('the start page sends teams to the console; a signed-out person is sent to sign in to the console, and back', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const anonymous = createAgent(app);
  const start = await anonymous.get('/notify');
  assert.equal(start.statusCode, 200);
  assert.match(start.body, /href="\/console"/);
  assert.doesNotMatch(start.body, /sign-in-link/);
  for (const gone of ['/notify/sign-in?token=x'.padEnd(60, 'x'), '/notify/services/' + service.serviceId]) {
    assert.equal((await anonymous.get(gone)).statusCode, 404, `${gone} is gone`);
  }
  const page = await anonymous.get(`/console/notify/${service.serviceId}/templates/new`);
  assert.equal(page.statusCode, 303);
  assert.equal(page.headers.location, `/console/sign-in?return=${encodeURIComponent(`/console/notify/${service.serviceId}/templates/new`)}`);
  const member = await signInAs(app, service.serviceId);
  const dashboard = await member.get(`/console/notify/${service.serviceId}`);
  assert.equal(dashboard.statusCode, 200);
  assert.match(dashboard.body, new RegExp(`href="${member.team.servicePath}"`), 'a way back to the console service');
});

test('a team member writes, previews and edits templates (each save a new version) and sees recent notifications', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const other = await createTestService(core, { name: 'Someone else' });
  const agent = await signInAs(app, service.serviceId);
  const base = `/console/notify/${service.serviceId}`;

  assert.equal((await agent.get(`/console/notify/${other.serviceId}`)).statusCode, 404, "another service's pages are not found");
  const dashboard = await agent.get(base);
  assert.match(dashboard.body, /Application received/);

  const choose = await agent.get(`${base}/templates/new`);
  const noChoice = await agent.post(`${base}/templates/new`, {}, choose.body);
  assert.equal(noChoice.statusCode, 400);
  assert.match(noChoice.body, /govuk-error-summary[\s\S]*Select the kind of template/);
  const chosen = await agent.post(`${base}/templates/new`, { type: 'email' }, choose.body);
  assert.equal(chosen.headers.location, `${base}/templates/new/email`);

  const form = await agent.get(`${base}/templates/new/email`);
  const invalid = await agent.post(`${base}/templates/new/email`, { name: '', subject: '', body: '' }, form.body);
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.body, /<title>Error: /);
  for (const message of ['Enter a template name', 'Enter a subject line', 'Enter a message']) assert.match(invalid.body, new RegExp(message));
  const created = await agent.post(`${base}/templates/new/email`, { name: 'Reminder', subject: 'Reminder for ((name))', body: '# Hello ((name))\n\n* one\n* two' }, form.body);
  assert.equal(created.statusCode, 303);
  const templatePath = created.headers.location as string;
  const templatePage = await agent.get(templatePath);
  assert.match(templatePage.body, /<h2 class="govuk-heading-m">Hello \(\(name\)\)<\/h2>/);
  assert.match(templatePage.body, /<ul class="govuk-list govuk-list--bullet">/);

  // Trying the placeholders is a GET form (it changes nothing); a POST is sent on to it.
  assert.match(templatePage.body, new RegExp(`<form method="get" action="${templatePath}/preview"`));
  const posted = await agent.post(`${templatePath}/preview`, { 'placeholder-0': 'Ffion <b>' }, form.body);
  assert.equal(posted.statusCode, 303);
  assert.equal(posted.headers.location, `${templatePath}/preview?placeholder-0=Ffion+%3Cb%3E`);
  const preview = await agent.get(posted.headers.location as string);
  assert.equal(preview.statusCode, 200);
  assert.match(preview.body, /Subject: Reminder for Ffion &lt;b&gt;/);
  assert.match(preview.body, /<h2 class="govuk-heading-m">Hello Ffion &lt;b&gt;<\/h2>/);

  // A value past the limit is a field error that states it, not a 400 page.
  const tooLong = await agent.get(`${templatePath}/preview?placeholder-0=${'x'.repeat(2001)}`);
  assert.equal(tooLong.statusCode, 200);
  assert.match(tooLong.body, /govuk-error-summary[\s\S]*name: Enter 2,000 characters or fewer/);
  assert.match(tooLong.body, /id="placeholder-0-error"/);

  const edit = await agent.get(`${templatePath}/edit`);
  assert.match(edit.body, /value="Reminder"/);
  const saved = await agent.post(`${templatePath}/edit`, { name: 'Reminder', subject: 'Reminder', body: 'Changed' }, edit.body);
  assert.equal(saved.statusCode, 303);
  const templateId = templatePath.split('/').at(-1) as string;
  assert.equal((await core.templates.find(templateId))?.version, 2);
  assert.equal((await core.templates.findVersion(templateId, 1))?.body, '# Hello ((name))\n\n* one\n* two');

  const sms = await agent.post(`${base}/templates/new/sms?lang=en`, { name: 'Long', body: 'x'.repeat(919) }, form.body);
  assert.equal(sms.statusCode, 400);
  assert.match(sms.body, /Text messages cannot be longer than 918 characters/);

  const serviceRow = await core.serviceAdmin.requireService(service.serviceId);
  await core.sender.send({ sender: { service: serviceRow, apiKey: null }, type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '1' } });
  const recent = await agent.get(`${base}/notifications`);
  assert.match(recent.body, /07700900123/);
  assert.match(recent.body, /govuk-tag govuk-tag--blue">Created</);

  const changes = (await core.audit.listRecent({ limit: 50 })).filter((event) => event.subject === `notify-template:${templateId}`);
  assert.deepEqual(changes.map((event) => event.action).sort(), ['notify.template.changed', 'notify.template.created']);
  assert.ok(changes.every((event) => event.actor === agent.member.actor), 'the console person, by pseudonym');
  assert.ok(!JSON.stringify(changes).includes(agent.member.email), 'never their email address');
});

test('a text message template says how many text messages it is sent as, without "(s)"', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const agent = await signInAs(app, service.serviceId);
  const base = `/console/notify/${service.serviceId}`;
  const form = await agent.get(`${base}/templates/new/sms`);

  // 160 GSM characters fit one message; 161 need two (153 each).
  const cases = [
    { body: 'x'.repeat(160), english: 'Sent as 1 text message.', welsh: 'Caiff ei anfon fel 1 neges destun.' },
    { body: 'x'.repeat(161), english: 'Sent as 2 text messages.', welsh: 'Caiff ei anfon fel 2 neges destun.' },
  ];
  for (const { body, english, welsh } of cases) {
    const created = await agent.post(`${base}/templates/new/sms`, { name: `Length ${body.length}`, body }, form.body);
    assert.equal(created.statusCode, 303);
    const page = await agent.get(created.headers.location as string);
    assert.ok(page.body.includes(english), english);
    assert.doesNotMatch(page.body, /\(s\)/);
    const inWelsh = await agent.get(`${created.headers.location as string}?lang=cy`);
    assert.ok(inWelsh.body.includes(welsh), welsh);
    await agent.get(`${created.headers.location as string}?lang=en`);
  }
});

test('every limit on the template form is a GOV.UK error on its field that states it, with a character count; never a 400 page without the form', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const agent = await signInAs(app, service.serviceId);
  const base = `/console/notify/${service.serviceId}`;

  const letterForm = await agent.get(`${base}/templates/new/letter`);
  assert.match(letterForm.body, /data-module="govuk-character-count" data-maxlength="100000" data-threshold="75"/);
  assert.match(letterForm.body, /data-module="govuk-character-count" data-maxlength="1000" data-threshold="75"/);
  const letter = await agent.post(`${base}/templates/new/letter`, { name: 'n'.repeat(256), subject: 's'.repeat(1001), body: 'b'.repeat(100_001), letter_contact_block: 'c'.repeat(1001), postage: 'second' }, letterForm.body);
  const expected: Array<[string, string]> = [
    ['name', 'Template name must be 255 characters or fewer'],
    ['subject', 'Subject line must be 1,000 characters or fewer'],
    ['body', 'Message must be 100,000 characters or fewer'],
    ['letter_contact_block', 'Contact block must be 1,000 characters or fewer'],
  ];
  for (const [field, message] of expected) {
    assert.match(letter.body, new RegExp(`<a href="#${field}">${message}</a>`), `${field} in the summary`);
    assert.match(letter.body, new RegExp(`id="${field}-error"`), `${field} on the field`);
  }
  assert.ok(letter.body.includes('c'.repeat(1001)), 'what was typed is kept');

  const smsForm = await agent.get(`${base}/templates/new/sms?lang=cy`);
  assert.match(smsForm.body, /data-module="govuk-character-count" data-maxlength="918"/);
  assert.ok(smsForm.body.includes('data-i18n.characters-over-limit.two="Mae gennych %{count} nod yn ormod"'), 'the count speaks Welsh');
  const sms = await agent.post(`${base}/templates/new/sms?lang=en`, { name: 'Reminder', body: 'x'.repeat(6000) }, smsForm.body);
  assert.match(sms.body, /<a href="#body">Text messages cannot be longer than 918 characters<\/a>/);
  const dashboard = await agent.get(base);
  assert.doesNotMatch(dashboard.body, /Reminder/, 'nothing saved');
});
