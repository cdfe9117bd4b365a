import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { aggregateServiceEvents } from '../../../platform/events/service-event.jobs.ts';
import { createServiceEventStore } from '../../../platform/events/service-event.store.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { consoleMemberBrowser, createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { createInsightAlerts } from './alerts.ts';

const HOUR_MS = 3_600_000;

/** Events an hour before now, counted by the kernel's aggregation job. */
async function record(kernel: Kernel, service: string, type: Parameters<Kernel['serviceEvents']['record']>[0]['type'], times: number, at = new Date(Date.now() - HOUR_MS)) {
  for (let n = 0; n < times; n += 1) kernel.serviceEvents.record({ service, type, journeyId: `journey-${randomUUID()}`, at });
  await kernel.serviceEvents.flush();
  await aggregateServiceEvents({ db: kernel.db, store: createServiceEventStore(), now: new Date() });
}

/** The alert emails sent so far, once Notify's workers have delivered them. */
async function alertEmails(kernel: Kernel): Promise<Array<{ recipient: string; subject: string }>> {
  await kernel.createWorker().runUntilIdle();
  const messages = (await kernel.developmentOutbox?.listRecent(200)) ?? [];
  return messages.filter((message) => /an alert was crossed/.test(message.subject ?? '')).map((message) => ({ recipient: message.recipient, subject: message.subject ?? '' }));
}

test('a crossed threshold emails the owners and developers once, not once per event or per check, and again only after it has cleared', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const team = await createConsoleTeam(app, { notifyServiceId: 'notify-service-of-the-team' });
  await signInConsoleMember(app, { organisationId: team.organisationId, role: 'developer', email: 'dev@fishing.example.gov.uk' });
  await signInConsoleMember(app, { organisationId: team.organisationId, role: 'viewer', email: 'viewer@fishing.example.gov.uk' });
  const alerts = createInsightAlerts({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents, notify: kernel });
  const completion = await alerts.add({ serviceId: team.serviceId, kind: 'completion-below', threshold: 60, actor: 'operator:test' });
  await alerts.add({ serviceId: team.serviceId, kind: 'delivery-failures-above', threshold: 5, actor: 'operator:test' });
  const forms = `console-service:${team.serviceId}`;

  await record(kernel, forms, 'forms.form.started', 9);
  assert.deepEqual(await alerts.evaluate(), { crossed: 0, cleared: 0 }, 'too few journeys to judge: 9 started, none completed');

  await record(kernel, forms, 'forms.form.started', 11);
  await record(kernel, forms, 'forms.form.submitted', 10);
  assert.deepEqual(await alerts.evaluate(), { crossed: 1, cleared: 0 }, '10 of 20 is 50%, below 60%');
  await record(kernel, forms, 'forms.form.started', 30);
  assert.deepEqual(await alerts.evaluate(), { crossed: 0, cleared: 0 }, 'still crossed: no second email');
  const emails = await alertEmails(kernel);
  assert.deepEqual(emails.map((email) => email.recipient), ['dev@fishing.example.gov.uk'], 'one email, to the developer; viewers are not emailed');
  assert.equal(emails[0]?.subject, 'Apply for a fishing licence: an alert was crossed');

  await record(kernel, forms, 'forms.form.submitted', 40);
  assert.deepEqual(await alerts.evaluate(), { crossed: 0, cleared: 1 }, '50 of 50 completed: cleared');
  await record(kernel, forms, 'forms.form.started', 200);
  assert.deepEqual(await alerts.evaluate(), { crossed: 1, cleared: 0 }, 'crossed again: emailed again');
  assert.equal((await alertEmails(kernel)).length, 2);

  await record(kernel, 'notify-service:notify-service-of-the-team', 'notify.notification.failed', 6);
  await record(kernel, 'notify-service:someone-else', 'notify.notification.failed', 100);
  const outcome = await alerts.evaluate();
  assert.equal(outcome.crossed, 1, '6 failures in the last hour is more than 5; another service\'s failures are not counted');
  assert.equal((await alerts.list(team.serviceId)).find((alert) => alert.id === completion)?.crossed, true);
  const actions = (await kernel.audit.listRecent({ limit: 50 })).map((event) => event.action);
  for (const action of ['insight.alert.added', 'insight.alert.crossed', 'insight.alert.cleared']) assert.ok(actions.includes(action), action);
});

test('two checks at once email once', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const team = await createConsoleTeam(app, {});
  await signInConsoleMember(app, { organisationId: team.organisationId, role: 'owner', email: 'owner@race.example.gov.uk' });
  const alerts = () => createInsightAlerts({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents, notify: kernel });
  await alerts().add({ serviceId: team.serviceId, kind: 'completion-below', threshold: 90, actor: 'operator:test' });
  await record(kernel, `console-service:${team.serviceId}`, 'forms.form.started', 20);
  const outcomes = await Promise.all([alerts().evaluate(), alerts().evaluate(), alerts().evaluate()]);
  assert.equal(outcomes.reduce((sum, outcome) => sum + outcome.crossed, 0), 1);
  assert.equal((await alertEmails(kernel)).filter((email) => email.recipient === 'owner@race.example.gov.uk').length, 1);
});

test('attacker: alerts are set by owners and developers of the service only, with thresholds in range, no duplicates, at most 10', async (t) => {
  const { app } = await createTestApp(t);
  const team = await createConsoleTeam(app, {});
  const other = await createConsoleTeam(app, { name: 'Department for Rivers' });
  const alertsPath = `/console/insight/${team.organisationId}/services/${team.serviceId}/alerts`;
  const owner = await consoleMemberBrowser(app, team.organisationId, 'owner');
  await owner.send('GET', `/console/insight/${team.organisationId}/services/${team.serviceId}`);
  for (const [form, message] of [
    [{ kind: 'completion-below', threshold: '0' }, /Enter a percentage from 1 to 100/],
    [{ kind: 'completion-below', threshold: '101' }, /Enter a percentage from 1 to 100/],
    [{ kind: 'delivery-failures-above', threshold: 'lots' }, /Enter a whole number of messages/],
    [{ kind: 'everything', threshold: '1' }, /Select what to be alerted about/],
    [{ threshold: '1' }, /Select what to be alerted about/],
  ] as const) {
    const refused = await owner.send('POST', alertsPath, form);
    assert.equal(refused.statusCode, 400, JSON.stringify(form));
    assert.match(refused.body, message);
  }
  const added = await owner.send('POST', alertsPath, { kind: 'completion-below', threshold: '75%' });
  assert.equal(added.statusCode, 303);
  const page = await owner.send('GET', String(added.headers.location));
  assert.match(page.body, /Completion rate over 24 hours below 75%/);
  const alertId = /\/alerts\/([0-9a-f-]{36})\/remove/.exec(page.body)?.[1] ?? '';

  const viewer = await consoleMemberBrowser(app, team.organisationId, 'viewer');
  assert.equal((await viewer.send('POST', alertsPath, { kind: 'completion-below', threshold: '10' })).statusCode, 403);
  assert.equal((await viewer.send('POST', `${alertsPath}/${alertId}/remove`)).statusCode, 403);
  const stranger = await consoleMemberBrowser(app, other.organisationId, 'owner');
  assert.equal((await stranger.send('POST', `/console/insight/${other.organisationId}/services/${team.serviceId}/alerts/${alertId}/remove`)).statusCode, 404);
  assert.equal((await stranger.send('POST', `/console/insight/${other.organisationId}/services/${other.serviceId}/alerts/${alertId}/remove`)).statusCode, 404, "another service's alert is not found under one's own service");
  assert.match((await owner.send('GET', `/console/insight/${team.organisationId}/services/${team.serviceId}`)).body, /Completion rate over 24 hours below 75%/);

  const duplicate = await owner.send('POST', alertsPath, { kind: 'completion-below', threshold: '75' });
  assert.equal(duplicate.statusCode, 400, 'the same alert twice would email twice');
  assert.match(duplicate.body, /The service has this alert already/);
  for (let n = 1; n < 10; n += 1) assert.equal((await owner.send('POST', alertsPath, { kind: 'delivery-failures-above', threshold: String(n) })).statusCode, 303);
  const tooMany = await owner.send('POST', alertsPath, { kind: 'delivery-failures-above', threshold: '99' });
  assert.equal(tooMany.statusCode, 400);
  assert.match(tooMany.body, /at most 10 alerts/);
  assert.equal((await owner.send('POST', `${alertsPath}/${alertId}/remove`)).statusCode, 303);
  assert.doesNotMatch((await owner.send('GET', `/console/insight/${team.organisationId}/services/${team.serviceId}`)).body, /below 75%/);
});
