import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { NotifyClient } from 'notifications-node-client';
import { errorSummary, pageHeading, type FormPage } from '../../identity/testing/identity-testing.contract.ts';
import { addEmailTemplate, createPayment, equipService, openSigningIn, relyingPartySignsIn, startWithService, submitMultipart } from './console-pages.test-kit.ts';

/** The one-time secret in the page's notification banner, if there is one. */
const secretOf = (page: FormPage) => /<code[^>]*data-one-time-secret>([^<]+)<\/code>/.exec(page.html)?.[1];

test('an owner registers a client with an uploaded key, makes Notify and Pay keys (each shown once), and a relying party signs a citizen in, sends an email and takes a payment with them', async (t) => {
  const { civitas, browser, servicePath } = await startWithService(t);
  const { kernel, baseUrl } = civitas;

  let page = await browser.get(servicePath);
  assert.equal(page.status, 200);
  assert.equal(pageHeading(page), 'Apply for a fishing licence');
  assert.equal((page.html.match(/>\s*To do\s*</g) ?? []).length, 4, 'every step of the checklist is to do');

  // The client form: field errors first, as GOV.UK forms give them.
  let form = await browser.get(`${servicePath}/clients/new`);
  assert.equal(pageHeading(form), 'Register a One Login client');
  const refused = await submitMultipart(browser, form, { redirectUris: 'http://service.example.gov.uk/callback', backchannelLogoutUri: 'https://x.example/#f' });
  assert.equal(refused.status, 400);
  assert.deepEqual(errorSummary(refused), [
    'Enter redirect URIs that start with https:// (http:// only for localhost), one on each line, with no # part',
    'Enter a back-channel logout URI that starts with https:// (http:// only for localhost), with no # part',
    'Paste a public key, upload a public key file or enter the address of your JWKS',
    'Select the level of authentication',
    'Select yes if your service must use PKCE',
  ]);
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const redirectUri = 'https://fishing.example.gov.uk/callback';
  const privateKeyRefused = await submitMultipart(browser, form, { redirectUris: redirectUri, levels: 'Cl.Cm', requirePkce: 'yes' }, {
    field: 'publicKeyFile',
    filename: 'private.json',
    content: JSON.stringify(await exportJWK(privateKey)),
  });
  assert.deepEqual(errorSummary(privateKeyRefused), [
    'The public key must be a PEM public key (BEGIN PUBLIC KEY) or a JWK, of an RSA key of 2048 bits or more or an EC P-256 key, and never a private key',
  ]);
  form = await browser.get(`${servicePath}/clients/new`);
  page = await submitMultipart(
    browser,
    form,
    { redirectUris: `https://old.example.gov.uk/callback\n${redirectUri}`, postLogoutRedirectUris: 'https://fishing.example.gov.uk/signed-out', scopes: 'email', levels: 'Cl.Cm', requirePkce: 'yes' },
    { field: 'publicKeyFile', filename: 'public.pem', content: await exportSPKI(publicKey) },
  );
  assert.equal(page.status, 200, page.html);
  assert.match(page.html, /One Login client registered/);
  const clientId = /<code>([A-Za-z0-9_-]{22})<\/code>/.exec(page.html)?.[1];
  assert.ok(clientId, 'the page shows the client id');

  // Its redirect URIs changed: only the new one stays.
  form = await browser.get(`${servicePath}/clients/${clientId}/redirect-uris`);
  const badUris = await browser.submit(form, { redirectUris: 'javascript:alert(1)' });
  assert.equal(badUris.status, 400);
  page = await browser.submit(form, { redirectUris: redirectUri });
  assert.match(page.html, /Redirect URIs changed/);
  assert.doesNotMatch(page.html, /old\.example/);

  // Notify: the service, then a live key, shown once.
  page = await browser.submit(page, {}, `${servicePath}/notify/service`);
  assert.match(page.html, /Notify service created/);
  const notifyServiceId = /Notify service ID: <code>([0-9a-f-]{36})<\/code>/.exec(page.html)?.[1] as string;
  assert.ok(notifyServiceId);
  form = await browser.get(`${servicePath}/notify/keys/new`);
  const badKey = await browser.submit(form, { name: 'bad/name' });
  assert.deepEqual(errorSummary(badKey), ['Enter a name of letters, numbers, spaces, hyphens and underscores, up to 255 characters', 'Select the type of key']);
  page = await browser.submit(form, { name: 'Production', keyType: 'normal' });
  const notifyKey = secretOf(page);
  assert.ok(notifyKey?.startsWith(`production-${notifyServiceId}-`), 'the key is shown in the banner');
  assert.match(page.html, /You will not be able to see it again/);
  page = await browser.get(servicePath);
  assert.equal(secretOf(page), undefined, 'shown once');
  assert.ok(!page.html.includes(notifyKey as string));

  // Pay: a test account, then a key, shown once.
  page = await browser.submit(page, {}, `${servicePath}/pay/account`);
  assert.match(page.html, /Pay account created/);
  form = await browser.get(`${servicePath}/pay/keys/new`);
  assert.equal((await browser.submit(form, { description: '' })).status, 400);
  page = await browser.submit(form, { description: 'Staging server' });
  const payKey = secretOf(page);
  assert.match(payKey ?? '', /^api_test_/);
  assert.equal(secretOf(await browser.get(servicePath)), undefined);
  page = await browser.get(servicePath);
  assert.equal((page.html.match(/>\s*Completed\s*</g) ?? []).length, 3, 'client, Notify key and Pay key done; going live is not');

  // A relying party signs a citizen in with the registered client (private_key_jwt, PKCE).
  const citizen = await civitas.account('citizen@example.com');
  const { callback, userInfo } = await relyingPartySignsIn({ baseUrl, clientId, privateKey, redirectUri, citizen });
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
  assert.equal(userInfo.email, citizen.email);

  // It sends an email with the Notify key, through GOV.UK Notify's own client.
  const templateId = await addEmailTemplate(kernel, notifyServiceId);
  const notify = new NotifyClient(baseUrl, notifyKey as string);
  const sent = await notify.sendEmail(templateId, citizen.email, { personalisation: { name: 'Ffion' }, reference: 'licence-1' });
  assert.equal(sent.status, 201);
  assert.equal(sent.data.template.id, templateId);

  // And creates a payment with the Pay key.
  assert.equal(await createPayment(baseUrl, payKey as string), 'created');

  // The audit trail has each step, for the organisation and service, with no secret and no email address.
  const events = await kernel.db
    .withTables<{ audit_event: { action: string; actor: string; details: string } }>()
    .selectFrom('audit_event')
    .select(['action', 'actor', 'details'])
    .where('action', 'like', 'console.%')
    .execute();
  for (const action of ['console.client.registered', 'console.client.redirect-uris-changed', 'console.notify-service.created', 'console.notify-key.created', 'console.pay-account.created', 'console.pay-key.created']) {
    assert.ok(events.some((event) => event.action === action && event.actor.startsWith('console-person:')), action);
  }
  const trail = JSON.stringify(await kernel.db.withTables<{ audit_event: { details: string } }>().selectFrom('audit_event').selectAll().execute());
  assert.ok(!trail.includes(notifyKey?.slice(-36) as string) && !trail.includes(payKey as string), 'no secret in the audit trail');
  assert.ok(!JSON.stringify(events).includes('@'), 'no email address in the console events');
});

test('keys and clients need a sign-in in the last 15 minutes; a secret is shown once, to the session that made it, within 10 minutes', async (t) => {
  const { civitas, browser, owner, servicePath, service } = await startWithService(t);
  let page = await browser.get(servicePath);
  page = await browser.submit(page, {}, `${servicePath}/notify/service`);
  page = await browser.submit(page, {}, `${servicePath}/pay/account`);
  assert.match(page.html, /Pay account created/);
  const notifyForm = await browser.get(`${servicePath}/notify/keys/new`);
  const payForm = await browser.get(`${servicePath}/pay/keys/new`);

  // Another session of the same person does not see the secret; the session that made it does, once.
  const laptop = civitas.browser();
  await openSigningIn(laptop, owner, servicePath);
  const made = await browser.post(notifyForm, { name: 'Test key', keyType: 'test' });
  assert.equal(made.status, 303);
  const head = await fetch(new URL(servicePath, civitas.baseUrl), { method: 'HEAD', headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
  assert.equal(head.status, 200);
  page = await browser.get(servicePath);
  assert.ok(secretOf(page), 'a HEAD request does not use up the one showing');
  assert.equal(secretOf(await browser.get(servicePath)), undefined, 'not twice');
  // A key whose page this session does not open straight away.
  const unseen = await browser.post(payForm, { description: 'Never opened' });
  assert.equal(unseen.status, 303);
  assert.equal(secretOf(await laptop.get(servicePath)), undefined, 'not shown to another session');
  civitas.advance(11 * 60_000);
  assert.equal(secretOf(await browser.get(servicePath)), undefined, 'dropped unseen after 10 minutes');

  // 16 minutes after signing in, making a key or a client asks One Login again first.
  civitas.advance(5 * 60_000);
  for (const path of ['/clients/new', '/notify/keys/new', '/pay/keys/new']) {
    const response = await browser.post({ ...notifyForm, url: new URL(`${servicePath}${path}`, civitas.baseUrl).toString() }, { name: 'Late', keyType: 'test', description: 'Late' });
    assert.equal(response.status, 303, path);
    const location = new URL(response.headers.get('location') as string, civitas.baseUrl);
    assert.equal(location.pathname, '/console/sign-in');
    assert.equal(location.searchParams.get('recent'), '1');
    assert.equal(location.searchParams.get('return'), `${servicePath}${path}`);
  }
  assert.deepEqual((await civitas.onboarding.listNotifyKeys(service)).map((key) => key.name), ['Test key'], 'no key made without the fresh sign-in');
  assert.equal((await civitas.onboarding.listPayKeys(service)).length, 1);
  assert.equal((await civitas.onboarding.listClients(service)).length, 0);
});

test('a developer registers a client by JWKS URI and revokes keys, which then stop working; a key is revoked only through its own service', async (t) => {
  const { civitas, browser: ownerBrowser, organisation, servicePath, service } = await startWithService(t);
  const { organisations, kernel, baseUrl } = civitas;
  const dewi = await civitas.account('dewi@example.gov.uk');
  await organisations.invite({ organisationId: organisation.id, email: dewi.email, role: 'developer', actor: { audit: 'operator:cli', label: 'operator:cli' } });
  const { readInvitationLink, acceptInvitation } = await import('./console-pages.test-kit.ts');
  const browser = civitas.browser();
  await acceptInvitation(browser, dewi, await readInvitationLink(kernel, dewi.email));

  let form = await browser.get(`${servicePath}/clients/new`);
  const plainHttp = await browser.submit(form, { redirectUris: 'https://a.example.gov.uk/cb', jwksUri: 'http://keys.example.gov.uk/jwks.json', levels: 'Cl', requirePkce: 'no' });
  assert.deepEqual(errorSummary(plainHttp), ['Enter the address of your JWKS, starting with https://']);
  const both = await browser.submit(form, { redirectUris: 'https://a.example.gov.uk/cb', jwksUri: 'https://keys.example.gov.uk/jwks.json', publicKey: 'x', levels: 'Cl', requirePkce: 'no' });
  assert.deepEqual(errorSummary(both), ['Give the public key in only one of the 3 ways']);
  let page = await browser.submit(form, { redirectUris: 'http://localhost:3000/cb', jwksUri: 'https://keys.example.gov.uk/jwks.json', levels: 'Cl', requirePkce: 'no', scopes: 'phone' });
  assert.match(page.html, /One Login client registered/);
  const [client] = await civitas.onboarding.listClients(service);
  assert.equal(client?.jwksUri, 'https://keys.example.gov.uk/jwks.json');
  assert.deepEqual(client?.allowedLevels, ['Cl', 'Cl.Cm']);
  assert.deepEqual(client?.scopes, ['openid', 'phone']);
  assert.equal(client?.requirePkce, false);
  // One Login takes the client as registered: its authorization request goes on to sign-in.
  const authorize = new URL('/authorize', baseUrl);
  authorize.search = new URLSearchParams({ client_id: client?.clientId as string, redirect_uri: 'http://localhost:3000/cb', response_type: 'code', scope: 'openid phone', state: 's', nonce: 'n' }).toString();
  const started = await fetch(authorize, { redirect: 'manual', headers: { accept: 'text/html' } });
  assert.equal(started.status, 303);
  assert.match(started.headers.get('location') ?? '', /\/sign-in\//);

  page = await browser.submit(page, {}, `${servicePath}/notify/service`);
  page = await browser.submit(page, {}, `${servicePath}/notify/service`);
  assert.ok(await civitas.onboarding.notifyServiceOf(service), 'a second press finds the first Notify service');
  page = await browser.submit(await browser.get(`${servicePath}/notify/keys/new`), { name: 'Team key', keyType: 'team' });
  const notifyKey = secretOf(page) as string;
  page = await browser.submit(page, {}, `${servicePath}/pay/account`);
  page = await browser.submit(await browser.get(`${servicePath}/pay/keys/new`), { description: 'Staging' });
  const payKey = secretOf(page) as string;
  const [notifyKeyRow] = await civitas.onboarding.listNotifyKeys(service);
  const [payKeyRow] = await civitas.onboarding.listPayKeys(service);

  // Another organisation's developer cannot revoke these keys by id, under their own service's address.
  const other = await startWithServiceIn(civitas, 'mallory@example.gov.uk');
  for (const [product, keyId] of [['notify', notifyKeyRow?.id], ['pay', payKeyRow?.id]] as const) {
    const url = `${other.servicePath}/${product}/keys/${keyId}/revoke`;
    const tried = await other.browser.get(url);
    assert.equal(tried.status, 404, tried.html);
    const csrf = await other.browser.get('/console');
    assert.match(csrf.html, /name="_csrf"/);
    assert.equal((await other.browser.post({ ...csrf, url: new URL(url, baseUrl).toString() }, {})).status, 404);
  }
  assert.equal((await civitas.onboarding.listNotifyKeys(service))[0]?.revokedAt, null);
  assert.equal((await civitas.onboarding.listPayKeys(service))[0]?.revokedAt, null);

  const payWith = (key: string) =>
    fetch(new URL('/v1/payments', baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, reference: 'r', description: 'd', return_url: 'https://a.example.gov.uk/paid' }),
    });
  assert.equal((await payWith(payKey)).status, 201);
  page = await browser.get(`${servicePath}/pay/keys/${payKeyRow?.id}/revoke`);
  assert.equal(pageHeading(page), 'Revoke the Pay API key Staging?');
  page = await browser.submit(page, {});
  assert.match(page.html, /Pay API key revoked/);
  assert.equal((await payWith(payKey)).status, 401, 'a revoked Pay key stops working');
  assert.equal((await browser.get(`${servicePath}/pay/keys/${payKeyRow?.id}/revoke`)).status, 404, 'nothing left to revoke');

  page = await browser.submit(await browser.get(`${servicePath}/notify/keys/${notifyKeyRow?.id}/revoke`), {});
  assert.match(page.html, /Notify API key revoked/);
  const status = await new NotifyClient(baseUrl, notifyKey).getNotifications().then(() => 200, (error: { response?: { status: number } }) => error.response?.status);
  assert.equal(status, 403, 'a revoked Notify key stops working');
  assert.equal((await ownerBrowser.get(servicePath)).status, 200);
});

/** A second organisation, with its own owner signed in and a service, on the same Civitas. */
async function startWithServiceIn(civitas: Awaited<ReturnType<typeof startWithService>>['civitas'], email: string) {
  const { acceptInvitation, readInvitationLink } = await import('./console-pages.test-kit.ts');
  const account = await civitas.account(email);
  const actor = { audit: 'operator:cli', label: 'operator:cli' };
  const { organisation } = await civitas.organisations.createOrganisation({ name: 'Other department', ownerEmail: email, actor });
  const service = await civitas.organisations.createService({ organisationId: organisation.id, name: 'Other service', actor });
  await equipService(civitas.onboarding, service);
  const browser = civitas.browser();
  await acceptInvitation(browser, account, await readInvitationLink(civitas.kernel, email));
  return { browser, servicePath: `/console/organisations/${organisation.id}/services/${service.id}` };
}

test('the client form reads a multipart body within 64 KB; a body that is not multipart as it says is a 400', async (t) => {
  const { civitas, browser, servicePath } = await startWithService(t);
  const form = await browser.get(`${servicePath}/clients/new`);
  const huge = await submitMultipart(browser, form, { redirectUris: 'https://a.example.gov.uk/cb' }, { field: 'publicKeyFile', filename: 'key.pem', content: 'A'.repeat(70 * 1024) });
  assert.equal(huge.status, 413);
  const broken = await fetch(form.url, {
    method: 'POST',
    headers: { accept: 'text/html', 'content-type': 'multipart/form-data; boundary=xyz', cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    body: 'not a multipart body',
  });
  assert.equal(broken.status, 400);
  const [service] = await civitas.organisations.listServices((await civitas.organisations.listOrganisations())[0]?.id as string);
  assert.equal((await civitas.onboarding.listClients(service as NonNullable<typeof service>)).length, 0);
});
