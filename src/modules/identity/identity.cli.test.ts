import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCivitas } from '../../testing/civitas-cli.ts';
import { createClientStore } from './clients/client.store.ts';
import { createTestAccount, startIdentityServer } from './testing/identity-test-kit.ts';
import { authorizeUrl, requestTokens, signInOnce } from './provider/relying-party.test-kit.ts';

test('identity client add: a key service, or a client_secret_post service whose secret is printed once (text and --json) and works at /token', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const databaseUrl = kernel.testDatabase.url;
  const folder = mkdtempSync(join(tmpdir(), 'civitas-identity-cli-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const civitas = async (...args: string[]) => {
    const result = await runCivitas({ DATABASE_URL: databaseUrl }, 'identity', 'client', ...args);
    return { status: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
  const redirectUri = 'https://platform.example.gov.uk/callback';

  const added = await civitas('add', '--name', 'Power platform service', '--redirect-uri', redirectUri, '--token-auth', 'client_secret_post', '--json');
  assert.equal(added.status, 0, added.stderr);
  const { client_id: clientId, client_secret: clientSecret } = JSON.parse(added.stdout) as Record<string, string>;
  assert.match(clientSecret ?? '', /^[A-Za-z0-9_-]{54}$/);

  const text = await civitas('add', '--name', 'Another platform', '--redirect-uri', redirectUri, '--token-auth', 'client_secret_post');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /client_secret [A-Za-z0-9_-]{54}\n/);
  assert.match(text.stdout, /shown only this once/);

  const row = await createClientStore(kernel.db).find(clientId as string);
  assert.ok(row && !row.metadata.includes(clientSecret as string), 'the registry keeps no secret in clear');
  const listed = await civitas('list', '--json');
  assert.ok(!listed.stdout.includes(clientSecret as string) && !listed.stdout.includes('argon2'), 'list shows neither secret nor hash');
  assert.equal((JSON.parse(listed.stdout) as Array<Record<string, string>>).find((client) => client.client_id === clientId)?.token_endpoint_auth_method, 'client_secret_post');

  const { callback } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeUrl(baseUrl, { clientId: clientId as string, redirectUri }));
  const tokens = await requestTokens(baseUrl, { code: callback.searchParams.get('code') as string, redirect_uri: redirectUri, client_id: clientId as string, client_secret: clientSecret as string });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));

  const keyFile = join(folder, 'public-key.pem');
  writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const keyService = await civitas('add', '--name', 'Key service', '--redirect-uri', redirectUri, '--public-key', keyFile, '--json');
  assert.equal(keyService.status, 0, keyService.stderr);
  assert.deepEqual(Object.keys(JSON.parse(keyService.stdout) as object), ['client_id'], 'a key service is given no secret');

  const refusals: Array<[string[], RegExp]> = [
    [['--token-auth', 'client_secret_post', '--public-key', keyFile], /--public-key is for private_key_jwt/],
    [['--token-auth', 'client_secret_basic'], /--token-auth must be private_key_jwt or client_secret_post/],
    [[], /--public-key FILE is required/],
  ];
  for (const [args, message] of refusals) {
    const refused = await civitas('add', '--name', 'Refused', '--redirect-uri', redirectUri, ...args);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, message);
  }
});
