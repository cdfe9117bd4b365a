import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { createSigner, createVerifier, httpbis, MalformedSignatureError } from 'http-message-signatures';
import { signForwardedRequest, verifyClientSignature } from './request-signature.ts';
import { XRoadError } from './xroad-error.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key = { keyId: 'Q2l2aXRhcy1rZXktdGh1bWJwcmludA', privateKey };
const created = new Date('2026-12-03T12:00:00Z');
const url = 'http://127.0.0.1:4000/pip/awards/AB123456C?include=rate&x=%20y';

const cases: Array<{ name: string; method: string; headers: Record<string, string>; fields: string[] }> = [
  {
    name: 'a GET',
    method: 'GET',
    headers: { accept: 'application/json', 'x-road-client': 'GB/GOV/RC002/blue-badge', 'x-road-service': 'GB/GOV/BA001/benefits/pip-award', 'x-road-id': 'call-1', 'accept-encoding': 'identity' },
    fields: ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id'],
  },
  {
    name: 'a POST with a body and a person, values with spaces around them',
    method: 'post',
    headers: { 'x-road-client': 'GB/GOV/RC002/blue-badge', 'x-road-service': 'GB/GOV/BA001/benefits/pip-award', 'x-road-id': 'a "quoted" \\ id', 'content-digest': ' sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=: ', 'x-road-userid': 'GBsubject-1' },
    fields: ['@method', '@target-uri', 'x-road-client', 'x-road-service', 'x-road-id', 'content-digest', 'x-road-userid'],
  },
];

for (const each of cases) {
  test(`Civitas's signature on a forwarded call is byte for byte http-message-signatures' own: ${each.name}`, async () => {
    const ours = await signForwardedRequest({ method: each.method, url, headers: each.headers }, key, each.fields, created);
    const library = await httpbis.signMessage(
      { key: createSigner(privateKey, 'ed25519', key.keyId), name: 'civitas', fields: each.fields, params: ['created', 'keyid', 'alg'], paramValues: { created } },
      { method: each.method, url, headers: each.headers },
    );
    assert.deepEqual(ours, library.headers);
  });
}

test("Civitas's signature verifies with the library's verifier, and not once the call is changed", async () => {
  const [each] = cases;
  assert.ok(each);
  const headers = await signForwardedRequest({ method: each.method, url, headers: each.headers }, key, each.fields);
  const verifyWith = (message: { method: string; url: string; headers: Record<string, string> }) =>
    httpbis.verifyMessage({ keyLookup: async () => ({ id: key.keyId, algs: ['ed25519'], verify: createVerifier(publicKey, 'ed25519') }), maxAge: 300, requiredFields: each.fields }, message);
  assert.equal(await verifyWith({ method: 'GET', url, headers }), true);
  assert.equal(await verifyWith({ method: 'GET', url, headers: { ...headers, 'x-road-client': 'GB/GOV/RC002/other' } }), false);
  assert.equal(await verifyWith({ method: 'GET', url: `${url}&more`, headers }), false);
});

test('a component that is missing, derived in another way, or not a plain name is refused, not signed as empty', async () => {
  const request = { method: 'GET', url, headers: { 'x-road-client': 'GB/GOV/RC002/blue-badge' } };
  await assert.rejects(signForwardedRequest(request, key, ['@method', 'x-road-id']), /no such header/);
  await assert.rejects(signForwardedRequest(request, key, ['@authority']), /no such header/);
  await assert.rejects(signForwardedRequest(request, key, ['"x-road-client";sf']), /plain lower-case name/);
  await assert.rejects(signForwardedRequest(request, { ...key, keyId: 'kéy' }, ['@method']), /printable ASCII/);
});

/** The library's own verdict on a call, in the gateway's terms: verifyMessage is the reference for the gateway's checks. */
async function libraryVerdict(message: { method: string; url: string; headers: Record<string, string> }, keys: Map<string, { publicKey: KeyObject; algorithm: string }>, requiredFields: string[]): Promise<string> {
  try {
    const verified = await httpbis.verifyMessage(
      {
        keyLookup: async (parameters) => {
          const key = typeof parameters.keyid === 'string' ? keys.get(parameters.keyid) : undefined;
          return key ? { id: String(parameters.keyid), algs: [key.algorithm], verify: createVerifier(key.publicKey, key.algorithm as never) } : null;
        },
        maxAge: 300,
        tolerance: 5,
        requiredParams: ['created', 'keyid'],
        requiredFields,
      },
      message,
    );
    return verified === true ? 'verified' : 'Client.InvalidSignatureValue';
  } catch (error) {
    return error instanceof MalformedSignatureError ? 'Client.MalformedSignature' : 'Client.InvalidSignatureValue';
  }
}

test("a client's signature is judged as http-message-signatures judges it, call by call, including every way it can be wrong", async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyId = 'client-key-thumbprint';
  const keys = new Map([[keyId, { publicKey: ec.publicKey, algorithm: 'ecdsa-p256-sha256' }]]);
  const target = 'http://127.0.0.1:3000/r1/GB/GOV/BA001/benefits/pip-award/awards/AB123456C';
  const base = { 'x-road-client': 'GB/GOV/RC002/blue-badge' };
  const now = Date.now();
  const signed = async (options: { fields?: string[]; created?: number; expires?: number; alg?: string | null; headers?: Record<string, string>; key?: KeyObject; keyid?: string }) => {
    const headers = { ...base, ...options.headers };
    const paramValues: Record<string, unknown> = { created: new Date(options.created ?? now), keyid: options.keyid ?? keyId, ...(options.expires ? { expires: new Date(options.expires) } : {}), ...(options.alg ? { alg: options.alg } : {}) };
    const result = await httpbis.signMessage(
      { key: createSigner(options.key ?? ec.privateKey, 'ecdsa-p256-sha256', keyId), fields: options.fields ?? ['@method', '@target-uri', 'x-road-client'], params: ['created', 'keyid', ...(options.expires ? ['expires'] : []), ...(options.alg === null ? [] : ['alg'])], paramValues: paramValues as never },
      { method: 'GET', url: target, headers },
    );
    return result.headers as Record<string, string>;
  };
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const calls: Array<[string, Record<string, string>]> = [
    ['good', await signed({})],
    ['good, no alg', await signed({ alg: null })],
    ['good, more headers, one with spaces', await signed({ fields: ['@method', '@target-uri', 'x-road-client', 'x-road-id'], headers: { 'x-road-id': '  id 1 ' } })],
    ['too old', await signed({ created: now - 6 * 60_000 })],
    ['from the future', await signed({ created: now + 60_000 })],
    ['expired', await signed({ expires: now - 10_000 })],
    ['another algorithm named', await signed({ alg: 'ed25519' })],
    ['x-road-client not covered', await signed({ fields: ['@method', '@target-uri'] })],
    ['a covered header missing', Object.fromEntries(Object.entries(await signed({ fields: ['@method', '@target-uri', 'x-road-client', 'x-road-id'], headers: { 'x-road-id': 'id-2' } })).filter(([name]) => name !== 'x-road-id'))],
    ['signed by another key', await signed({ key: other.privateKey })],
    ['an unknown keyid', await signed({ keyid: 'unknown' })],
    ['changed after signing', { ...(await signed({})), 'x-road-client': 'GB/GOV/RC002/other' }],
    ['signature not bytes', { ...(await signed({})), Signature: 'sig=abc' }],
  ];
  for (const [name, headers] of calls) {
    const lowerCase = Object.fromEntries(Object.entries(headers).map(([header, value]) => [header.toLowerCase(), value]));
    const expected = await libraryVerdict({ method: 'GET', url: target, headers }, keys, ['@method', '@target-uri', 'x-road-client']);
    let actual = 'verified';
    try {
      await verifyClientSignature({ method: 'GET', targetUri: target, headers: lowerCase, hasBody: false, findKey: async (thumbprint) => (thumbprint === keyId ? { subsystemId: 'client', ...keys.get(keyId)! } : undefined) });
    } catch (error) {
      assert.ok(error instanceof XRoadError, name);
      actual = error.type;
    }
    assert.equal(actual, expected, name);
    if (name.startsWith('good')) assert.equal(actual, 'verified', name);
  }
});

test('a signature whose created or expires is not a whole number of seconds is refused: it would never grow too old', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const findKey = async () => ({ subsystemId: 'client', publicKey: ec.publicKey, algorithm: 'ecdsa-p256-sha256' });
  for (const parameters of ['created="soon";keyid="k"', 'created=1.5;keyid="k"', `created=${Math.floor(Date.now() / 1000)};expires=?1;keyid="k"`]) {
    const headers = { 'x-road-client': 'GB/GOV/RC002/blue-badge', 'signature-input': `sig=("@method" "@target-uri" "x-road-client");${parameters}`, signature: 'sig=:AAAA:' };
    await assert.rejects(verifyClientSignature({ method: 'GET', targetUri: 'http://127.0.0.1/r1/x', headers, hasBody: false, findKey }), (error: unknown) => error instanceof XRoadError && error.type === 'Client.MalformedSignature' && /integer/.test(error.message));
  }
});

test('a Signature-Input that names a component twice, or in capitals, is refused as malformed (RFC 9421 section 2), even when its signature verifies', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const findKey = async () => ({ subsystemId: 'client', publicKey: ec.publicKey, algorithm: 'ecdsa-p256-sha256' });
  const target = 'http://127.0.0.1/r1/GB/GOV/BA001/benefits/pip-award/awards/AB123456C';
  const sign = (fields: string[]) =>
    httpbis.signMessage({ key: createSigner(ec.privateKey, 'ecdsa-p256-sha256', 'k'), fields, params: ['created', 'keyid'], paramValues: { created: new Date() } }, { method: 'GET', url: target, headers: { 'x-road-client': 'GB/GOV/RC002/blue-badge' } });
  const verify = async (fields: string[]) => {
    const signed = await sign(fields);
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
    return verifyClientSignature({ method: 'GET', targetUri: target, headers, hasBody: false, findKey });
  };
  assert.equal((await verify(['@method', '@target-uri', 'x-road-client'])).subsystemId, 'client');
  for (const fields of [['@method', '@target-uri', 'x-road-client', 'x-road-client'], ['@method', '@method', '@target-uri', 'x-road-client']]) {
    await assert.rejects(verify(fields), (error: unknown) => error instanceof XRoadError && error.type === 'Client.MalformedSignature' && /twice/.test(error.message), fields.join(' '));
  }
  // Names are lower case: `X-Road-Client` beside `x-road-client` would be the same header twice.
  for (const fields of [['@method', '@target-uri', 'x-road-client', 'X-Road-Client'], ['@method', '@METHOD', '@target-uri', 'x-road-client']]) {
    await assert.rejects(verify(fields), (error: unknown) => error instanceof XRoadError && error.type === 'Client.MalformedSignature' && /lower case/.test(error.message), fields.join(' '));
  }
});
