import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { generateTestKeyPair, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { findFreePort, runExchangeCallScript, startTestProvider } from '../testing/signed-calls.ts';

test("scripts/exchange-call.mjs, a signer written apart from the gateway's library, calls through a listening Civitas with an ES256 and an Ed25519 key", async (t) => {
  const provider = await startTestProvider((request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: request.method === 'POST' ? 'noted' : 'awarded', rate: 'enhanced' })));
  t.after(() => provider.server.close());
  const folder = mkdtempSync(join(tmpdir(), 'civitas-exchange-call-'));
  const keys = [generateTestKeyPair('ec'), generateTestKeyPair('ed25519')];
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { app, kernel } = await createTestApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port) } });
  const { client, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, clientKeys: keys });
  await app.listen({ port, host: '127.0.0.1' });

  for (const [index, key] of keys.entries()) {
    const keyFile = join(folder, `client-${index}.pem`);
    writeFileSync(keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const called = await runExchangeCallScript('--key', keyFile, '--client', client, '--header', 'X-Road-UserId: GBsubject-9', `${baseUrl}/r1/${service}/awards/AB123456C`);
    assert.equal(called.exitCode, 0, called.stdout);
    assert.match(called.stdout, /^200\n/);
    assert.match(called.stdout, /x-road-request-hash: \S+/);
    assert.match(called.stdout, /\{"status":"awarded","rate":"enhanced"\}/);
  }
  const posted = await runExchangeCallScript('--key', join(folder, 'client-0.pem'), '--client', client, '--method', 'POST', '--data', '{"note":"x"}', `${baseUrl}/r1/${service}/awards/AB123456C`);
  assert.match(posted.stdout, /^200\n/, 'the script signs bodies too, with their Content-Digest');
  assert.match(posted.stdout, /\{"status":"noted","rate":"enhanced"\}/);
  assert.equal(provider.seen.at(-1)?.body.toString('utf8'), '{"note":"x"}');
  const wrongClient = await runExchangeCallScript('--key', join(folder, 'client-0.pem'), '--client', 'GB-DEV/GOV/BA001/benefits', `${baseUrl}/r1/${service}/awards/AB123456C`);
  assert.match(wrongClient.stdout, /^400\n[^]*x-road-error: Client.InvalidSignatureValue/);
});
