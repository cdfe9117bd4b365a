import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as openIdClient from 'openid-client';
import { generate } from 'otplib';
import { modules as appModules } from '../../../app.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import type { DevelopmentMessage } from '../../../platform/mail/development-outbox.ts';
import type { CivitasModule } from '../../../platform/module.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createAuthenticatorSecret } from '../accounts/authenticator-app.ts';
import { hashPassword } from '../accounts/passwords.ts';
import { createClientRegistry, type NewClient } from '../clients/clients.ts';
import type { FormClient, FormPage } from './form-client.ts';

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Every module of the app (Notify sends One Login's messages), with this One Login in place of the default. */
export function withIdentity(identity: CivitasModule): CivitasModule[] {
  return appModules.map((module) => (module.name === 'identity' ? identity : module));
}

/**
 * The newest message sent to `recipient`, once the workers have delivered what is queued:
 * One Login's messages go through Notify, which stores them and delivers them from a job.
 */
export async function readLatestMessage(kernel: Kernel, recipient: string): Promise<DevelopmentMessage | undefined> {
  await kernel.createWorker().runUntilIdle();
  const messages = (await kernel.developmentOutbox?.listRecent(50)) ?? [];
  return messages.find((message) => message.recipient === recipient);
}

/** One Login on a real port whose BASE_URL (the issuer) is its own address. */
export async function startIdentityServer(
  t: TestContext,
  options: { modules?: readonly CivitasModule[]; environment?: Record<string, string>; hostName?: 'localhost' | '127.0.0.1' } = {},
) {
  const port = await findFreePort();
  // Passkeys need a host name: WebAuthn refuses an IP address as the relying party's id.
  const baseUrl = `http://${options.hostName ?? '127.0.0.1'}:${port}`;
  const { app, kernel } = await createTestApp(t, {
    modules: options.modules ?? appModules,
    environment: { BASE_URL: baseUrl, PORT: String(port), ...options.environment },
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, kernel, baseUrl };
}

export type TestRelyingParty = { clientId: string; privateKey: CryptoKey; redirectUri: string };

/** The service's openid-client configuration, from the provider's discovery, with private_key_jwt. */
export function discoverAsRelyingParty(baseUrl: string, rp: TestRelyingParty): Promise<openIdClient.Configuration> {
  return openIdClient.discovery(new URL(baseUrl), rp.clientId, { token_endpoint_auth_method: 'private_key_jwt' }, openIdClient.PrivateKeyJwt(rp.privateKey), {
    execute: [openIdClient.allowInsecureRequests],
  });
}

/** Registers a service with a fresh ES256 key pair, as a department would with the CLI. */
export async function registerTestClient(
  kernel: { db: Parameters<typeof createClientRegistry>[0]['db'] },
  client: Partial<NewClient> = {},
): Promise<TestRelyingParty> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const redirectUri = client.redirectUris?.[0] ?? 'https://service.example.gov.uk/callback';
  const { clientId } = await createClientRegistry({ db: kernel.db }).add({
    name: 'Test service',
    redirectUris: [redirectUri],
    publicKey: JSON.stringify(await exportJWK(publicKey)),
    scopes: ['openid', 'email', 'phone'],
    ...client,
  });
  return { clientId, privateKey, redirectUri };
}

export type TestAccount = {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  /** A code from the authenticator app. Each call gives a later time step, since a code works once. */
  nextCode(): Promise<string>;
};

/** An account with a password and an authenticator app, as if created through the pages. */
export async function createTestAccount(kernel: Pick<Parameters<typeof createAccountService>[0], 'db' | 'secrets'>, email = 'ffion@example.com'): Promise<TestAccount> {
  const password = 'correct horse battery staple';
  const totpSecret = createAuthenticatorSecret();
  const account = await createAccountService({ db: kernel.db, secrets: kernel.secrets }).createWithPasswordHash({
    email,
    passwordHash: await hashPassword(password),
    method: { kind: 'auth-app', totp_secret: totpSecret, totp_last_step: null, phone_number: null, credential_id: null, public_key: null, sign_count: null, transports: null },
  });
  let lastStep = 0;
  return {
    id: account.id,
    email,
    password,
    totpSecret,
    // The provider accepts the current time step and one either side, and each step once. Use
    // the current step, or the next one if it is taken; wait if even that is used.
    async nextCode() {
      const currentStep = Math.floor(Date.now() / 30_000);
      const step = Math.max(lastStep + 1, currentStep);
      if (step > currentStep + 1) await sleep((step - 1) * 30_000 - Date.now() + 50);
      lastStep = step;
      return generate({ secret: totpSecret, epoch: step * 30 });
    },
  };
}

/** A service's back-channel logout endpoint on a free port: keeps each logout token it is sent. */
export async function startLogoutReceiver(t: TestContext): Promise<{ url: string; tokens: string[] }> {
  const tokens: string[] = [];
  const server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      response.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/backchannel-logout`, tokens };
}

/** Opens a page of a relying party (the console), signing in through One Login's pages on the way when it asks. */
export async function openSigningIn(browser: FormClient, account: TestAccount, url: string): Promise<FormPage> {
  let page = await browser.get(url);
  if (page.url.includes('/sign-in/')) {
    page = await browser.submit(await browser.get(`${page.url}/email`), { email: account.email });
    page = await browser.submit(page, { password: account.password });
    page = await browser.submit(page, { code: await account.nextCode() });
  }
  return page;
}
