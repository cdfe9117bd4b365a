/**
 * GOV.UK One Login's own example relying party (test/third-party/govuk-one-login-example, a pinned
 * copy of govuk-one-login/onboarding-examples clients/nodejs), run unchanged against Civitas and
 * driven through sign-in in Chromium.
 *
 * The example is set up as a service team sets it up: its `.env` names the client id Civitas gave
 * it, its RSA private key (base64 PKCS#8, which it signs with PS256), the issuer with the trailing
 * slash GOV.UK writes, and its redirect URLs; the client is registered with the public key, as
 * `civitas identity client add` does. Two copies of the example run, one with its default query
 * parameters and one with REQUIRE_JAR=true (request objects as GOV.UK documents them), and a
 * person signs in to each with email, password and a security code from an authenticator app,
 * sees the example's signed-in page with the tokens and user information it decoded, and signs out.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, openPage } from '../../src/testing/browser.ts';
import { createClientRegistry } from '../../src/modules/identity/clients/clients.ts';
import { createTestAccount, type TestAccount } from '../../src/modules/identity/testing/identity-test-kit.ts';
import { modules } from '../../src/app.ts';
import { createTestApp } from '../../src/testing/test-kernel.ts';

const here = dirname(fileURLToPath(import.meta.url));
const exampleFolder = join(here, 'govuk-one-login-example');
const repositoryRoot = join(here, '..', '..');
const tsc = join(repositoryRoot, 'node_modules', '.bin', 'tsc');

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The example built as its own README builds it (TypeScript to JavaScript, here with the
 * repository's compiler and no type check), with its views beside the output as its app expects,
 * its package.json (an ES module package), and the repository's node_modules (its dependencies,
 * and govuk-frontend's templates, which it reads from ./node_modules).
 */
function buildExample(t: TestContext): string {
  const folder = mkdtempSync(join(tmpdir(), 'govuk-one-login-example-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  execFileSync(tsc, ['-p', join(exampleFolder, 'tsconfig.json'), '--noCheck', '--outDir', join(folder, 'dist')], { stdio: 'pipe' });
  cpSync(join(exampleFolder, 'src', 'views'), join(folder, 'dist', 'views'), { recursive: true });
  cpSync(join(exampleFolder, 'package.json'), join(folder, 'package.json'));
  symlinkSync(join(repositoryRoot, 'node_modules'), join(folder, 'node_modules'), 'dir');
  return folder;
}

type Example = { url: string; process: ChildProcess; output: string[] };

/** One copy of the example, configured by its `.env` file as its README says, listening on `port`. */
async function startExample(t: TestContext, options: { build: string; port: number; env: Record<string, string> }): Promise<Example> {
  const folder = mkdtempSync(join(tmpdir(), 'govuk-one-login-example-run-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  for (const entry of ['dist', 'package.json', 'node_modules']) symlinkSync(join(options.build, entry), join(folder, entry));
  writeFileSync(join(folder, '.env'), `${Object.entries(options.env).map(([name, value]) => `${name}=${value}`).join('\n')}\n`);
  const child = spawn(process.execPath, ['dist/server.js'], { cwd: folder, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk) => output.push(String(chunk)));
  child.stderr.on('data', (chunk) => output.push(String(chunk)));
  t.after(() => {
    child.kill();
  });
  const url = `http://localhost:${options.port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (output.join('').includes('Server is running')) break;
    if (child.exitCode !== null || attempt > 200) assert.fail(`the example did not start:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url, process: child, output };
}

const browser = await launchBrowser({ after });

/** Email, password and a code from the authenticator app, on Civitas's sign-in pages. */
async function signIn(page: Page, account: TestAccount) {
  await page.waitForLoadState();
  assert.match(new URL(page.url()).pathname, /^\/sign-in\/[^/]+$/, `a sign-in page, not ${page.url()}: ${await page.locator('main').textContent()}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#email').fill(account.email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForLoadState();
  if (!(await page.locator('#password').count())) assert.fail(`${page.url()}: ${await page.locator('main').textContent()}`);
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#code').fill(await account.nextCode());
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** The JSON the example's signed-in page shows under `heading`. */
async function shownUnder(page: Page, heading: string): Promise<Record<string, unknown>> {
  const text = await page.locator(`h2:text-is("${heading}") ~ pre`).first().textContent();
  return JSON.parse(text ?? 'null') as Record<string, unknown>;
}

test('GOV.UK One Login\'s example relying party signs a person in and out of Civitas, with query parameters and with JAR', { timeout: 120_000 }, async (t) => {
  // Civitas as an operator would run it for services moving from GOV.UK: the issuer written as GOV.UK writes its own.
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}/`;
  const { app, kernel } = await createTestApp(t, { modules, environment: { BASE_URL: baseUrl, PORT: String(port), ONE_LOGIN_ISSUER: issuer } });
  await app.listen({ port, host: '127.0.0.1' });
  const account = await createTestAccount(kernel, 'example-service-user@example.com');
  const build = buildExample(t);

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const registry = createClientRegistry({ db: kernel.db });
  const examples: Array<{ name: string; jar: boolean; example: Example; clientId: string }> = [];
  for (const jar of [false, true]) {
    const examplePort = await findFreePort();
    const { clientId } = await registry.add({
      name: `GOV.UK One Login example${jar ? ' (JAR)' : ''}`,
      redirectUris: [`http://localhost:${examplePort}/oidc/authorization-code/callback`],
      postLogoutRedirectUris: [`http://localhost:${examplePort}/signed-out`],
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      scopes: ['openid', 'email', 'phone'],
    });
    const example = await startExample(t, {
      build,
      port: examplePort,
      env: {
        NODE_ENV: 'development',
        NODE_PORT: String(examplePort),
        OIDC_CLIENT_ID: clientId,
        OIDC_PRIVATE_KEY: (privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64'),
        OIDC_ISSUER: issuer,
        OIDC_TOKEN_AUTH_METHOD: 'private_key_jwt',
        OIDC_SCOPES: 'email,phone,openid',
        OIDC_AUTHORIZE_REDIRECT_URL: 'http://localhost:port/oidc/authorization-code/callback',
        OIDC_POST_LOGOUT_REDIRECT_URL: 'http://localhost:port/signed-out',
        AUTH_VECTOR_OF_TRUST: 'Cl.Cm',
        UI_LOCALES: 'en',
        SERVICE_URL: 'http://localhost:port',
        IMMEDIATE_REDIRECT: 'false',
        REQUIRE_JAR: String(jar),
        // Civitas proves no identity yet: the example's "authentication and identity" button is off.
        IDENTITY_SUPPORTED: 'false',
      },
    });
    examples.push({ name: jar ? 'with JAR' : 'with query parameters', jar, example, clientId });
  }

  const { page } = await openPage(t, browser);
  for (const { name, jar, example, clientId } of examples) {
    await page.goto(`${example.url}/start`);
    await page.getByRole('button', { name: 'Make a request for authentication' }).click();
    if (jar) {
      const authorize = new URL(page.url());
      assert.ok(authorize.href.startsWith(`${baseUrl}/`) && !authorize.searchParams.has('redirect_uri'), `${name}: the parameters travel in the request object`);
    }
    await signIn(page, account);

    await page.waitForURL(`${example.url}/home`);
    assert.equal(await page.locator('h1').textContent(), 'You are logged in to the {EXAMPLE_SERVICE}', `${name}: ${example.output.join('')}`);
    const userinfo = await shownUnder(page, 'User information');
    assert.equal(userinfo.email, account.email, name);
    assert.equal(userinfo.email_verified, true, name);
    const idToken = await shownUnder(page, 'ID token');
    assert.equal(idToken.iss, issuer, name);
    assert.equal(idToken.aud, clientId, name);
    assert.equal(idToken.vot, 'Cl.Cm', name);
    assert.equal(idToken.sub, userinfo.sub, name);
    const accessToken = await shownUnder(page, 'Access token');
    assert.equal(accessToken.client_id, clientId, name);
    assert.equal(accessToken.sub, userinfo.sub, name);
    assert.deepEqual([...(accessToken.scope as string[])].sort(), ['email', 'openid', 'phone'], name);
    if (jar) {
      assert.equal(await page.getByRole('button', { name: 'Make a request to re-authenticate' }).count(), 1, `${name}: re-authentication is offered`);
    }

    // The example's header links to http://localhost:8080/oidc/logout (its own default port);
    // this copy listens elsewhere, so its sign-out route is followed directly.
    // The example sends its ID token, so One Login signs the person out at once, with no question.
    await page.goto(`${example.url}/oidc/logout`);
    await page.waitForURL(new RegExp(`^${example.url}/signed-out`));
    assert.match((await page.locator('h1').textContent()) ?? '', /You are logged out of/, name);
  }
});
