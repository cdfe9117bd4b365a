import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAcceptableUri, readClientForm, readRedirectUris } from './client-form.ts';

test('URIs One Login takes: https, or http for this computer only; no fragment, credentials, spaces or control characters', () => {
  for (const uri of ['https://service.example.gov.uk/callback', 'https://a.example/cb?x=1', 'http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb']) {
    assert.equal(isAcceptableUri(uri), true, uri);
  }
  for (const uri of [
    'http://service.example.gov.uk/cb',
    'https://a.example/cb#fragment',
    'https://user:pass@a.example/cb',
    'javascript:alert(1)',
    'https://a.example/c b',
    'https://a.example/\u0000',
    'https://a.example/é',
    'http://localhost.evil.example/cb',
    `https://a.example/${'a'.repeat(2000)}`,
    'not a url',
  ]) {
    assert.equal(isAcceptableUri(uri), false, uri);
  }
  assert.equal(isAcceptableUri('http://localhost/jwks', { httpForLocalhost: false }), false, 'a JWKS URI is https only');
});

test('the client form: errors per field in the page order; what it reads is what One Login registers', () => {
  const empty = readClientForm({}, 'Service');
  assert.deepEqual(empty.errors.map((error) => error.key), ['redirectUrisMissing', 'publicKeyMissing', 'levelsMissing', 'requirePkceMissing']);
  const tooMany = readClientForm({ redirectUris: Array.from({ length: 11 }, (_, index) => `https://a.example/${index}`).join('\n') }, 'S');
  assert.equal(tooMany.errors[0]?.key, 'redirectUrisTooMany');
  const badScope = readClientForm({ redirectUris: 'https://a.example/cb', publicKey: 'k', scopes: ['email', 'profile'], levels: 'Cl.Cm', requirePkce: 'no' }, 'S');
  assert.deepEqual(badScope.errors.map((error) => error.key), ['scopesInvalid']);
  const twice = readClientForm({ redirectUris: 'https://a.example/cb', publicKey: 'k', publicKeyFile: 'k', levels: 'Cl.Cm', requirePkce: 'no' }, 'S');
  assert.deepEqual(twice.errors.map((error) => error.key), ['publicKeyTwice']);
  const huge = readClientForm({ redirectUris: 'https://a.example/cb', publicKey: 'k'.repeat(17 * 1024), levels: 'Cl.Cm', requirePkce: 'no' }, 'S');
  assert.deepEqual(huge.errors.map((error) => error.key), ['publicKeyInvalid']);

  const { client, errors } = readClientForm(
    {
      redirectUris: ' https://a.example/cb \r\n\r\nhttp://localhost:3000/cb',
      postLogoutRedirectUris: 'https://a.example/out',
      backchannelLogoutUri: 'https://a.example/logout',
      publicKeyFile: '-----BEGIN PUBLIC KEY-----',
      scopes: 'phone',
      levels: 'Cl',
      requirePkce: 'yes',
    },
    'Apply for a licence',
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(client, {
    name: 'Apply for a licence',
    redirectUris: ['https://a.example/cb', 'http://localhost:3000/cb'],
    postLogoutRedirectUris: ['https://a.example/out'],
    backchannelLogoutUri: 'https://a.example/logout',
    publicKey: '-----BEGIN PUBLIC KEY-----',
    scopes: ['openid', 'phone'],
    allowedLevels: ['Cl', 'Cl.Cm'],
    requirePkce: true,
  });
  assert.deepEqual(readRedirectUris('https://a.example/x#y').error?.key, 'redirectUrisInvalid');
});
