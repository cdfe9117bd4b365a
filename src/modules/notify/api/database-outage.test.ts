import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotifyClient } from 'notifications-node-client';
import pg from 'pg';
import { testDatabaseKind } from '../../../platform/testing/test-database.ts';
import { createTestService, startNotifyServer, startSmtpServer } from '../fixtures/notify-fixtures.ts';

// Every connection this test process opens carries this name, so the test cuts its own
// connections, and never those of other tests sharing the server.
const APPLICATION_NAME = `civitas-test-${randomBytes(6).toString('hex')}`;
process.env.PGAPPNAME = APPLICATION_NAME;

/** What an operator's `select pg_terminate_backend(pid)` does to Civitas's connections, as a restart would. */
async function terminateOwnConnections(): Promise<number> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'civitas-test-administrator' });
  await admin.connect();
  try {
    const result = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [APPLICATION_NAME],
    );
    return result.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

type SendResult = { status: 201; id: string } | { status: 503 };

function messageIdsOf(raw: string): string[] {
  return [...raw.matchAll(/^Message-ID: <([0-9a-f-]{36})@civitas>/gim)].map((match) => match[1] as string);
}

test('PostgreSQL cutting every Civitas connection under traffic: the process stays up, sends get 201 or a 503 in Notify\'s envelope, and every accepted email is delivered', { timeout: 120_000 }, async (t) => {
  if (testDatabaseKind() !== 'postgres') {
    t.skip('needs PostgreSQL (run with a postgres:// DATABASE_URL)');
    return;
  }
  const smtp = await startSmtpServer(t);
  const { baseUrl, kernel, core } = await startNotifyServer(t, { SMTP_URL: smtp.url });
  const worker = kernel.createWorker({ pollIntervalMs: 50 });
  worker.start();
  t.after(() => worker.stop());
  const service = await createTestService(core, { rateLimit: 100_000 });
  const client = new NotifyClient(baseUrl, service.keys.live);
  let sent = 0;

  async function send(): Promise<SendResult> {
    const index = sent++;
    try {
      const response = await client.sendEmail(service.templates.email.id, `person${index}@example.com`, {
        personalisation: { 'first name': `Person ${index}`, 'reference number': String(index), urgent: 'no' },
      });
      return { status: 201, id: response.data.id };
    } catch (error) {
      const response = (error as { response?: { status: number; headers: Record<string, string>; data: unknown } }).response;
      assert.equal(response?.status, 503, `a send during the cut is accepted or refused as unavailable, never anything else: ${JSON.stringify(response?.data)}`);
      assert.equal(response.headers['retry-after'], '5');
      assert.deepEqual(response.data, { status_code: 503, errors: [{ error: 'Exception', message: 'Service unavailable, try again later' }] });
      return { status: 503 };
    }
  }

  const accepted: string[] = [];
  const keep = (results: SendResult[]) => {
    for (const result of results) if (result.status === 201) accepted.push(result.id);
    return results.filter((result) => result.status === 503).length;
  };
  for (let n = 0; n < 5; n++) keep([await send()]);
  assert.equal(accepted.length, 5, 'sent before the cut');

  let refused = 0;
  let cut = 0;
  for (let round = 0; round < 3; round++) {
    const during = Array.from({ length: 20 }, () => send());
    await sleep(5);
    cut += await terminateOwnConnections();
    refused += keep(await Promise.all(during));
  }
  assert.ok(cut > 0, 'connections were cut');

  // Afterwards everything works again (a send may still meet a connection cut a moment ago).
  for (let n = 0; n < 5; n++) {
    for (let tries = 1; ; tries++) {
      const result = await send();
      if (result.status === 201) {
        accepted.push(result.id);
        break;
      }
      assert.ok(tries < 50, 'sends are accepted again after the cut');
      await sleep(100);
    }
  }
  t.diagnostic(`${cut} connections cut in 3 rounds; ${refused} sends refused with 503 during the cuts; ${accepted.length} accepted`);

  const deadline = Date.now() + 60_000;
  const delivered = () => new Set(smtp.received.flatMap((email) => messageIdsOf(email.raw)));
  while (!accepted.every((id) => delivered().has(id))) {
    assert.ok(Date.now() < deadline, `every accepted email is delivered (${accepted.filter((id) => !delivered().has(id)).length} missing)`);
    await sleep(100);
  }
});
