import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientAssertion, signInOnce, authorizeUrl } from '../../src/modules/identity/provider/relying-party.test-kit.ts';
import { createTestAccount, registerTestClient } from '../../src/modules/identity/testing/identity-test-kit.ts';
import {
  badAuthorization,
  checkJsonDocumentAnswer,
  checkOAuthJsonAnswer,
  checkBrowserEndpointAnswer,
  createTally,
  encodeBody,
  extraHeaders,
  fuzzRoute,
  headerValue,
  pathSegment,
  printTally,
  queryString,
  rotatingAddress,
  startFuzzApp,
  type FuzzRequest,
} from './fuzz-kit.ts';

async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const PROVIDER_ROUTES = [
  'GET /.well-known/openid-configuration',
  'GET /.well-known/jwks.json',
  'GET /authorize',
  'POST /authorize',
  'GET /authorize/:uid',
  'POST /token',
  'GET /userinfo',
  'POST /userinfo',
  'GET /logout',
  'POST /logout',
  'POST /logout/confirm',
  'GET /logout/success',
  'GET /trustmark',
];

test("One Login's OpenID Connect endpoints: no request answers 500, JSON endpoints answer in OAuth's envelope", async (t) => {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { app, kernel, routes } = await startFuzzApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port) } });
  await app.listen({ port, host: '127.0.0.1' });
  const rp = await registerTestClient(kernel);
  const account = await createTestAccount(kernel);

  // A real sign-in: a session, a code, an access token and an ID token to send back, valid and changed.
  const { browser, callback } = await signInOnce(baseUrl, account, authorizeUrl(baseUrl, rp, { scope: 'openid email phone' }));
  const code = callback.searchParams.get('code') as string;
  const assertion = () => clientAssertion({ clientId: rp.clientId, audience: `${baseUrl}/token`, key: rp.privateKey, alg: 'ES256', jti: randomUUID() });
  const tokenResponse = await fetch(`${baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion() }),
  });
  const tokens = (await tokenResponse.json()) as { access_token: string; id_token: string };
  assert.ok(tokens.access_token && tokens.id_token, JSON.stringify(tokens));
  const sessionCookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const assertions = await Promise.all(Array.from({ length: 20 }, assertion));
  const secondCode = (await fetch(authorizeUrl(baseUrl, rp), { redirect: 'manual', headers: { cookie: sessionCookie } })).headers.get('location');

  const clientId = fc.oneof({ weight: 4, arbitrary: fc.constant(rp.clientId) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });
  const redirectUri = fc.oneof({ weight: 4, arbitrary: fc.constant(rp.redirectUri) }, { weight: 1, arbitrary: fc.oneof(fc.webUrl(), fc.string({ maxLength: 30 }), fc.constant(`${rp.redirectUri}/x`)) });
  const anyText = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.integer({ min: 1000, max: 20_000 }).map((length) => 'x'.repeat(length)));
  const authorizeParameters = fc.record(
    {
      response_type: fc.oneof({ weight: 4, arbitrary: fc.constant('code') }, { weight: 1, arbitrary: fc.constantFrom('token', 'id_token', 'code id_token', 'none', '') }),
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('openid', 'openid email', 'openid email phone', 'openid offline_access') }, { weight: 1, arbitrary: anyText }),
      state: fc.oneof(fc.constant('state-123'), anyText),
      nonce: fc.oneof(fc.constant('nonce-456'), anyText),
      vtr: fc.oneof(fc.constantFrom('["Cl.Cm"]', '["Cl"]', '["P2.Cl.Cm"]', '[]', '[[]]', 'null', '{"a":1}', '["Cl.Cm","Cl"]', `[${'"Cl.Cm",'.repeat(500)}"Cl"]`), anyText),
      ui_locales: fc.constantFrom('en', 'cy', 'fr', 'en cy', '', '*'),
      prompt: fc.constantFrom('none', 'login', 'consent', 'select_account', 'none login', ''),
      max_age: fc.constantFrom('0', '-1', '1e400', 'x', '99999999999999999999'),
      claims: fc.oneof(fc.constantFrom('{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null}}', '{}', '[]', 'null', '{"userinfo":[]}', '{"id_token":{"email":{"essential":true}}}', '{'), anyText),
      code_challenge: fc.oneof(fc.constant('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), anyText),
      code_challenge_method: fc.constantFrom('S256', 'plain', 'x'),
      request: fc.oneof(fc.constantFrom('e30.e30.', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJ4In0.', ''), anyText),
      request_uri: fc.constantFrom('https://example.com/r', 'urn:x', ''),
      response_mode: fc.constantFrom('query', 'fragment', 'form_post', 'jwt', 'x'),
      login_hint: anyText,
      id_token_hint: fc.oneof(fc.constant(tokens.id_token), anyText),
    },
    { requiredKeys: ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce'] },
  );
  const withCookies = fc.constantFrom(sessionCookie, '', '_session=x; _interaction=y', `${sessionCookie}; ${sessionCookie}`);

  const browserGet = (path: fc.Arbitrary<string>, how: string): fc.Arbitrary<FuzzRequest> =>
    fc.record({ url: path, cookie: withCookies, extra: extraHeaders() }).map(({ url, cookie, extra }) => ({
      method: 'GET',
      url,
      how,
      headers: { accept: 'text/html', ...extra, ...(cookie ? { cookie } : {}) },
    }));

  const formPost = (path: fc.Arbitrary<string>, form: fc.Arbitrary<Record<string, string>>, how: string, headers: fc.Arbitrary<Record<string, string>> = fc.constant({})): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({
        url: path,
        form,
        encoding: fc.constantFrom('form', 'form', 'form', 'json', 'bytes', 'none'),
        contentType: fc.oneof(
          { weight: 4, arbitrary: fc.constant('application/x-www-form-urlencoded') },
          { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=latin1', 'application/x-www-form-urlencoded; charset=utf-16', '') },
        ),
        duplicate: fc.option(fc.constantFrom('grant_type', 'code', 'client_id', 'client_assertion', 'redirect_uri', 'state', 'xsrf', 'logout'), { freq: 3 }),
        cookie: withCookies,
        headers,
        extra: extraHeaders(),
      })
      .chain(({ url, form, encoding, contentType, duplicate, cookie, headers: given, extra }) => {
        const search = new URLSearchParams(form);
        if (duplicate) search.append(duplicate, 'second');
        const payload: fc.Arbitrary<string | Buffer | undefined> =
          encoding === 'form'
            ? fc.constant(search.toString())
            : encoding === 'json'
              ? encodeBody(form)
              : encoding === 'bytes'
                ? fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.concat([Buffer.from(`${search.toString()}&x=`), Buffer.from(bytes)]))
                : fc.constant(undefined);
        return payload.map((body) => ({
          method: 'POST',
          url,
          how,
          ...(body === undefined ? {} : { payload: body }),
          headers: { accept: 'text/html', ...extra, ...given, ...(contentType ? { 'content-type': contentType } : {}), ...(cookie ? { cookie } : {}) },
        }));
      });

  const tokenForm = fc.record(
    {
      grant_type: fc.oneof({ weight: 4, arbitrary: fc.constant('authorization_code') }, { weight: 1, arbitrary: fc.constantFrom('refresh_token', 'client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:device_code', '') }),
      code: fc.oneof(fc.constantFrom(code, new URL(secondCode ?? 'x:/').searchParams.get('code') ?? 'x'), anyText),
      redirect_uri: redirectUri,
      client_assertion_type: fc.oneof({ weight: 4, arbitrary: fc.constant('urn:ietf:params:oauth:client-assertion-type:jwt-bearer') }, { weight: 1, arbitrary: anyText }),
      client_assertion: fc.oneof(fc.constantFrom(...assertions), fc.constantFrom('a.b.c', 'e30.e30.', ''), anyText),
      client_id: clientId,
      client_secret: anyText,
      code_verifier: anyText,
      refresh_token: anyText,
      scope: anyText,
    },
    { requiredKeys: ['grant_type', 'code', 'redirect_uri', 'client_assertion_type', 'client_assertion'] },
  );

  const bearer = fc.oneof(
    { weight: 3, arbitrary: fc.constant(`Bearer ${tokens.access_token}`) },
    { weight: 1, arbitrary: fc.nat({ max: tokens.access_token.length - 1 }).map((at) => `Bearer ${tokens.access_token.slice(0, at)}x${tokens.access_token.slice(at + 1)}`) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${tokens.id_token}`) },
    { weight: 1, arbitrary: fc.constant(`DPoP ${tokens.access_token}`) },
    { weight: 3, arbitrary: badAuthorization() },
  );

  const logoutParameters = fc.record(
    {
      id_token_hint: fc.oneof(fc.constant(tokens.id_token), anyText, fc.constant(tokens.access_token)),
      post_logout_redirect_uri: fc.oneof(fc.constant('https://service.example.gov.uk/signed-out'), fc.webUrl(), anyText),
      state: anyText,
      client_id: clientId,
      ui_locales: fc.constantFrom('en', 'cy', 'xx', ''),
      logout_hint: anyText,
    },
    { requiredKeys: [] },
  );

  const documentRequest = (url: string): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({
        method: fc.oneof({ weight: 4, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') }),
        query: queryString(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 })),
        extra: extraHeaders(),
        authorization: badAuthorization(),
      })
      .map(({ method, query, extra, authorization }) => ({ method, url: `${url}${query}`, how: 'document', headers: { ...extra, ...(authorization ? { authorization } : {}) } }));

  const uid = pathSegment();
  type Model = { requests: fc.Arbitrary<FuzzRequest>; check: typeof checkBrowserEndpointAnswer };
  const models: Record<string, Model> = {
    'GET /.well-known/openid-configuration': { requests: documentRequest('/.well-known/openid-configuration'), check: checkJsonDocumentAnswer },
    'GET /.well-known/jwks.json': { requests: documentRequest('/.well-known/jwks.json'), check: checkJsonDocumentAnswer },
    'GET /trustmark': { requests: documentRequest('/trustmark'), check: checkJsonDocumentAnswer },
    'GET /authorize': { requests: browserGet(queryString(authorizeParameters).map((query) => `/authorize${query}`), 'authorize'), check: checkBrowserEndpointAnswer },
    'POST /authorize': { requests: formPost(fc.constant('/authorize'), authorizeParameters, 'authorize by POST'), check: checkBrowserEndpointAnswer },
    'GET /authorize/:uid': { requests: browserGet(uid.map((id) => `/authorize/${id}`), 'resume an interaction'), check: checkBrowserEndpointAnswer },
    'POST /token': {
      requests: formPost(fc.constant('/token'), tokenForm, 'token', fc.record({ authorization: fc.oneof(badAuthorization(), fc.constant(`Basic ${Buffer.from(`${rp.clientId}:secret`).toString('base64')}`)) }, { requiredKeys: [] }).map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>)),
      check: checkOAuthJsonAnswer,
    },
    'GET /userinfo': {
      requests: fc
        .record({ authorization: bearer, query: queryString(fc.record({ access_token: fc.oneof(fc.constant(tokens.access_token), anyText) }, { requiredKeys: [] })), extra: extraHeaders() })
        .map(({ authorization, query, extra }) => ({ method: 'GET', url: `/userinfo${query}`, how: 'userinfo', headers: { ...extra, ...(authorization ? { authorization } : {}) } })),
      check: checkOAuthJsonAnswer,
    },
    'POST /userinfo': {
      requests: formPost(fc.constant('/userinfo'), fc.record({ access_token: fc.oneof(fc.constant(tokens.access_token), anyText) }, { requiredKeys: [] }), 'userinfo by POST', fc.record({ authorization: bearer }).map(({ authorization }): Record<string, string> => (authorization ? { authorization } : {}))),
      check: checkOAuthJsonAnswer,
    },
    'GET /logout': { requests: browserGet(queryString(logoutParameters).map((query) => `/logout${query}`), 'logout'), check: checkBrowserEndpointAnswer },
    'POST /logout': { requests: formPost(fc.constant('/logout'), logoutParameters, 'logout by POST'), check: checkBrowserEndpointAnswer },
    'POST /logout/confirm': {
      requests: formPost(fc.constant('/logout/confirm'), fc.record({ xsrf: fc.oneof(fc.string({ maxLength: 40 }), headerValue()), logout: fc.constantFrom('yes', 'no', '') }, { requiredKeys: [] }), 'logout confirmation'),
      check: checkBrowserEndpointAnswer,
    },
    'GET /logout/success': { requests: browserGet(queryString(fc.record({ state: anyText, client_id: clientId }, { requiredKeys: [] })).map((query) => `/logout/success${query}`), 'logout success'), check: checkBrowserEndpointAnswer },
  };

  const declared = routes.map((route) => `${route.method} ${route.url}`).filter((route) => PROVIDER_ROUTES.includes(route));
  assert.deepEqual(PROVIDER_ROUTES.filter((route) => !declared.includes(route)), [], 'the provider routes are where this test expects them');
  assert.deepEqual(PROVIDER_ROUTES.filter((route) => !(route in models)), [], 'every provider route has a fuzz model');

  const tally = createTally();
  t.after(() => printTally('oidc endpoints', tally));
  const remoteAddress = rotatingAddress();
  // Known and reported, left to the work on them (answers in text/plain from oidc-provider's Koa
  // app, outside every envelope, but never a 500): oidc-provider 9 serves neither POST /logout nor
  // a POST /authorize that is not a form (enableHttpPostMethods is off): 404 'Not Found'; and a
  // form POST /authorize past its body limit is refused 400 'invalid_request' by a middleware
  // outside oidc-provider's error handling. On these routes those answers are counted and printed,
  // not failed, so that every run still looks for a 500 or any other answer out of envelope.
  const knownGaps: Record<string, { status: number; body: string }> = {
    'POST /authorize': { status: 404, body: 'Not Found' },
    'POST /logout': { status: 404, body: 'Not Found' },
  };
  const knownLimit = { route: 'POST /authorize', status: 400, body: 'invalid_request' };
  const gapsSeen = new Map<string, number>();
  t.after(() => console.log(`oidc known gaps (text/plain from oidc-provider's Koa app): ${JSON.stringify(Object.fromEntries(gapsSeen))}`));
  for (const [route, { requests, check }] of Object.entries(models)) {
    const checkRoute: typeof check = (response, request) => {
      const plain = String(response.headers['content-type']).startsWith('text/plain');
      for (const gap of [knownGaps[route], knownLimit.route === route ? knownLimit : undefined]) {
        if (gap && plain && response.statusCode === gap.status && response.body === gap.body) {
          const name = `${route} ${gap.status} ${gap.body}`;
          gapsSeen.set(name, (gapsSeen.get(name) ?? 0) + 1);
          return;
        }
      }
      check(response, request);
    };
    await t.test(route, () => fuzzRoute({ app, tally, route, requests, check: checkRoute, numRuns: route.startsWith('POST') ? 120 : 80, remoteAddress }));
  }
});
