/**
 * What a restored Civitas must still do, for the backup and restore tests: people sign in to a
 * service through One Login (a password, an authenticator-app secret sealed under
 * ENCRYPTION_KEY, signing keys sealed under it too), and Notify and Pay API keys authenticate
 * (Notify's key secret is sealed as well).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { NotifyClient } from 'notifications-node-client';
import { pino } from 'pino';
import { buildApp, modules } from '../../src/app.ts';
import { openKernel, type Kernel } from '../../src/platform/kernel.ts';
import { createTestConfig } from '../../src/testing/test-kernel.ts';
import { authorizeUrl, clientAssertion, privateKeyJwtFields, requestTokens, signInOnce } from '../../src/modules/identity/provider/relying-party.test-kit.ts';
import { createTestAccount, registerTestClient, type TestAccount, type TestRelyingParty } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { notifyCoreOf } from '../../src/modules/notify/notify.core-cache.ts';
import { payServicesOf } from '../../src/modules/pay/pay-services.ts';
import { createAccountWithKey, PAYMENT_REQUEST } from '../../src/modules/pay/testing/pay-test-support.ts';

/** The same key on the Civitas backed up and the one restored: the secrets in the copy open only with it. */
export const ENCRYPTION_KEY = 'backup-and-restore-test-encryption-key-0001';

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The whole app on `databaseUrl`, migrated, listening on a free port that is its BASE_URL. */
export async function startCivitasOn(
  t: TestContext,
  databaseUrl: string,
  environment: Record<string, string> = {},
): Promise<{ baseUrl: string; kernel: Kernel; stop(): Promise<void> }> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = createTestConfig(
    { url: databaseUrl, kind: databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres', drop: async () => {} },
    { BASE_URL: baseUrl, PORT: String(port), ENCRYPTION_KEY, ...environment },
  );
  const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app?.close();
    await kernel.close();
  };
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    await kernel.migrate();
    app = await buildApp(kernel);
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await stop();
    throw error;
  }
  t.after(stop);
  return { baseUrl, kernel, stop };
}

export type Seeded = {
  account: TestAccount;
  service: TestRelyingParty;
  notify: { key: string; templateId: string };
  pay: { key: string };
};

/** A person with an account, a service that signs people in, a Notify service and a Pay account with keys. */
export async function seedCivitas(kernel: Kernel): Promise<Seeded> {
  const account = await createTestAccount(kernel, 'ffion@example.com');
  const service = await registerTestClient(kernel);
  const notify = notifyCoreOf(kernel);
  const notifyService = await notify.serviceAdmin.createService({ name: 'Backup test service', actor: 'operator:test' });
  const { key } = await notify.serviceAdmin.createApiKey({ serviceId: notifyService.id, keyType: 'test', name: 'test key', actor: 'operator:test' });
  const template = await notify.templates.create({
    serviceId: notifyService.id,
    type: 'email',
    name: 'Restored',
    subject: 'Restored',
    body: 'Your application ((reference)) is safe.',
    createdBy: 'test@example.gov.uk',
    actor: 'operator:test',
  });
  const pay = await createAccountWithKey(payServicesOf(kernel));
  return { account, service, notify: { key, templateId: template.id }, pay: { key: pay.key } };
}

/** Signs in through One Login's pages and checks the service's ID token; uses the Notify and Pay keys. */
export async function assertCivitasWorks(baseUrl: string, seeded: Seeded, options: { signIn?: boolean } = {}): Promise<void> {
  if (options.signIn !== false) await assertSignInWorks(baseUrl, seeded);
  await assertApiKeysWork(baseUrl, seeded);
}

/**
 * Each sign-in takes a new authenticator-app code, one per 30-second step: tests that restore
 * several copies sign in on the ones that matter and check the keys on the others.
 */
async function assertSignInWorks(baseUrl: string, seeded: Seeded): Promise<void> {
  const { account, service } = seeded;
  const { callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, service));
  const code = callback.searchParams.get('code');
  assert.ok(code, `signed in and sent back with a code: ${callback}`);
  const assertion = await clientAssertion({ clientId: service.clientId, audience: `${baseUrl}/token`, key: service.privateKey, alg: 'ES256' });
  const tokens = await requestTokens(baseUrl, privateKeyJwtFields(code, service.redirectUri, assertion));
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  const { payload } = await jwtVerify(tokens.body.id_token as string, createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`)), {
    issuer: baseUrl,
    audience: service.clientId,
  });
  assert.equal(typeof payload.sub, 'string');
}

async function assertApiKeysWork(baseUrl: string, seeded: Seeded): Promise<void> {
  const notify = new NotifyClient(baseUrl, seeded.notify.key);
  const sent = await notify.sendEmail(seeded.notify.templateId, 'ffion@example.com', { personalisation: { reference: 'A-1' } });
  assert.equal(sent.status, 201);
  const found = await notify.getNotificationById(sent.data.id);
  assert.equal(found.data.id, sent.data.id);

  const payment = await fetch(`${baseUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${seeded.pay.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(PAYMENT_REQUEST),
  });
  assert.equal(payment.status, 201, await payment.clone().text());
}
