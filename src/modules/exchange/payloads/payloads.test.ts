import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { CliError } from '../../../platform/cli/cli-command.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createLogger } from '../../../platform/logger.ts';
import { createSecretBoxes } from '../../../platform/secrets/secret-box.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { runCommand, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';
import { PAYLOAD_RETENTION_JOB, createPayloadRetentionJob, deleteExpiredPayloads } from './payload-retention.job.ts';
import type { PayloadRow } from './payload.store.ts';

const REQUEST = '{"reason":"Blue Badge for QQ123456C, Jo Bloggs"}';
const ANSWER = { status: 'awarded', rate: 'enhanced', name: 'Jo Bloggs' };
const DAY_MS = 24 * 60 * 60 * 1000;

async function readPayloadRows(kernel: Kernel): Promise<PayloadRow[]> {
  return kernel.db.withTables<{ exchange_payload: PayloadRow }>().selectFrom('exchange_payload').selectAll().orderBy('log_sequence').orderBy('side').execute();
}

async function auditActions(kernel: Kernel, prefix: string) {
  const rows = await kernel.db.withTables<{ audit_event: { action: string; actor: string; outcome: string; details: string } }>().selectFrom('audit_event').select(['action', 'actor', 'outcome', 'details']).execute();
  return rows.filter((row) => row.action.startsWith(prefix));
}

async function setUp(t: Parameters<typeof createTestApp>[0], options: { grant?: false } = {}) {
  const logged: string[] = [];
  const provider = await startTestProvider((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(ANSWER));
  });
  t.after(() => provider.server.close());
  // The kernel's own logger, as production has it, at its most talkative.
  const logger = createLogger({ LOG_LEVEL: 'trace' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logged.push(chunk.toString('utf8')), done()) }));
  const { app, kernel } = await createTestApp(t, { logger });
  const parties = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, ...(options.grant === false ? { grant: false } : {}) });
  const call = (body: string | Buffer = REQUEST) => sendSignedCall(app, { method: 'POST', path: `/r1/${parties.service}/awards/QQ123456C`, client: parties.client, key: parties.clientKeys[0]!, body, headers: { 'content-type': 'application/json' } });
  const keep = (subsystem: string, keep: string) => runCommand(kernel, 'exchange subsystem payloads', { subsystem, keep });
  const show = (sequence: number, as: string, k: Kernel = kernel) => runCommand(k, 'exchange payload show', { as, reason: 'Complaint 42 about a Blue Badge decision' }, [String(sequence)]);
  return { app, kernel, providerServer: provider, logged, call, keep, show, ...parties };
}

test('payloads are not kept by default, nor for a subsystem that asked and then stopped', async (t) => {
  const { kernel, call, keep, client } = await setUp(t);
  assert.equal((await call()).statusCode, 200);
  await waitForLogRecords(kernel.db, 1);
  assert.deepEqual(await readPayloadRows(kernel), []);

  assert.deepEqual(await keep(client, '30'), { subsystem_id: client, keep_days: 30 });
  assert.deepEqual(await keep(client, 'off'), { subsystem_id: client, keep_days: null });
  assert.equal((await call()).statusCode, 200);
  await waitForLogRecords(kernel.db, 2);
  assert.deepEqual(await readPayloadRows(kernel), [], 'off from the next call');
  assert.deepEqual((await auditActions(kernel, 'exchange.payloads.')).map((event) => [event.action, event.actor]), [
    ['exchange.payloads.keeping-started', 'operator:cli'],
    ['exchange.payloads.keeping-stopped', 'operator:cli'],
  ]);
});

test("a client's payloads are kept sealed, linked to the call's record, never in the logs, and read back decrypted by an auditor, audited", async (t) => {
  const { kernel, call, keep, show, client, logged } = await setUp(t);
  await keep(client, '30');
  const answer = await call();
  assert.equal(answer.statusCode, 200);
  assert.deepEqual(JSON.parse(answer.body), { status: 'awarded', rate: 'enhanced' });
  const [record] = await waitForLogRecords(kernel.db, 1);
  const [row, ...others] = await readPayloadRows(kernel);
  assert.equal(others.length, 0);
  assert.equal(Number(row?.log_sequence), Number(record?.sequence));
  assert.equal(row?.x_road_id, record?.x_road_id);
  assert.equal(row?.side, 'client');
  const raw = JSON.stringify(row);
  for (const plain of ['QQ123456C', 'Jo Bloggs', 'awarded', 'enhanced', Buffer.from(REQUEST).toString('base64'), Buffer.from(REQUEST).toString('base64url')]) assert.ok(!raw.includes(plain), `the stored row does not hold ${plain}`);
  assert.match(String(row?.request_body), /^sealed1\./);
  assert.equal(new Date(String(row?.delete_after)).getTime() - new Date(String(row?.kept_at)).getTime(), 30 * DAY_MS);

  const { payloads } = (await show(Number(record?.sequence), 'auditor')) as { payloads: Array<Record<string, unknown>> };
  assert.equal(payloads.length, 1);
  assert.equal(payloads[0]?.request_body, REQUEST);
  assert.equal(payloads[0]?.request_body_encoding, 'utf-8');
  assert.equal(payloads[0]?.response_body, answer.body, 'the answer as the consumer got it, cut to the agreed fields');
  assert.equal(payloads[0]?.subsystem, client);
  const [read] = await auditActions(kernel, 'exchange.payload.read');
  assert.equal(read?.outcome, 'success');
  assert.match(String(read?.details), /Complaint 42/);
  assert.ok(!String(read?.details).includes('Jo Bloggs'), 'the audit trail names the reading, not what was read');

  assert.ok(logged.length > 0, 'the logs were captured');
  for (const plain of ['QQ123456C', 'Jo Bloggs', 'awarded']) assert.ok(!logged.join('').includes(plain), `no operational log holds ${plain}`);
});

test('kept for both sides when both ask, each for its own days; each member reads only its own copy', async (t) => {
  const { kernel, call, keep, show, client, clientMember, providerMember, service } = await setUp(t);
  const providerSubsystem = service.slice(0, service.lastIndexOf('/'));
  await keep(client, '7');
  await keep(providerSubsystem, '400');
  // A binary body comes back as it was sent.
  const binary = Buffer.from([0, 159, 146, 150, 255, 10]);
  assert.equal((await call(binary)).statusCode, 200);
  const [record] = await waitForLogRecords(kernel.db, 1);
  const rows = await readPayloadRows(kernel);
  assert.deepEqual(rows.map((row) => row.side), ['client', 'provider']);
  assert.notEqual(rows[0]?.request_body, rows[1]?.request_body, 'sealed for each side on its own');
  const days = rows.map((row) => (new Date(row.delete_after).getTime() - new Date(row.kept_at).getTime()) / DAY_MS);
  assert.deepEqual(days, [7, 400]);

  const sequence = Number(record?.sequence);
  const asClient = (await show(sequence, clientMember.id)) as { payloads: Array<Record<string, unknown>> };
  assert.deepEqual(asClient.payloads.map((each) => each.side), ['client']);
  assert.equal(asClient.payloads[0]?.request_body_encoding, 'base64');
  assert.ok(Buffer.from(String(asClient.payloads[0]?.request_body), 'base64').equals(binary));
  const asProvider = (await show(sequence, providerMember.id)) as { payloads: Array<Record<string, unknown>> };
  assert.deepEqual(asProvider.payloads.map((each) => [each.side, each.subsystem]), [['provider', providerSubsystem]]);
  const asAuditor = (await show(sequence, 'auditor')) as { payloads: unknown[] };
  assert.equal(asAuditor.payloads.length, 2);

  // Another member, a record with nothing kept, a record that does not exist: nothing, and audited as a failure.
  await assert.rejects(show(sequence, crypto.randomUUID()), /No payload is kept for record \d+ for that member/);
  await assert.rejects(show(sequence + 1000, 'auditor'), /No payload is kept/);
  assert.ok((await auditActions(kernel, 'exchange.payload.read')).some((event) => event.outcome === 'failure'));
});

test('a refused call keeps no payload, even for a subsystem that asked', async (t) => {
  const { kernel, call, keep, client } = await setUp(t, { grant: false });
  await keep(client, '30');
  const refused = await call();
  assert.equal(refused.headers['x-road-error'], 'Server.ServerProxy.AccessDenied');
  await waitForLogRecords(kernel.db, 1);
  assert.deepEqual(await readPayloadRows(kernel), []);
});

test('payloads are deleted once their retention ends, by the hourly job, audited', async (t) => {
  const { kernel, call, keep, client } = await setUp(t);
  await keep(client, '2');
  await call();
  await keep(client, '10');
  await call();
  await waitForLogRecords(kernel.db, 2);
  assert.equal((await readPayloadRows(kernel)).length, 2);
  const now = Date.now();
  assert.equal(await deleteExpiredPayloads(kernel.db, new Date(now + DAY_MS)), 0, 'nothing before its time');
  const job = createPayloadRetentionJob({ db: kernel.db, jobs: kernel.jobs, audit: kernel.audit, logger: kernel.logger, clock: () => new Date(now + 3 * DAY_MS) });
  assert.equal(job.type, PAYLOAD_RETENTION_JOB);
  assert.ok(kernel.modules.some((module) => module.createJobHandlers?.(kernel)[PAYLOAD_RETENTION_JOB]), 'the module gives the worker its handler');
  await job.handler.run({ id: 'test', type: PAYLOAD_RETENTION_JOB, payload: { scheduledFor: new Date(now).toISOString() }, attempts: 1 } as never);
  const left = await readPayloadRows(kernel);
  assert.equal(left.length, 1, 'the 2-day copy is gone, the 10-day one stays');
  assert.equal((new Date(String(left[0]?.delete_after)).getTime() - new Date(String(left[0]?.kept_at)).getTime()) / DAY_MS, 10);
  const [deleted] = await auditActions(kernel, 'exchange.payloads.deleted');
  assert.match(String(deleted?.details), /"deleted":1/);
  assert.equal(await deleteExpiredPayloads(kernel.db, new Date(now + 11 * DAY_MS)), 1);
});

test('attacks: a wrong key, a payload moved onto another record or swapped between sides, fail cleanly and are audited', async (t) => {
  const { kernel, call, keep, show, client, service } = await setUp(t);
  await keep(client, '30');
  await keep(service.slice(0, service.lastIndexOf('/')), '30');
  await call();
  await call('{"reason":"another"}');
  const [first, second] = await waitForLogRecords(kernel.db, 2);

  const otherKey = { ...kernel, secrets: createSecretBoxes({ current: 'an-encryption-key-that-sealed-none-of-these' }) } as Kernel;
  await assert.rejects(show(Number(first?.sequence), 'auditor', otherKey), (error: CliError) => /does not open with ENCRYPTION_KEY/.test(error.message) && !/Bloggs/.test(error.message));
  const afterRotation = { ...kernel, secrets: createSecretBoxes({ current: 'a-new-encryption-key-after-a-rotation', previous: [kernel.config.ENCRYPTION_KEY] }) } as Kernel;
  assert.equal(((await show(Number(first?.sequence), 'auditor', afterRotation)) as { payloads: unknown[] }).payloads.length, 2, 'opens after a rotation');

  const table = kernel.db.withTables<{ exchange_payload: PayloadRow }>();
  const rows = await readPayloadRows(kernel);
  const [clientCopy, providerCopy] = rows;
  // Swap the sealed bodies of the two sides of one call.
  await table.updateTable('exchange_payload').set({ request_body: providerCopy!.request_body }).where('id', '=', clientCopy!.id).execute();
  await assert.rejects(show(Number(first?.sequence), 'auditor'), /does not open/);
  // Move the second call's payloads onto the first call's record.
  await table.deleteFrom('exchange_payload').where('log_sequence', '=', Number(first?.sequence)).execute();
  await table.updateTable('exchange_payload').set({ log_sequence: Number(first?.sequence) }).where('log_sequence', '=', Number(second?.sequence)).execute();
  await assert.rejects(show(Number(first?.sequence), 'auditor'), /does not open/);
  assert.ok((await auditActions(kernel, 'exchange.payload.read')).filter((event) => event.outcome === 'failure').length >= 3);
});

test('the setting refuses days out of range, unknown subsystems and malformed ones; show refuses a bad record number', async (t) => {
  const { kernel, keep, show, client } = await setUp(t);
  for (const days of ['0', '-1', '2558', '1.5', 'abc', '', '1e3', '99999999']) await assert.rejects(keep(client, days), /from 1 to 2557|Give --keep/, days);
  await assert.rejects(keep(`${client}x`, '5'), /There is no subsystem/);
  await assert.rejects(keep('not/a/subsystem', '5'), /./);
  await assert.rejects(keep(client.replace(/^[^/]+/, 'OTHER'), '5'), /There is no subsystem/);
  for (const sequence of ['0', '-3', 'abc', '1.5']) await assert.rejects(runCommand(kernel, 'exchange payload show', { as: 'auditor', reason: 'r' }, [sequence]), /Give the message-log record/);
  await assert.rejects(runCommand(kernel, 'exchange payload show', { as: 'auditor' }, ['1']), /Give --reason/);
  await assert.rejects(show(1, 'auditor'), /No payload is kept/);
  assert.deepEqual(await auditActions(kernel, 'exchange.payloads.'), [], 'refused settings change nothing');
});
