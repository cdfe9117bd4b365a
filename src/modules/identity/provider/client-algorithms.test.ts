import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { ClientRegistrationError, createClientRegistry, readPublicKey } from '../clients/clients.ts';
import { createClientStore } from '../clients/client.store.ts';
import { up as unpinClientKeyAlgorithms } from '../migrations/0007-unpin-client-key-algorithms.ts';
import { createTestAccount, startIdentityServer } from '../testing/identity-test-kit.ts';
import { authorizeUrl, clientAssertion, codeFrom, privateKeyJwtFields, requestTokens, signInOnce } from './relying-party.test-kit.ts';

const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const redirectUri = 'https://service.example.gov.uk/callback';

function rsaKeyPair(modulusLength = 2048) {
  return generateKeyPairSync('rsa', { modulusLength });
}

test('a service that registered an RSA key as PEM authenticates with RS256, RS384, RS512, PS256, PS384 and PS512', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const { publicKey, privateKey } = rsaKeyPair();
  const { clientId } = await createClientRegistry({ db: kernel.db }).add({
    name: 'RSA service',
    redirectUris: [redirectUri],
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  });
  const rp = { clientId, redirectUri };
  const { browser } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeUrl(baseUrl, rp));

  for (const alg of RSA_ALGORITHMS) {
    const code = await codeFrom(browser, authorizeUrl(baseUrl, rp));
    const assertion = await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: privateKey, alg });
    const response = await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, assertion));
    assert.equal(response.status, 200, `${alg}: ${JSON.stringify(response.body)}`);
  }

  const discovery = (await (await fetch(`${baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
  for (const alg of [...RSA_ALGORITHMS, 'ES256']) {
    assert.ok(discovery.token_endpoint_auth_signing_alg_values_supported?.includes(alg), alg);
    assert.ok(discovery.request_object_signing_alg_values_supported?.includes(alg), alg);
  }
});

test('an assertion signed with an algorithm off the list, or with the key of another algorithm family, is refused', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const { publicKey, privateKey } = rsaKeyPair();
  const { clientId } = await createClientRegistry({ db: kernel.db }).add({ name: 'RSA service', redirectUris: [redirectUri], publicKey: JSON.stringify(publicKey.export({ format: 'jwk' })) });
  const rp = { clientId, redirectUri };
  const { browser } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeUrl(baseUrl, rp));
  const code = await codeFrom(browser, authorizeUrl(baseUrl, rp));
  const { privateKey: ecKey } = await generateKeyPair('ES256');
  const refusals = [
    await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: ecKey, alg: 'ES256' }),
    await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: new TextEncoder().encode('a shared secret that nobody registered'), alg: 'HS256' } as never),
  ];
  for (const assertion of refusals) {
    const response = await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, assertion));
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  }
  const accepted = await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, await clientAssertion({ clientId, audience: `${baseUrl}/token`, key: privateKey, alg: 'PS256' })));
  assert.equal(accepted.status, 200, 'the code was still good: only the assertions were refused');
});

test('registration takes RSA keys of 2048 bits or more and EC P-256 keys, as PEM or JWK, and refuses anything else', async () => {
  for (const bits of [2048, 3072, 4096]) {
    const key = await readPublicKey(rsaKeyPair(bits).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, undefined, 'an RSA key is not pinned to one algorithm');
    assert.equal(key.use, 'sig');
    assert.equal(typeof key.kid, 'string');
  }
  const rsaPkcs1 = rsaKeyPair().publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  assert.equal((await readPublicKey(rsaPkcs1)).kty, 'RSA', 'BEGIN RSA PUBLIC KEY is read too');
  const ec = await generateKeyPair('ES256', { extractable: true });
  assert.equal((await readPublicKey(JSON.stringify(await exportJWK(ec.publicKey)))).crv, 'P-256');

  const small = rsaKeyPair(1024);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed25519 = generateKeyPairSync('ed25519');
  const refused: Array<[string, string]> = [
    [small.publicKey.export({ type: 'spki', format: 'pem' }) as string, '2048'],
    [JSON.stringify(small.publicKey.export({ format: 'jwk' })), '2048'],
    [p384.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'P-256'],
    [ed25519.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'P-256'],
    [small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'private key'],
    [JSON.stringify(rsaKeyPair().privateKey.export({ format: 'jwk' })), 'private key'],
    ['-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----', 'that can be read'],
    ['ssh-rsa AAAA', 'PEM public key'],
  ];
  for (const [text, message] of refused) {
    await assert.rejects(readPublicKey(text), (error: unknown) => error instanceof ClientRegistrationError && error.message.includes(message), message);
  }
});

test('migration 0007 unpins a service registered with its key pinned to RS256, so it can sign with PS256', async (t) => {
  const { kernel, baseUrl } = await startIdentityServer(t);
  const { publicKey, privateKey } = rsaKeyPair();
  const registry = createClientRegistry({ db: kernel.db });
  const { clientId } = await registry.add({ name: 'Registered long ago', redirectUris: [redirectUri], publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string });
  const clients = createClientStore(kernel.db);
  const row = await clients.find(clientId);
  assert.ok(row);
  const metadata = JSON.parse(row.metadata) as { jwks: { keys: Array<Record<string, unknown>> } };
  // As `identity client add` wrote it before: the key and the client pinned to RS256.
  const pinned = { ...metadata, token_endpoint_auth_signing_alg: 'RS256', jwks: { keys: metadata.jwks.keys.map((key) => ({ ...key, alg: 'RS256' })) } };
  await clients.replaceMetadata(clientId, JSON.stringify(pinned));

  const rp = { clientId, redirectUri };
  const { browser } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeUrl(baseUrl, rp));
  const ps256 = () => clientAssertion({ clientId, audience: `${baseUrl}/token`, key: privateKey, alg: 'PS256' });
  const code = await codeFrom(browser, authorizeUrl(baseUrl, rp));
  assert.equal((await requestTokens(baseUrl, privateKeyJwtFields(code, redirectUri, await ps256()))).status, 401, 'pinned: PS256 refused');

  await unpinClientKeyAlgorithms(kernel.db as never);
  const unpinned = JSON.parse((await clients.find(clientId))?.metadata ?? '{}') as Record<string, unknown>;
  assert.equal(unpinned.token_endpoint_auth_signing_alg, undefined);
  assert.deepEqual(unpinned.jwks, metadata.jwks);
  const response = await requestTokens(baseUrl, privateKeyJwtFields(await codeFrom(browser, authorizeUrl(baseUrl, rp)), redirectUri, await ps256()));
  assert.equal(response.status, 200, JSON.stringify(response.body));
});
