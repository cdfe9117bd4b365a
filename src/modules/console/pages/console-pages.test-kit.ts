import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import type { TestContext } from 'node:test';
import * as openIdClient from 'openid-client';
import { modules as appModules } from '../../../app.ts';
import type { CliContext } from '../../../platform/cli/cli-command.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import {
  createFormClient,
  createTestAccount,
  openSigningIn,
  readLatestMessage,
  startIdentityServer,
  type FormClient,
  type FormPage,
  type TestAccount,
} from '../../identity/testing/identity-testing.contract.ts';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { createServiceClients } from '../../identity/identity.contract.ts';
import { createServiceNotify } from '../../notify/notify.contract.ts';
import { createServicePay } from '../../pay/pay.contract.ts';
import { createConsoleModule } from '../console.module.ts';
import { createOnboarding, type Onboarding } from '../onboarding/onboarding.ts';
import type { ServiceRow } from '../organisations/organisation.store.ts';
import { createOrganisations } from '../organisations/organisations.ts';

/**
 * Civitas on a real port with the console reading a clock the test moves on (the real time plus
 * an offset, so One Login's own times and the console's agree until the test jumps).
 */
export async function startConsole(t: TestContext) {
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const modules = appModules.map((module) => (module.name === 'console' ? createConsoleModule({ clock }) : module));
  const { app, kernel, baseUrl } = await startIdentityServer(t, { modules });
  const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl, clock });
  const onboarding = createOnboarding({
    db: kernel.db,
    audit: kernel.audit,
    clients: createServiceClients(kernel.db),
    notify: createServiceNotify(kernel),
    pay: createServicePay({ db: kernel.db, config: kernel.config, audit: kernel.audit }),
    secrets: secretBoxesOf(kernel.config).forPurpose('console-one-time-secret'),
    clock,
  });
  return {
    app,
    kernel,
    baseUrl,
    organisations,
    onboarding,
    advance(ms: number) {
      offsetMs += ms;
    },
    browser: () => createFormClient(baseUrl),
    account: (email: string) => createTestAccount(kernel, email),
  };
}

/** The link in the newest invitation emailed to `email`. */
export async function readInvitationLink(kernel: Kernel, email: string): Promise<string> {
  const message = await readLatestMessage(kernel, email);
  const link = /(http:\/\/\S+\/console\/invitations\/[A-Za-z0-9_-]{43})/.exec(message?.text ?? '')?.[1];
  assert.ok(link, 'the invitation email holds a link');
  return link;
}

export { openSigningIn };

/** Opens the invitation's link (signing in), accepts it, and returns the organisation's page. */
export async function acceptInvitation(browser: FormClient, account: TestAccount, link: string): Promise<FormPage> {
  const invitation = await openSigningIn(browser, account, link);
  assert.equal(invitation.status, 200, invitation.html);
  assert.match(invitation.html, /Join organisation/);
  return browser.submit(invitation, {});
}

/**
 * Posts a multipart form (with a file, as a browser does for a file field) with the page's CSRF
 * token and the browser's cookies; follows a redirect within the site and returns the page.
 */
export async function submitMultipart(
  browser: FormClient,
  page: FormPage,
  fields: Record<string, string>,
  file?: { field: string; filename: string; content: string },
): Promise<FormPage> {
  const form = new FormData();
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (token) form.append('_csrf', token);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append(file.field, new Blob([file.content], { type: 'application/octet-stream' }), file.filename);
  const response = await fetch(page.url, {
    method: 'POST',
    redirect: 'manual',
    body: form,
    headers: { accept: 'text/html', cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
  });
  if (response.status === 303) return browser.get(new URL(response.headers.get('location') as string, page.url).toString());
  return { url: page.url, status: response.status, html: await response.text() };
}

/** An organisation with its owner signed in (through the invitation), and one service. */
export async function startWithService(t: TestContext, email = 'ffion@example.gov.uk') {
  const civitas = await startConsole(t);
  const owner = await civitas.account(email);
  const { organisation } = await civitas.organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: owner.email, actor: { audit: 'operator:cli', label: 'operator:cli' } });
  const service = await civitas.organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor: { audit: 'operator:cli', label: 'operator:cli' } });
  const browser = civitas.browser();
  await acceptInvitation(browser, owner, await readInvitationLink(civitas.kernel, owner.email));
  return { civitas, owner, browser, organisation, service, servicePath: `/console/organisations/${organisation.id}/services/${service.id}` };
}

/** Gives a service what the onboarding pages make (as the CLI's operator would): a client, a Notify key and a Pay key. */
export async function equipService(onboarding: Onboarding, service: ServiceRow) {
  const actor = { audit: 'operator:cli', label: 'operator:cli' };
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { clientId } = await onboarding.registerClient({
    service,
    client: { name: service.name, redirectUris: ['https://service.example.gov.uk/callback'], publicKey: JSON.stringify(await exportJWK(publicKey)) },
    actor,
  });
  await onboarding.createNotifyService({ service, actor });
  const notifyKey = await onboarding.createNotifyKey({ service, keyType: 'test', name: 'Existing key', actor });
  await onboarding.createPayAccount({ service, actor });
  const payKey = await onboarding.createPayKey({ service, description: 'Existing key', actor });
  return { clientId, notifyKeyId: notifyKey.id, payKeyId: payKey.id };
}

/** Adds an email template to a Notify service with the CLI's own command, run in this process. */
export async function addEmailTemplate(kernel: Kernel, serviceId: string): Promise<string> {
  const command = appModules.flatMap((module) => module.commands ?? []).find((candidate) => candidate.name === 'notify template add');
  assert.ok(command);
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'console-')), 'body.txt');
  writeFileSync(bodyFile, 'Hello ((name)), your licence is ready.');
  let printed: { template_id?: string } = {};
  const context: CliContext = {
    values: { service: serviceId, type: 'email', name: 'Licence ready', subject: 'Your licence', 'body-file': bodyFile },
    positionals: [],
    json: true,
    config: () => kernel.config,
    kernel: () => kernel,
    print: (data) => (printed = data as { template_id?: string }),
    write: () => {},
    warn: () => {},
  };
  assert.equal(await command.run(context), 0);
  return printed.template_id as string;
}

/**
 * A relying party signs a citizen in with a registered client (private_key_jwt, PKCE), the
 * citizen going through One Login's pages; the URL One Login sent them back to, and their user info.
 */
export async function relyingPartySignsIn(options: { baseUrl: string; clientId: string; privateKey: openIdClient.CryptoKey; redirectUri: string; citizen: TestAccount }) {
  const { baseUrl, clientId, privateKey, redirectUri, citizen } = options;
  const config = await openIdClient.discovery(new URL(baseUrl), clientId, { token_endpoint_auth_method: 'private_key_jwt' }, openIdClient.PrivateKeyJwt(privateKey), {
    execute: [openIdClient.allowInsecureRequests],
  });
  const verifier = openIdClient.randomPKCECodeVerifier();
  const state = openIdClient.randomState();
  const nonce = openIdClient.randomNonce();
  const authorizationUrl = openIdClient.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await openIdClient.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const citizenBrowser = createFormClient(baseUrl);
  const start = await citizenBrowser.get(authorizationUrl.toString());
  const passwordPage = await citizenBrowser.submit(await citizenBrowser.get(`${start.url}/email`), { email: citizen.email });
  const codePage = await citizenBrowser.submit(passwordPage, { password: citizen.password });
  const callback = new URL((await citizenBrowser.submit(codePage, { code: await citizen.nextCode() })).url);
  const tokens = await openIdClient.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const userInfo = await openIdClient.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string);
  return { callback, userInfo };
}

/** Creates a payment through Pay's API with `payKey`, as a service's server does; fails unless it is made (201), and gives its status. */
export async function createPayment(baseUrl: string, payKey: string): Promise<string> {
  const payment = await fetch(new URL('/v1/payments', baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${payKey}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ amount: 2500, reference: 'licence-1', description: 'Fishing licence', return_url: 'https://fishing.example.gov.uk/paid' }),
  });
  assert.equal(payment.status, 201, await payment.clone().text());
  return ((await payment.json()) as { state: { status: string } }).state.status;
}
