import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createTestAccount, registerTestClient } from '../testing/identity-test-kit.ts';
import { authorizeUrl, clientAssertion, privateKeyJwtFields, requestTokens, signInOnce, startWithTrailingSlashIssuer } from './relying-party.test-kit.ts';

/**
 * Civitas's discovery document, ID token, access token and userinfo response against GOV.UK One
 * Login's documented ones (fixtures/, with where each comes from in fixtures/README.md), field by
 * field: every field GOV.UK's has that Civitas's lacks, every field Civitas adds, and every field
 * whose value differs in shape (or, in discovery, in value) must be in this list, and everything
 * in this list must still be a difference. A change that drifts from GOV.UK's profile fails here
 * until it is named.
 */
const INTENTIONAL_DIFFERENCES: ReadonlyArray<{ document: Document; field: string; kind: 'missing' | 'extra' | 'value'; why: string }> = [
  // Discovery
  { document: 'discovery', field: 'registration_endpoint', kind: 'missing', why: 'services are registered by an operator (civitas identity client add), not dynamically' },
  { document: 'discovery', field: 'scopes_supported', kind: 'value', why: 'no wallet-subject-id scope: Civitas has no wallet' },
  { document: 'discovery', field: 'subject_types_supported', kind: 'value', why: 'pairwise only: no service is given a public subject' },
  { document: 'discovery', field: 'claims_supported', kind: 'value', why: 'no identity claims (Civitas proves no identity: no P levels) and no wallet_subject_id; the ID token claims vot, vtm, at_hash and amr are listed, as oidc-provider lists every claim a scope gives' },
  { document: 'discovery', field: 'token_endpoint_auth_signing_alg_values_supported', kind: 'value', why: 'ES256 assertions accepted besides GOV.UK\'s RSA algorithms' },
  { document: 'discovery', field: 'claims_parameter_supported', kind: 'extra', why: 'oidc-provider states it; GOV.UK accepts the claims parameter too, without saying so' },
  { document: 'discovery', field: 'code_challenge_methods_supported', kind: 'extra', why: 'oidc-provider states PKCE S256, which GOV.UK also accepts' },
  { document: 'discovery', field: 'request_object_signing_alg_values_supported', kind: 'extra', why: 'oidc-provider states what request objects may be signed with' },
  { document: 'discovery', field: 'response_modes_supported', kind: 'extra', why: 'oidc-provider states query, fragment (and form_post); GOV.UK documents query and fragment' },
  { document: 'discovery', field: 'backchannel_logout_session_supported', kind: 'extra', why: 'logout tokens carry sid, which oidc-provider states' },
  { document: 'discovery', field: 'authorization_response_iss_parameter_supported', kind: 'extra', why: 'oidc-provider adds iss to authorization responses (RFC 9207)' },
  { document: 'discovery', field: 'op_policy_uri', kind: 'value', why: 'Civitas\'s privacy notice is its own /privacy page, on the issuer\'s origin' },
  { document: 'discovery', field: 'op_tos_uri', kind: 'value', why: 'Civitas\'s terms are its own /terms-and-conditions page, on the issuer\'s origin' },
  { document: 'discovery', field: 'service_documentation', kind: 'value', why: 'Civitas\'s own /one-login/documentation page for service teams, on the issuer\'s origin' },
  // ID token
  { document: 'id_token', field: 'sub', kind: 'value', why: 'urn:fdc:civitas:2024: in place of urn:fdc:gov.uk:2022: (another issuer of pairwise subjects)' },
  { document: 'id_token', field: 'amr', kind: 'extra', why: 'how this sign-in was made (pwd with sms, otp, hwk or mca, RFC 8176): the console lets operators in only after a passkey or an authenticator app was used, whatever methods the account has since' },
  { document: 'id_token', field: 'kid', kind: 'value', why: 'oidc-provider\'s key ids are the key thumbprint in base64url, GOV.UK\'s 64 hex digits; services look keys up by kid either way' },
  // Access token
  { document: 'access_token', field: 'sub', kind: 'value', why: 'urn:fdc:civitas:2024: prefix, as in the ID token' },
  { document: 'access_token', field: 'jti', kind: 'value', why: 'oidc-provider\'s token id (43 base64url characters, kept hashed) in place of a UUID' },
  { document: 'access_token', field: 'kid', kind: 'value', why: 'the key thumbprint, as for the ID token' },
  // Userinfo
  { document: 'userinfo', field: 'sub', kind: 'value', why: 'urn:fdc:civitas:2024: prefix, as in the ID token' },
];

/** Fields GOV.UK's documentation itself says are there only sometimes; not a difference when absent. */
const SOMETIMES_PRESENT: Partial<Record<Document, string[]>> = {
  // "This will only be present when the user's preference is to receive codes by phone": this person uses an app.
  userinfo: ['phone_number'],
};

type Document = 'discovery' | 'id_token' | 'access_token' | 'userinfo';
type Fields = Record<string, unknown>;

function readFixture(name: string): Fields {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as Fields;
}

/** The shape of a value: what a service's code relies on, not the value itself. */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `array of ${[...new Set(value.map(shapeOf))].sort().join('|') || 'nothing'}`;
  if (value === null) return 'null';
  if (typeof value !== 'string') return typeof value;
  if (/^https?:\/\//.test(value)) return 'url';
  const urn = /^(urn:fdc:[^:]+:\d{4}:)[A-Za-z0-9_-]{43}$/.exec(value);
  if (urn) return `pairwise subject ${urn[1]}`;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) return 'uuid';
  if (/^[0-9a-f]{64}$/.test(value)) return '64 hex digits';
  return 'string';
}

/** A URL on the issuer's origin stands for its path there; GOV.UK's and Civitas's must have the same path. */
function comparable(value: unknown, issuer: string, exact: boolean): string {
  if (typeof value === 'string' && /^https?:\/\//.test(value)) {
    const url = new URL(value);
    return url.origin === new URL(issuer).origin ? `url ${url.pathname}` : 'url elsewhere';
  }
  return exact ? JSON.stringify(value) : shapeOf(value);
}

function differences(document: Document, govUk: Fields, civitas: Fields, options: { govUkIssuer: string; civitasIssuer: string; exact: boolean }) {
  const found: Array<{ document: Document; field: string; kind: 'missing' | 'extra' | 'value'; detail: string }> = [];
  for (const field of Object.keys(govUk)) {
    if (!(field in civitas)) {
      if (!SOMETIMES_PRESENT[document]?.includes(field)) found.push({ document, field, kind: 'missing', detail: '' });
      continue;
    }
    const theirs = comparable(govUk[field], options.govUkIssuer, options.exact);
    const ours = comparable(civitas[field], options.civitasIssuer, options.exact);
    if (theirs !== ours) found.push({ document, field, kind: 'value', detail: `GOV.UK ${theirs}, Civitas ${ours}` });
  }
  for (const field of Object.keys(civitas)) {
    if (!(field in govUk)) found.push({ document, field, kind: 'extra', detail: JSON.stringify(civitas[field]) });
  }
  return found;
}

test('Civitas\'s discovery, ID token, access token and userinfo match GOV.UK One Login\'s documented ones, but for the differences named', async (t) => {
  // GOV.UK One Login's issuer form: the base URL followed by /.
  const { kernel, baseUrl, issuer } = await startWithTrailingSlashIssuer(t);

  const rp = await registerTestClient(kernel);
  const { callback } = await signInOnce(baseUrl, await createTestAccount(kernel), authorizeUrl(baseUrl, rp, { scope: 'openid email phone' }));
  const assertion = await clientAssertion({ clientId: rp.clientId, audience: `${baseUrl}/token`, key: rp.privateKey, alg: 'ES256' });
  const tokens = await requestTokens(baseUrl, privateKeyJwtFields(callback.searchParams.get('code') as string, rp.redirectUri, assertion));
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  const idToken = tokens.body.id_token as string;
  const accessToken = tokens.body.access_token as string;
  assert.equal(tokens.body.token_type, 'Bearer');
  assert.equal(tokens.body.expires_in, 180, 'GOV.UK One Login\'s access tokens live 180 seconds');
  const userinfo = (await (await fetch(`${baseUrl}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Fields;
  const discovery = (await (await fetch(`${baseUrl}/.well-known/openid-configuration`)).json()) as Fields;

  const govUkIssuer = 'https://oidc.integration.account.gov.uk/';
  const govUkIdToken = readFixture('id-token.json') as { header: Fields; payload: Fields };
  const govUkAccessToken = readFixture('access-token.json') as { header: Fields; payload: Fields };
  const tokenOptions = { govUkIssuer, civitasIssuer: issuer, exact: false };
  const found = [
    ...differences('discovery', readFixture('discovery.json'), discovery, { govUkIssuer, civitasIssuer: issuer, exact: true }),
    ...differences('id_token', { ...govUkIdToken.header, ...govUkIdToken.payload }, { ...decodeProtectedHeader(idToken), ...decodeJwt(idToken) }, tokenOptions),
    ...differences('access_token', { ...govUkAccessToken.header, ...govUkAccessToken.payload }, { ...decodeProtectedHeader(accessToken), ...decodeJwt(accessToken) }, tokenOptions),
    ...differences('userinfo', readFixture('userinfo.json'), userinfo, tokenOptions),
  ];

  const named = (item: { document: string; field: string; kind: string }) => `${item.document} ${item.field} ${item.kind}`;
  const listed = new Set(INTENTIONAL_DIFFERENCES.map(named));
  const unnamed = found.filter((item) => !listed.has(named(item)));
  assert.deepEqual(unnamed, [], 'every difference from GOV.UK One Login\'s documents is named in INTENTIONAL_DIFFERENCES');
  const foundNames = new Set(found.map(named));
  const stale = INTENTIONAL_DIFFERENCES.filter((item) => !foundNames.has(named(item)));
  assert.deepEqual(stale, [], 'every named difference is still a difference');

  // What the shapes alone do not say: the values a service checks.
  const claims = decodeJwt(idToken);
  assert.equal(claims.iss, issuer);
  assert.equal(claims.vot, 'Cl.Cm');
  assert.equal(claims.vtm, `${baseUrl}/trustmark`);
  assert.equal(decodeProtectedHeader(idToken).alg, 'ES256');
  assert.equal(userinfo.email_verified, true);
  assert.equal(userinfo.phone_number_verified, false, 'a person who gets codes from an app: false, as GOV.UK One Login documents');
  assert.equal(userinfo.sub, claims.sub);
  assert.deepEqual(decodeJwt(accessToken).scope, ['openid', 'email', 'phone']);
});
