import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactVerify, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ExternalSigningKey } from 'oidc-provider';
import { signOnThreadpool } from './threadpool-signing-key.ts';

async function privateJwk(alg: 'ES256' | 'RS256', kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

for (const alg of ['ES256', 'RS256'] as const) {
  test(`${alg}: a signing key signs JWS that its public key verifies, and shows the same public key`, async () => {
    const jwk = await privateJwk(alg, `${alg}-current`);
    const [key] = signOnThreadpool([jwk]);
    assert.ok(key instanceof ExternalSigningKey);
    assert.equal(key.kid, jwk.kid);
    assert.equal(key.alg, alg);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    for (const field of ['kty', 'crv', 'x', 'y', 'n', 'e'] as const) assert.equal(key[field], publicJwk[field], field);

    const signingInput = `${Buffer.from(JSON.stringify({ alg, kid: jwk.kid })).toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}`;
    const signature = Buffer.from(await key.sign(Buffer.from(signingInput))).toString('base64url');
    const { payload } = await compactVerify(`${signingInput}.${signature}`, publicJwk);
    assert.equal(Buffer.from(payload).toString(), '{"sub":"x"}');
  });
}

test('keys kept only for verifying are left as they are', async () => {
  const verifyOnly = { ...(await privateJwk('ES256', 'retired')), key_ops: ['verify'] };
  assert.deepEqual(signOnThreadpool([verifyOnly]), [verifyOnly]);
});
