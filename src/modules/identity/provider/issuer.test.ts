import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { createTestAccount, discoverAsRelyingParty, registerTestClient } from '../testing/identity-test-kit.ts';
import { oneLoginIssuerOf } from './issuer.ts';
import { clientAssertion, codeFrom, privateKeyJwtFields, requestTokens, signInOnce, startWithTrailingSlashIssuer } from './relying-party.test-kit.ts';

test('ONE_LOGIN_ISSUER may be BASE_URL or BASE_URL followed by /, and nothing else; unset, the issuer is BASE_URL', () => {
  const BASE_URL = 'https://login.example.gov.uk';
  assert.equal(oneLoginIssuerOf({ BASE_URL }), BASE_URL);
  assert.equal(oneLoginIssuerOf({ BASE_URL, ONE_LOGIN_ISSUER: '' }), BASE_URL);
  assert.equal(oneLoginIssuerOf({ BASE_URL, ONE_LOGIN_ISSUER: `${BASE_URL}/` }), `${BASE_URL}/`);
  for (const wrong of [`${BASE_URL}/oidc`, 'https://oidc.account.gov.uk/', `${BASE_URL}//`]) {
    assert.throws(() => oneLoginIssuerOf({ BASE_URL, ONE_LOGIN_ISSUER: wrong }), /ONE_LOGIN_ISSUER/);
  }
});

test('an issuer ending in / is written exactly so in discovery, the trustmark, ID and access tokens; endpoints have one slash', async (t) => {
  const { kernel, baseUrl, issuer } = await startWithTrailingSlashIssuer(t);
  const discoveryResponse = await fetch(`${baseUrl}/.well-known/openid-configuration`);
  const discovery = (await discoveryResponse.json()) as Record<string, unknown>;
  assert.equal(discovery.issuer, issuer);
  assert.equal(discovery.authorization_endpoint, `${baseUrl}/authorize`);
  assert.equal(discovery.token_endpoint, `${baseUrl}/token`);
  assert.equal(discovery.jwks_uri, `${baseUrl}/.well-known/jwks.json`);
  assert.equal(discovery.trustmarks, `${baseUrl}/trustmark`);
  const trustmark = (await (await fetch(`${baseUrl}/trustmark`)).json()) as Record<string, unknown>;
  assert.deepEqual(trustmark, { idp: issuer, trustmark_provider: issuer, C: ['Cl', 'Cl.Cm'], P: ['P0'] });

  const rp = await registerTestClient(kernel);
  const config = await discoverAsRelyingParty(baseUrl, rp);
  assert.equal(config.serverMetadata().issuer, issuer);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const request = client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid email', state, nonce });
  const { browser, callback } = await signInOnce(baseUrl, await createTestAccount(kernel), request.toString());
  // openid-client's client assertion has the issuer as its aud: here, with its trailing slash.
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
  assert.equal(tokens.claims()?.iss, issuer);
  assert.equal(tokens.claims()?.vtm, `${baseUrl}/trustmark`);
  assert.equal(decodeJwt(tokens.access_token).iss, issuer);
  assert.equal((await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string)).email_verified, true);

  // GOV.UK One Login accepts as a client assertion's aud its token URL or its issuer as written.
  const exchangeWithAudience = async (audience: string) => {
    const code = await codeFrom(browser, client.buildAuthorizationUrl(config, { redirect_uri: rp.redirectUri, scope: 'openid', state, nonce }).toString());
    return requestTokens(baseUrl, privateKeyJwtFields(code, rp.redirectUri, await clientAssertion({ clientId: rp.clientId, audience, key: rp.privateKey, alg: 'ES256' })));
  };
  assert.equal((await exchangeWithAudience(`${baseUrl}/token`)).status, 200);
  assert.equal((await exchangeWithAudience(issuer)).status, 200);
  const withoutSlash = await exchangeWithAudience(baseUrl);
  assert.equal(withoutSlash.status, 401, 'the issuer not as written, as GOV.UK One Login refuses it');
  assert.equal(withoutSlash.body.error, 'invalid_client');
});

test('discovery and the JWKS may be cached for a day, as GOV.UK One Login\'s; discovery has its extra fields', async (t) => {
  const { baseUrl, issuer } = await startWithTrailingSlashIssuer(t);
  for (const path of ['/.well-known/openid-configuration', '/.well-known/jwks.json']) {
    const response = await fetch(`${baseUrl}${path}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'max-age=86400', path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', 'still the API security headers');
  }
  const token = await fetch(`${baseUrl}/token`, { method: 'POST' });
  assert.equal(token.headers.get('cache-control'), 'no-store', 'the token endpoint is never cached');
  const discovery = (await (await fetch(`${baseUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  assert.deepEqual(discovery.ui_locales_supported, ['en', 'cy']);
  assert.deepEqual(discovery.claim_types_supported, ['normal']);
  assert.equal(discovery.op_policy_uri, new URL('/privacy', issuer).href);
  assert.equal(discovery.op_tos_uri, new URL('/terms-and-conditions', issuer).href);
  assert.equal(discovery.service_documentation, new URL('/one-login/documentation', issuer).href);
  for (const [field, title] of [['op_policy_uri', 'Privacy'], ['op_tos_uri', 'Terms and conditions'], ['service_documentation', 'One Login for service teams']]) {
    const page = await fetch(discovery[field as string] as string);
    assert.equal(page.status, 200, `${field}: the page exists`);
    assert.match(await page.text(), new RegExp(`<h1 class="govuk-heading-l">${title}</h1>`), field);
    const welsh = await fetch(`${discovery[field as string] as string}?lang=cy`);
    assert.match(await welsh.text(), /<html lang="cy"/, `${field}: in Welsh too`);
  }
  assert.equal(discovery.backchannel_logout_supported, true);
  assert.equal(discovery.request_parameter_supported, true);
  assert.equal(discovery.request_uri_parameter_supported, false);
});
