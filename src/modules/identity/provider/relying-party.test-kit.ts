import assert from 'node:assert/strict';
import { randomUUID, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { SignJWT, type CryptoKey } from 'jose';
import { createFormClient, type FormClient } from '../testing/form-client.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createIdentityModule } from '../identity.module.ts';
import { withIdentity, type TestAccount, type TestRelyingParty } from '../testing/identity-test-kit.ts';

/** A service's keys as tests hold them: a WebCrypto key pinned to one algorithm, or a node:crypto key for any. */
export type SigningKey = CryptoKey | KeyObject;

/** The authorization request a GOV.UK One Login service sends, with `params` added or (undefined) taken out. */
export function authorizeUrl(baseUrl: string, rp: Pick<TestRelyingParty, 'clientId' | 'redirectUri'>, params: Record<string, string | undefined> = {}): string {
  const url = new URL('/authorize', baseUrl);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: rp.clientId,
    redirect_uri: rp.redirectUri,
    scope: 'openid email',
    state: 'state-123',
    nonce: 'nonce-456',
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * A browser signed in to One Login once (password and authenticator app); afterwards each
 * authorization request it makes comes straight back to the service (single sign-on).
 */
export async function signInOnce(baseUrl: string, account: TestAccount, firstRequest: string): Promise<{ browser: FormClient; callback: URL }> {
  const browser = createFormClient(baseUrl);
  const start = await browser.get(firstRequest);
  const passwordPage = await browser.submit(await browser.get(`${start.url}/email`), { email: account.email });
  const codePage = await browser.submit(passwordPage, { password: account.password });
  const callback = new URL((await browser.submit(codePage, { code: await account.nextCode() })).url);
  return { browser, callback };
}

/** The code a signed-in browser brings back to the service for this authorization request. */
export async function codeFrom(browser: FormClient, request: string): Promise<string> {
  const callback = new URL((await browser.get(request)).url);
  const code = callback.searchParams.get('code');
  assert.ok(code, `a code came back: ${callback}`);
  return code;
}

/** A client assertion as GOV.UK documents it: iss = sub = client_id, aud, exp, jti, iat. */
export function clientAssertion(options: { clientId: string; audience: string; key: SigningKey; alg: string; jti?: string; expiresIn?: number }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: options.jti ?? randomUUID() })
    .setProtectedHeader({ alg: options.alg })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (options.expiresIn ?? 60))
    .sign(options.key);
}

/** POSTs to /token as a service would; the status and the JSON body. */
export async function requestTokens(baseUrl: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'civitas-tests/1' },
    body: new URLSearchParams({ grant_type: 'authorization_code', ...fields }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The fields of a private_key_jwt token request for `code`. */
export function privateKeyJwtFields(code: string, redirectUri: string, assertion: string): Record<string, string> {
  return {
    code,
    redirect_uri: redirectUri,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}

/** One Login on a free port with the issuer GOV.UK's form has: BASE_URL followed by `/`. */
export async function startWithTrailingSlashIssuer(t: TestContext) {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}/`;
  const { app, kernel } = await createTestApp(t, { modules: withIdentity(createIdentityModule({ issuer })), environment: { BASE_URL: baseUrl, PORT: String(port) } });
  await app.listen({ port, host: '127.0.0.1' });
  return { kernel, baseUrl, issuer };
}
