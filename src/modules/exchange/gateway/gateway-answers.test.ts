import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test, type TestContext } from 'node:test';
import type { ServerResponse } from 'node:http';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, type ProviderRequest } from '../testing/signed-calls.ts';

/** A provider answering as `answer` says, and a call to it under an agreement for $.status and $.rate. */
async function callProvider(t: TestContext, answer: (request: ProviderRequest, response: ServerResponse) => void, headers: Record<string, string> = {}) {
  const provider = await startTestProvider(answer);
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, grant: 'GET /awards/*' });
  const response = await sendSignedCall(app, { path: `/r1/${service}/awards/QQ123456A`, client, key: clientKeys[0]!, headers });
  return { response, seen: provider.seen };
}

const PERSON = { status: 'awarded', rate: 'enhanced', name: 'Ann Example', date_of_birth: '1970-01-01' };

test("a provider's error answer is cut to the agreed fields as a success is", async (t) => {
  const { response } = await callProvider(t, (_request, answer) => answer.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', ...PERSON })));
  assert.equal(response.statusCode, 404);
  assert.deepEqual(response.json(), { status: 'awarded', rate: 'enhanced' });
});

test('an answer that is not JSON, of any status, is refused rather than passed on whole', async (t) => {
  for (const status of [200, 302, 404, 500]) {
    const { response } = await callProvider(t, (_request, answer) => answer.writeHead(status, { 'content-type': 'text/html', location: '/elsewhere' }).end('<p>Ann Example, born 1970</p>'));
    assert.equal(response.headers['x-road-error'], 'Server.ServerProxy.ServiceFailed', String(status));
    assert.doesNotMatch(response.body, /Ann Example/);
  }
});

test("a provider's answer headers pass only in shapes that cannot carry a person's data: no Location, ETag, parameters or unknown headers", async (t) => {
  const { response } = await callProvider(t, (_request, answer) =>
    answer
      .writeHead(302, {
        location: 'https://provider.example/awards/2?name=Ann+Example',
        'x-person-name': 'Ann Example',
        'set-cookie': 'a=b',
        etag: '"Ann Example"',
        'cache-control': 'max-age=60, private, x-name="Ann Example", no-store',
        expires: 'Ann Example',
        'last-modified': 'Wed, 02 Dec 2026 10:00:00 GMT',
        vary: 'Accept, X-Ann-Example-1970, Ann Example',
      })
      .end(),
  );
  assert.equal(response.statusCode, 302);
  for (const name of ['location', 'etag', 'x-person-name', 'set-cookie', 'expires', 'vary']) assert.equal(response.headers[name], undefined, name);
  assert.equal(response.headers['cache-control'], 'max-age=60, private, no-store');
  assert.equal(response.headers['last-modified'], 'Wed, 02 Dec 2026 10:00:00 GMT');
  // The name as the provider wrote it, not three letters a random X-Road-Request-Hash can hold.
  assert.doesNotMatch(JSON.stringify(response.headers), /Ann[ -]Example/);
});

test("a JSON answer's media type passes without parameters that could carry data, and Vary with header names", async (t) => {
  const { response } = await callProvider(t, (_request, answer) =>
    answer.writeHead(200, { 'content-type': 'application/json; charset=UTF-8; name="Ann Example"', vary: 'Accept, Accept-Language' }).end(JSON.stringify(PERSON)),
  );
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(response.headers.vary, 'accept, accept-language');
  assert.deepEqual(response.json(), { status: 'awarded', rate: 'enhanced' });
});

test("the answer's Content-Type is the gateway's own: application/json for the re-serialised body, whatever the provider named; none without a body", async (t) => {
  for (const given of ['application/SECRET+json', 'application/vnd.ann-example-1970+json; charset=utf-8', 'application/json; charset=latin1']) {
    const { response } = await callProvider(t, (_request, answer) => answer.writeHead(200, { 'content-type': given }).end(JSON.stringify(PERSON)));
    assert.equal(response.statusCode, 200, given);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', given);
    assert.deepEqual(response.json(), { status: 'awarded', rate: 'enhanced' });
  }
  const { response: empty } = await callProvider(t, (_request, answer) => answer.writeHead(404, { 'content-type': 'application/SECRET+json' }).end());
  assert.equal(empty.statusCode, 404);
  assert.equal(empty.body, '');
  assert.equal(empty.headers['content-type'], undefined);
});

test('an object where the agreement names a single value is dropped, not passed whole', async (t) => {
  const { response } = await callProvider(t, (_request, answer) => answer.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: { name: 'Ann Example', notes: 'x' }, rate: ['enhanced', 'Ann Example'] })));
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), {});
});

test("the consumer's credentials and forwarding headers are not passed to the provider, and the answer is asked for uncompressed", async (t) => {
  const consumerOnly = {
    cookie: 'session=consumer',
    authorization: 'Bearer consumer',
    'proxy-authorization': 'Basic x',
    'x-forwarded-for': '10.0.0.1',
    'x-forwarded-host': 'inside',
    forwarded: 'for=10.0.0.1',
    via: '1.1 consumer-proxy.internal',
    'x-real-ip': '10.0.0.1',
    'true-client-ip': '10.0.0.1',
    'accept-encoding': 'gzip',
    // Read as X-Road-Client and X-Forwarded-For by servers that turn headers into CGI variables.
    x_road_client: 'GB-DEV/GOV/BA001/benefits',
    x_forwarded_for: '10.0.0.1',
  };
  const { response, seen } = await callProvider(t, (_request, answer) => answer.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON)), consumerOnly);
  assert.equal(response.statusCode, 200);
  for (const name of Object.keys(consumerOnly).filter((name) => name !== 'accept-encoding')) assert.equal(seen[0]?.headers[name], undefined, name);
  assert.equal(seen[0]?.headers['accept-encoding'], 'identity');
});

test('a compressed answer, though asked for plain, is refused: it cannot be cut', async (t) => {
  const { response } = await callProvider(t, (_request, answer) => answer.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(PERSON))));
  assert.equal(response.headers['x-road-error'], 'Server.ServerProxy.ServiceFailed');
});

test('headers that would change the method, the party, the hops or the part of the answer are not passed to the provider, nor those Connection names', async (t) => {
  const changing = {
    'x-http-method-override': 'DELETE',
    'x-http-method': 'DELETE',
    'x-method-override': 'DELETE',
    'x-road-represented-party': 'GB-DEV/GOV/BA001',
    'max-forwards': '0',
    'proxy-connection': 'keep-alive',
    range: 'bytes=0-10',
    'if-range': '"x"',
    connection: 'keep-alive, X-Case-Note, x-road-userid',
    'x-case-note': 'hop only',
  };
  const { response, seen } = await callProvider(t, (_request, answer) => answer.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON)), { ...changing, 'x-road-issue': 'case-1' });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(seen[0]?.method, 'GET');
  for (const name of Object.keys(changing).filter((name) => name !== 'connection')) assert.equal(seen[0]?.headers[name], undefined, name);
  assert.doesNotMatch(String(seen[0]?.headers.connection), /case-note|userid/i);
  assert.equal(seen[0]?.headers['x-road-issue'], 'case-1', 'a header Connection does not name still passes');
});
