import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import { CALLBACK_TOKEN_MAX_LENGTH, CALLBACK_URL_LIMIT } from '../services/service.service.ts';

const TOKEN = 'a-bearer-token-of-ours';

async function signIn(app: FastifyInstance, notifyServiceId: string, language = 'en') {
  const team = await createConsoleTeam(app, { notifyServiceId });
  const member = await signInConsoleMember(app, { organisationId: team.organisationId, role: 'developer' });
  const cookies = new Map<string, string>([['civitas_lang', language], [member.cookieName, member.cookieValue]]);
  const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const response = await app.inject({
      method,
      url,
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        accept: 'text/html',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const cookie of response.cookies) cookies.set(cookie.name, cookie.value);
    return response;
  };
  /** Submits a form as a browser would: the CSRF token from the page it is on. */
  const submit = async (url: string, form: Record<string, string>) => {
    const page = await send('GET', url);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return send('POST', url, { ...form, _csrf: csrf });
  };
  return { team, member, get: (url: string) => send('GET', url), post: (url: string, form: Record<string, string>) => send('POST', url, form), submit };
}

async function start(t: Parameters<typeof createTestApp>[0], language?: string) {
  // As in production: callbacks go to public addresses only (the tests' default lets them reach this machine).
  const { app, kernel } = await createTestApp(t, { environment: { OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' } });
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core);
  const agent = await signIn(app, service.serviceId, language);
  const stored = () => core.serviceAdmin.requireService(service.serviceId);
  return { kernel, core, agent, stored, base: `/console/notify/${service.serviceId}/callbacks` };
}

test('a developer sets the callback for delivery receipts, sees that a token is set but never the token, changes only the URL (the token kept) and removes it; each change audited with the organisation and service', async (t) => {
  const { kernel, core, agent, stored, base } = await start(t);
  const empty = await agent.get(base);
  assert.equal(empty.statusCode, 200);
  assert.match(empty.body, /Callbacks for delivery receipts/);
  assert.match(empty.body, /Callbacks for received text messages/);
  assert.equal(empty.body.match(/Not set/g)?.length, 4);
  assert.match((await agent.get(base.replace('/callbacks', ''))).body, new RegExp(`href="${base}"`), "the service's page links to it");

  const saved = await agent.submit(`${base}/delivery-receipts`, { url: 'https://callbacks.example.gov.uk/receipts', bearer_token: TOKEN });
  assert.equal(saved.statusCode, 303);
  assert.equal(saved.headers.location, `${base}?done=set`);
  const shown = await agent.get(saved.headers.location as string);
  assert.match(shown.body, /Callback saved/);
  assert.match(shown.body, /https:\/\/callbacks.example.gov.uk\/receipts/);
  assert.match(shown.body, /Set \(not shown\)/);
  const form = await agent.get(`${base}/delivery-receipts`);
  for (const page of [shown, form]) assert.ok(!page.body.includes(TOKEN), 'the token is never shown back');
  assert.match(form.body, /Leave this empty to keep it/);
  let row = await stored();
  assert.equal(core.serviceAdmin.openCallbackToken(row.delivery_callback_token as string), TOKEN);

  assert.equal((await agent.submit(`${base}/delivery-receipts`, { url: 'https://moved.example.gov.uk/receipts', bearer_token: '' })).statusCode, 303);
  row = await stored();
  assert.equal(row.delivery_callback_url, 'https://moved.example.gov.uk/receipts');
  assert.equal(core.serviceAdmin.openCallbackToken(row.delivery_callback_token as string), TOKEN, 'changing the URL alone keeps the token');
  assert.equal(row.inbound_callback_url, null, 'the other callback is untouched');

  const confirm = await agent.get(`${base}/delivery-receipts/remove`);
  assert.match(confirm.body, /Remove the callback for delivery receipts/);
  assert.equal((await agent.submit(`${base}/delivery-receipts/remove`, {})).headers.location, `${base}?done=removed`);
  row = await stored();
  assert.equal(row.delivery_callback_url, null);
  assert.equal(row.delivery_callback_token, null);

  // As an operator's audit search finds them: by the person, by the action; each names whose service it was.
  const events = await kernel.audit.search({ actor: agent.member.actor, action: 'notify.callback', limit: 10 });
  assert.deepEqual(events.map((event) => event.action), ['notify.callback.removed', 'notify.callback.set', 'notify.callback.set']);
  for (const event of events) {
    assert.equal(event.details?.organisationId, agent.team.organisationId);
    assert.equal(event.details?.consoleServiceId, agent.team.serviceId);
  }
  assert.ok(!JSON.stringify(events).includes(TOKEN));
});

test('every wrong value is a GOV.UK error on its field, with the summary, and changes nothing: missing, too long, not https, a private address, a short or long token', async (t) => {
  const { kernel, agent, stored, base } = await start(t);
  const url = `${base}/received-text-messages`;
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ url: '', bearer_token: TOKEN }, 'url', 'Enter a URL'],
    [{ url: `https://example.gov.uk/${'a'.repeat(CALLBACK_URL_LIMIT)}`, bearer_token: TOKEN }, 'url', 'The URL must be 2,048 characters or fewer'],
    [{ url: 'ftp://callbacks.example.gov.uk/', bearer_token: TOKEN }, 'url', 'Enter a URL in the correct format, starting with https://'],
    [{ url: 'not a url', bearer_token: TOKEN }, 'url', 'Enter a URL in the correct format, starting with https://'],
    [{ url: 'https://10.0.0.1/callback', bearer_token: TOKEN }, 'url', 'Enter a public URL: it cannot be a private, local or internal address'],
    [{ url: 'https://localhost/callback', bearer_token: TOKEN }, 'url', 'Enter a public URL: it cannot be a private, local or internal address'],
    [{ url: 'https://callbacks.example.gov.uk/', bearer_token: '' }, 'bearer_token', 'Enter a bearer token'],
    [{ url: 'https://callbacks.example.gov.uk/', bearer_token: 'too-short' }, 'bearer_token', 'The bearer token must be at least 10 characters'],
    [{ url: 'https://callbacks.example.gov.uk/', bearer_token: 'x'.repeat(CALLBACK_TOKEN_MAX_LENGTH + 1) }, 'bearer_token', 'The bearer token must be 1,000 characters or fewer'],
  ];
  const before = (await kernel.audit.listRecent({ limit: 500 })).length;
  for (const [form, field, message] of cases) {
    const page = await agent.submit(url, form);
    assert.equal(page.statusCode, 400, `${field}: ${message}`);
    assert.match(page.body, /govuk-error-summary/);
    assert.ok(page.body.includes(`href="#${field}">${message}`), `summary links to the field: ${message}`);
    assert.match(page.body, new RegExp(`id="${field}-error"[^>]*>\\s*<span class="govuk-visually-hidden">Error:</span> ${message.replace(/[()]/g, '\\$&')}`));
    if (form.bearer_token && form.bearer_token.length >= 10) assert.ok(!page.body.includes(form.bearer_token), 'a token typed is not put back in the page');
  }
  assert.equal((await stored()).inbound_callback_url, null);
  assert.equal((await kernel.audit.listRecent({ limit: 500 })).length, before, 'nothing recorded');

  // A POST without the page's CSRF token is refused.
  assert.equal((await agent.post(url, { url: 'https://callbacks.example.gov.uk/', bearer_token: TOKEN })).statusCode, 403);
  assert.equal((await stored()).inbound_callback_url, null);
});

test('removing twice (a second tab, a replayed form) records one removal; a remove page for a callback not set goes back to the list', async (t) => {
  const { kernel, agent, base } = await start(t);
  await agent.submit(`${base}/received-text-messages`, { url: 'https://callbacks.example.gov.uk/texts', bearer_token: TOKEN });
  const confirm = await agent.get(`${base}/received-text-messages/remove`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? '';
  for (let attempt = 0; attempt < 2; attempt += 1) {
    assert.equal((await agent.post(`${base}/received-text-messages/remove`, { _csrf: csrf })).statusCode, 303);
  }
  assert.equal((await kernel.audit.search({ action: 'notify.callback.removed', limit: 10 })).length, 1);
  const gone = await agent.get(`${base}/received-text-messages/remove`);
  assert.equal(gone.statusCode, 303);
  assert.equal(gone.headers.location, base);
  assert.equal((await agent.get(`${base}/something-else`)).statusCode, 404);
});

test('in Welsh: the page, its errors ("Gwall:") and the banner', async (t) => {
  const { agent, base } = await start(t, 'cy');
  assert.match((await agent.get(base)).body, /Galwadau yn ôl ar gyfer derbynebau danfon/);
  const refused = await agent.submit(`${base}/delivery-receipts`, { url: '', bearer_token: 'short' });
  assert.match(refused.body, /<span class="govuk-visually-hidden">Gwall:<\/span> Rhowch URL/);
  assert.match(refused.body, /Rhaid i&#39;r tocyn cludwr fod yn 10 nod o leiaf|Rhaid i'r tocyn cludwr fod yn 10 nod o leiaf/);
  const saved = await agent.submit(`${base}/delivery-receipts`, { url: 'https://callbacks.example.gov.uk/', bearer_token: TOKEN });
  assert.match((await agent.get(saved.headers.location as string)).body, /Galwad yn ôl wedi(&#39;|')i chadw/);
});
