import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFormClient } from '../testing/form-client.ts';
import { createTestAccount, registerTestClient, startIdentityServer } from '../testing/identity-test-kit.ts';
import { authorizeUrl, codeFrom, signInOnce } from './relying-party.test-kit.ts';

type RawEvent = { service: string; type: string; journey_id: string; step: string | null };

test('Insight hears of sign-ins started and completed per client, single sign-on included, with nothing about the person', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const other = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);

  const { browser, callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp));
  const singleSignOnCode = await codeFrom(browser, authorizeUrl(baseUrl, other, { state: 'state-sso' }));
  await createFormClient(baseUrl).get(authorizeUrl(baseUrl, rp, { state: 'state-left' }));

  await kernel.serviceEvents.flush();
  const events = await kernel.db.withTables<{ service_event: RawEvent }>().selectFrom('service_event').selectAll().execute();
  const counted = events.map((event) => `${event.service} ${event.type}`).sort();
  assert.deepEqual(counted, [
    `identity-client:${other.clientId} identity.sign-in.completed`,
    `identity-client:${other.clientId} identity.sign-in.started`,
    `identity-client:${rp.clientId} identity.sign-in.completed`,
    `identity-client:${rp.clientId} identity.sign-in.started`,
    `identity-client:${rp.clientId} identity.sign-in.started`,
  ].sort());
  assert.equal(new Set(events.map((event) => event.journey_id)).size, events.length);

  const stored = JSON.stringify(events);
  for (const personal of [account.email, account.password, callback.searchParams.get('code') ?? 'no code', singleSignOnCode, 'state-sso', 'nonce-456']) {
    assert.ok(!stored.includes(personal), `nothing of ${personal} in the events`);
  }
});

test('attacker: authorization requests the provider refuses (unknown client, unregistered redirect) start nothing', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const rp = await registerTestClient(kernel);
  const browser = createFormClient(baseUrl);
  await browser.get(authorizeUrl(baseUrl, { clientId: 'no-such-client', redirectUri: rp.redirectUri }));
  await browser.get(authorizeUrl(baseUrl, { clientId: rp.clientId, redirectUri: 'https://attacker.example/callback' }));
  await browser.get(authorizeUrl(baseUrl, rp, { response_type: 'token' }));

  await kernel.serviceEvents.flush();
  assert.deepEqual(await kernel.serviceEvents.countByPeriod({ from: '2000', to: '3000', granularity: 'day' }), []);
});
