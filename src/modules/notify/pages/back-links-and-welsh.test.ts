import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { formatDateTime } from '../../../platform/http/dates.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/** Signs a team member in to the console; returns a GET and a form POST that carry the session cookie. */
async function signIn(app: FastifyInstance, notifyServiceId: string) {
  const team = await createConsoleTeam(app, { notifyServiceId });
  const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'developer' });
  const cookies = new Map<string, string>([['civitas_lang', 'en'], [member.cookieName, member.cookieValue]]);
  const header = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>, page?: string) => {
    const token = page && /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    const response = await app.inject({
      method,
      url,
      headers: { cookie: header(), accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { payload: new URLSearchParams({ ...form, ...(token ? { _csrf: token } : {}) }).toString() } : {}),
    });
    for (const cookie of response.cookies) cookies.set(cookie.name, cookie.value);
    return response;
  };
  return { cookies, team, get: (url: string) => send('GET', url), post: (url: string, form: Record<string, string>, page: string) => send('POST', url, form, page) };
}

function backLinkOf(html: string): string | undefined {
  const match = /<a href="([^"]+)" class="govuk-back-link">/.exec(html);
  if (match) {
    assert.ok(match.index < html.indexOf('<main'), 'above the main content, as GOV.UK places it');
    const summary = html.indexOf('govuk-error-summary');
    if (summary >= 0) assert.ok(match.index < summary, 'above the error summary');
  }
  return match?.[1];
}

test('Notify team pages: a back link to the page before on every page (the first back to the console); Welsh errors say "Gwall:"; dates as GOV.UK writes them', async (t) => {
  const { app, kernel } = await createTestApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const agent = await signIn(app, service.serviceId);
  const base = `/console/notify/${service.serviceId}`;
  const template = `${base}/templates/${service.templates.email.id}`;

  assert.equal(backLinkOf((await agent.get('/notify')).body), undefined, 'the start page has none');
  const expected: Record<string, string> = {
    [base]: agent.team.servicePath,
    [`${base}/notifications`]: base,
    [`${base}/templates/new`]: base,
    [`${base}/templates/new/email`]: `${base}/templates/new`,
    [template]: base,
    [`${template}/edit`]: template,
  };
  for (const [path, back] of Object.entries(expected)) {
    const page = await agent.get(path);
    assert.equal(page.statusCode, 200, path);
    assert.equal(backLinkOf(page.body), back, path);
  }

  const serviceRow = await core.serviceAdmin.requireService(service.serviceId);
  await core.sender.send({ sender: { service: serviceRow, apiKey: null }, type: 'sms', templateId: service.templates.sms.id, recipient: '07700900123', personalisation: { code: '1' } });
  const [row] = await core.stores.notifications.list(core.db, { serviceId: service.serviceId, limit: 1 });
  const recent = await agent.get(`${base}/notifications`);
  assert.ok(recent.body.includes(formatDateTime(row!.created_at, 'en')), 'sent "2 December 2026 at 5:48pm", UK time');

  agent.cookies.set('civitas_lang', 'cy');
  assert.ok((await agent.get(`${base}/notifications`)).body.includes(formatDateTime(row!.created_at, 'cy')));
  const form = await agent.get(`${base}/templates/new/email`);
  assert.ok(form.body.includes('data-i18n.characters-under-limit.few="Mae gennych %{count} nod yn weddill"'), "the body's count speaks Welsh, in every plural form (the kernel's words)");
  const invalid = await agent.post(`${base}/templates/new/email`, { name: '', subject: '', body: '' }, form.body);
  assert.match(invalid.body, /<title>Gwall: /);
  assert.equal(invalid.body.match(/<span class="govuk-visually-hidden">Gwall:<\/span>/g)?.length, 3, 'each of the three field errors');
  assert.ok(!invalid.body.includes('Error:'));
  assert.match(invalid.body, /class="govuk-back-link">Yn ôl<\/a>/);
  assert.equal(backLinkOf(invalid.body), `${base}/templates/new`);
  const choose = await agent.post(`${base}/templates/new`, {}, (await agent.get(`${base}/templates/new`)).body);
  assert.match(choose.body, /<span class="govuk-visually-hidden">Gwall:<\/span>/);
});
