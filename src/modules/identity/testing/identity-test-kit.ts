import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { generate } from 'otplib';
import type { CivitasModule } from '../../../platform/module.ts';
import { createTestApp } from '../../../platform/testing/test-kernel.ts';
import { createAccountService } from '../accounts/account.service.ts';
import { createAuthenticatorSecret } from '../accounts/authenticator-app.ts';
import { hashPassword } from '../accounts/passwords.ts';
import { createClientRegistry, type NewClient } from '../clients/clients.ts';
import { identityModule } from '../identity.module.ts';

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
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
    modules: options.modules ?? [identityModule],
    environment: { BASE_URL: baseUrl, PORT: String(port), ...options.environment },
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, kernel, baseUrl };
}

export type TestRelyingParty = { clientId: string; privateKey: CryptoKey; redirectUri: string };

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
export async function createTestAccount(kernel: { db: Parameters<typeof createAccountService>[0]['db'] }, email = 'ffion@example.com'): Promise<TestAccount> {
  const password = 'correct horse battery staple';
  const totpSecret = createAuthenticatorSecret();
  const account = await createAccountService({ db: kernel.db }).createWithPasswordHash({
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
