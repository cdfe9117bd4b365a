import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import {
  checkOutboundUrl,
  createOutboundRequester,
  OutboundRequestError,
  type OutboundErrorKind,
  type ResolveHost,
} from './outbound-request.ts';

const DEVELOPMENT = { production: false, allowPrivateNetwork: false };

type Seen = { method: string; url: string; headers: IncomingHttpHeaders; body: string };

/** A server on 127.0.0.1 that records every request and answers with `answer`. */
async function startServer(t: TestContext, answer: (response: ServerResponse, seen: Seen) => void = (response) => response.end('ok')) {
  const seen: Seen[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(entry);
      answer(response, entry);
    });
  });
  server.on('connection', () => (connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { port, seen, connections: () => connections };
}

async function failureKind(promise: Promise<unknown>): Promise<{ kind: OutboundErrorKind; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OutboundRequestError, `an OutboundRequestError, not ${String(error)}`);
    return { kind: error.kind, message: error.message };
  }
  assert.fail('the request was sent');
}

test('a URL whose host is a non-public IP address is refused, however the address is written', () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0x7f.0.0.1/hook',
    'http://0177.0.0.1/hook',
    'http://017700000001/hook',
    'http://0/hook',
    'http://0.0.0.0:8080/hook',
    'https://169.254.169.254/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'https://10.1.2.3/',
    'https://100.64.0.1/',
    'https://192.168.0.10:8443/',
    'http://[::1]:3000/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[0:0:0:0:0:ffff:10.0.0.1]/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
    'https://[ff02::1]/',
    'http://localhost:3000/hook',
    'http://LOCALHOST./hook',
    'http://api.localhost/hook',
    'https://224.0.0.1/',
    'https://192.0.2.1/',
  ];
  for (const url of refused) assert.equal(checkOutboundUrl(url, DEVELOPMENT), 'PRIVATE_ADDRESS', url);
  for (const url of refused) assert.equal(checkOutboundUrl(url, { ...DEVELOPMENT, allowPrivateNetwork: true }), undefined, `${url} when private addresses are allowed`);

  for (const url of ['https://example.org/hook', 'https://8.8.8.8/hook', 'http://[2606:4700:4700::1111]/', 'https://localhost.example.org/x']) {
    assert.equal(checkOutboundUrl(url, DEVELOPMENT), undefined, url);
  }
});

test('a URL must be http or https with no credentials, and https in production', () => {
  for (const url of ['', 'not a url', 'ftp://example.org/x', 'file:///etc/passwd', 'https://user:password@example.org/x', 'https://user@example.org/x']) {
    assert.equal(checkOutboundUrl(url, DEVELOPMENT), 'INVALID_URL', url);
  }
  assert.equal(checkOutboundUrl('http://example.org/x', { production: true, allowPrivateNetwork: false }), 'HTTPS_REQUIRED');
  assert.equal(checkOutboundUrl('http://example.org/x', DEVELOPMENT), undefined);
  assert.equal(checkOutboundUrl('https://example.org/x', { production: true, allowPrivateNetwork: false }), undefined);
});

test('a request to a literal private address is refused before any connection is made', async (t) => {
  const server = await startServer(t);
  const requester = createOutboundRequester(DEVELOPMENT);
  for (const url of [`http://127.0.0.1:${server.port}/hook`, `http://2130706433:${server.port}/hook`, `http://[::ffff:127.0.0.1]:${server.port}/hook`, `http://localhost:${server.port}/hook`]) {
    const failure = await failureKind(requester.send({ url, method: 'POST', body: '{}', timeoutMs: 5000 }));
    assert.equal(failure.kind, 'refused-address', url);
    assert.match(failure.message, /is a non-public address \((IPv4-mapped )?loopback\)$/);
  }
  assert.equal(server.connections(), 0);
});

test('a private address is allowed under a listed URL prefix only: never beside it, above it, or through dot segments', async (t) => {
  const server = await startServer(t);
  const origin = `http://127.0.0.1:${server.port}`;
  const policy = { ...DEVELOPMENT, privateUrlPrefixes: [`${origin}/demo-exchange/pip`] };
  const requester = createOutboundRequester(policy);
  for (const path of ['/demo-exchange/pip', '/demo-exchange/pip/awards/QQ123456C']) {
    assert.equal(checkOutboundUrl(`${origin}${path}`, policy), undefined, path);
    assert.equal((await requester.send({ url: `${origin}${path}`, method: 'GET', timeoutMs: 5000 })).status, 200, path);
  }
  const outside = [
    `${origin}/demo-exchange/pipe`,
    `${origin}/demo-exchange`,
    `${origin}/console`,
    `${origin}/demo-exchange/pip/../../console`,
    `${origin}/demo-exchange/pip/%2e%2e/%2E%2E/console`,
    `http://localhost:${server.port}/demo-exchange/pip/awards`,
    `http://127.0.0.1:${server.port + 1}/demo-exchange/pip/awards`,
    `https://127.0.0.1:${server.port}/demo-exchange/pip/awards`,
  ];
  for (const url of outside) {
    assert.equal(checkOutboundUrl(url, policy), 'PRIVATE_ADDRESS', url);
    assert.equal((await failureKind(requester.send({ url, method: 'GET', timeoutMs: 5000 }))).kind, 'refused-address', url);
  }
  assert.equal(server.seen.length, 2);
  const rebound = createOutboundRequester({ ...policy, resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] });
  assert.equal((await failureKind(rebound.send({ url: `http://rebound.example:${server.port}/demo-exchange/pip/awards`, method: 'GET', timeoutMs: 5000 }))).kind, 'refused-address', 'another host name');
});

test('a host name that resolves to a private address is refused, even beside a public one', async (t) => {
  const server = await startServer(t);
  const answers: Record<string, Array<{ address: string; family: number }>> = {
    'rebound.example': [{ address: '127.0.0.1', family: 4 }],
    'metadata.example': [{ address: '169.254.169.254', family: 4 }],
    'mixed.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ],
    'ula.example': [{ address: 'fd00::7', family: 6 }],
    'mapped.example': [{ address: '::ffff:192.168.0.1', family: 6 }],
  };
  const resolveHost: ResolveHost = async (hostname) => answers[hostname] ?? [];
  const requester = createOutboundRequester({ ...DEVELOPMENT, resolveHost });
  const expected: Record<string, RegExp> = {
    'rebound.example': /^rebound\.example resolves to a non-public address \(loopback\)$/,
    'metadata.example': /^metadata\.example resolves to a non-public address \(link-local\)$/,
    'mixed.example': /^mixed\.example resolves to a non-public address \(private\)$/,
    'ula.example': /^ula\.example resolves to a non-public address \(unique local\)$/,
    'mapped.example': /^mapped\.example resolves to a non-public address \(IPv4-mapped private\)$/,
  };
  for (const [host, message] of Object.entries(expected)) {
    const failure = await failureKind(requester.send({ url: `http://${host}:${server.port}/hook`, method: 'POST', body: '{}', timeoutMs: 5000 }));
    assert.equal(failure.kind, 'refused-address', host);
    assert.match(failure.message, message);
  }
  assert.equal(server.connections(), 0);
});

test('the connection goes to the address that was checked: the host name is resolved once, by our resolver', async (t) => {
  const server = await startServer(t, (response) => response.writeHead(201, { 'content-type': 'text/plain' }).end('created'));
  const lookedUp: string[] = [];
  const resolveHost: ResolveHost = async (hostname) => {
    lookedUp.push(hostname);
    return [{ address: '127.0.0.1', family: 4 }];
  };
  // No DNS server knows this name: reaching the server proves the checked address was used.
  const requester = createOutboundRequester({ production: false, allowPrivateNetwork: true, resolveHost });
  const response = await requester.send({
    url: `http://receiver.invalid:${server.port}/hook?x=1`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': 'abc' },
    body: '{"event":"é"}',
    timeoutMs: 5000,
  });
  assert.deepEqual(response, { status: 201, body: 'created', bodyTruncated: false });
  assert.deepEqual(lookedUp, ['receiver.invalid']);
  const [seen] = server.seen;
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.url, '/hook?x=1');
  assert.equal(seen?.headers.host, `receiver.invalid:${server.port}`);
  assert.equal(seen?.headers['x-signature'], 'abc');
  assert.equal(seen?.headers['content-length'], String(Buffer.byteLength('{"event":"é"}')));
  assert.equal(seen?.body, '{"event":"é"}');
});

test('a redirect is returned, not followed', async (t) => {
  const server = await startServer(t, (response, seen) => {
    if (seen.url === '/hook') response.writeHead(307, { location: '/elsewhere' }).end();
    else response.end('followed');
  });
  const requester = createOutboundRequester({ production: false, allowPrivateNetwork: true });
  const response = await requester.send({ url: `http://127.0.0.1:${server.port}/hook`, method: 'POST', body: '{}', timeoutMs: 5000 });
  assert.equal(response.status, 307);
  assert.deepEqual(server.seen.map((seen) => seen.url), ['/hook']);
});

test('no more of the answer is kept than the cap', async (t) => {
  const server = await startServer(t, (response) => response.end('x'.repeat(1024 * 1024)));
  const requester = createOutboundRequester({ production: false, allowPrivateNetwork: true });
  const response = await requester.send({ url: `http://127.0.0.1:${server.port}/big`, method: 'GET', timeoutMs: 5000, maxResponseBytes: 1000 });
  assert.equal(response.status, 200);
  assert.equal(response.body, 'x'.repeat(1000));
  assert.equal(response.bodyTruncated, true);
});

test('an answer that does not come in time is a timeout; a refused connection or an unknown host is a network failure', async (t) => {
  const silent = await startServer(t, () => {});
  const requester = createOutboundRequester({
    production: false,
    allowPrivateNetwork: true,
    resolveHost: async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    },
  });
  assert.equal((await failureKind(requester.send({ url: `http://127.0.0.1:${silent.port}/`, method: 'POST', body: '{}', timeoutMs: 200 }))).kind, 'timeout');

  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as { port: number };
  await new Promise((resolve) => closed.close(resolve));
  const refused = await failureKind(requester.send({ url: `http://127.0.0.1:${port}/`, method: 'POST', body: '{}', timeoutMs: 5000 }));
  assert.deepEqual(refused, { kind: 'network', message: 'could not connect' });

  const unknown = await failureKind(requester.send({ url: 'https://no-such-host.invalid/', method: 'POST', body: '{}', timeoutMs: 5000 }));
  assert.deepEqual(unknown, { kind: 'network', message: 'no-such-host.invalid could not be resolved' });
});

test('http is refused in production before anything is sent', async (t) => {
  const server = await startServer(t);
  const requester = createOutboundRequester({ production: true, allowPrivateNetwork: true });
  const failure = await failureKind(requester.send({ url: `http://127.0.0.1:${server.port}/`, method: 'POST', body: '{}', timeoutMs: 5000 }));
  assert.equal(failure.kind, 'invalid-url');
  assert.equal(server.connections(), 0);
});
