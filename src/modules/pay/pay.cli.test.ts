import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { buildApp, modules } from '../../app.ts';
import { openKernel } from '../../platform/kernel.ts';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { createTestConfig } from '../../testing/test-kernel.ts';
import { payServicesOf } from './pay-services.ts';
import { callApi, createTestClock, payByCard, type PayTestApp } from './testing/pay-test-support.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl }, ...args);

test('an operator sets up a service with the CLI, takes payments with its key, reports the day and revokes the key', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());

  const account = await civitas(database.url, 'pay', 'account', 'add', '--name', 'Apply for a fishing licence', '--json');
  assert.equal(account.exitCode, 0, account.stderr);
  const { account_id: accountId } = JSON.parse(account.stdout);
  assert.match(accountId, /^[0-9a-v]{26}$/);

  const keyAdded = await civitas(database.url, 'pay', 'key', 'add', '--account', accountId, '--type', 'test', '--json');
  assert.equal(keyAdded.exitCode, 0, keyAdded.stderr);
  const { key, key_id: keyId } = JSON.parse(keyAdded.stdout);
  assert.match(key, /^api_test_[0-9a-v]{58}$/);

  const webhook = await civitas(database.url, 'pay', 'webhook', 'add', '--account', accountId, '--url', 'https://fishing.example.gov.uk/pay-events', '--events', 'card_payment_succeeded,card_payment_refunded', '--json');
  assert.equal(webhook.exitCode, 0, webhook.stderr);
  const added = JSON.parse(webhook.stdout);
  assert.match(added.webhook_id, /^[0-9a-v]{26}$/);
  assert.match(added.signing_secret, /^webhook_test_/);
  assert.deepEqual(added.events, ['card_payment_succeeded', 'card_payment_refunded']);
  const internal = await civitas(database.url, 'pay', 'webhook', 'add', '--account', accountId, '--url', 'http://169.254.169.254/latest/meta-data/');
  assert.equal(internal.exitCode, 1);
  assert.equal(internal.stderr.trim().split('\n').length, 1, internal.stderr);
  assert.match(internal.stderr, /The callback URL must be a public address/);

  // The running service, on the same database, takes payments with the key.
  const config = createTestConfig(database);
  const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
  t.after(() => kernel.close());
  const app = await buildApp(kernel);
  t.after(() => app.close());
  const clock = createTestClock(new Date());
  const services = payServicesOf(kernel);
  const payApp: PayTestApp = { app, kernel, services, module: modules.find((module) => module.name === 'pay')!, clock, runJobs: () => kernel.createWorker().runUntilIdle() };
  const first = await payByCard(payApp, key);
  await payByCard(payApp, key, { body: { amount: 2000, reference: '=HYPERLINK("x")' } });
  const refund = await callApi(app, { method: 'POST', url: `/v1/payments/${first}/refunds`, key, body: { amount: 450 } });
  assert.equal(refund.statusCode, 202);
  // Deliveries to the webhook's address cannot succeed here; they wait for their retries.
  await payApp.runJobs();

  const today = new Date().toISOString().slice(0, 10);
  const directory = mkdtempSync(join(tmpdir(), 'civitas-report-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, 'report.csv');
  const report = await civitas(database.url, 'pay', 'report', '--account', accountId, '--date', today, '--out', file, '--json');
  assert.equal(report.exitCode, 0, report.stderr);
  const summary = JSON.parse(report.stdout);
  assert.equal(summary.balanced, true);
  assert.deepEqual(summary.totals, [{ mode: 'test', payments: 3450, paymentCount: 2, refunds: -450, refundCount: 1, net: 3000 }]);
  const csv = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'type,mode,id,payment_id,reference,occurred_at,amount_pence');
  assert.equal(csv.filter((line) => line.startsWith('payment,test,')).length, 2);
  assert.ok(csv.some((line) => line.startsWith(`refund,test,`) && line.includes(first) && line.endsWith(',-450')));
  assert.ok(csv.some((line) => line.includes(`"'=HYPERLINK(""x"")"`)), 'text a spreadsheet would run is defused');
  assert.deepEqual(csv.slice(-3), ['total_payments,test,,,,,3450', 'total_refunds,test,,,,,-450', 'net,test,,,,,3000']);

  const printed = await civitas(database.url, 'pay', 'report', '--account', accountId, '--date', today);
  assert.equal(printed.exitCode, 0);
  assert.equal(printed.stdout.trim(), readFileSync(file, 'utf8').trim(), 'without --out the CSV goes to standard output');

  const badDate = await civitas(database.url, 'pay', 'report', '--account', accountId, '--date', '14/03/2025');
  assert.equal(badDate.exitCode, 2);
  assert.match(badDate.stderr, /--date must be a date/);

  const revoked = await civitas(database.url, 'pay', 'key', 'revoke', '--key', keyId, '--json');
  assert.equal(revoked.exitCode, 0, revoked.stderr);
  assert.equal((await callApi(app, { method: 'GET', url: '/v1/payments', key })).statusCode, 401);
  const again = await civitas(database.url, 'pay', 'key', 'revoke', '--key', keyId);
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /already revoked/);

  const second = JSON.parse((await civitas(database.url, 'pay', 'key', 'add', '--account', accountId, '--type', 'live', '--json')).stdout);
  assert.match(second.key, /^api_live_/);
  const byKey = await civitas(database.url, 'pay', 'key', 'revoke', '--key', second.key);
  assert.equal(byKey.exitCode, 0, byKey.stderr);
  assert.doesNotMatch(byKey.stdout, new RegExp(second.key), 'the key is not printed back');

  const unknown = await civitas(database.url, 'pay', 'key', 'add', '--account', 'nosuchaccount', '--type', 'test');
  assert.equal(unknown.exitCode, 1);
  const badType = await civitas(database.url, 'pay', 'key', 'add', '--account', accountId, '--type', 'production');
  assert.equal(badType.exitCode, 2);

  const trail = await kernel.audit.listRecent({ subject: `pay-account:${accountId}` });
  assert.deepEqual(
    trail.map((event) => event.action).sort(),
    ['pay.account.created', 'pay.api-key.created', 'pay.api-key.created', 'pay.api-key.revoked', 'pay.api-key.revoked', 'pay.webhook.created'],
  );
  assert.ok(trail.every((event) => event.actor === 'operator:cli'));
});

test('an operator turns MOTO and the MOTO API on and off for an account with the CLI', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());

  const added = await civitas(database.url, 'pay', 'account', 'add', '--name', 'Licences by phone', '--moto', '--json');
  assert.equal(added.exitCode, 0, added.stderr);
  const { account_id: accountId } = JSON.parse(added.stdout);
  const listed = JSON.parse((await civitas(database.url, 'pay', 'account', 'list', '--json')).stdout);
  assert.deepEqual(
    listed.map((account: Record<string, unknown>) => [account.account_id, account.allow_moto, account.allow_authorisation_api, account.recurring_enabled]),
    [[accountId, true, false, false]],
  );

  const set = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId, '--moto', 'off', '--moto-api', 'on', '--json');
  assert.equal(set.exitCode, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout), { account_id: accountId, allow_moto: false, allow_authorisation_api: true, recurring_enabled: false });

  const wrong = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId, '--moto', 'yes');
  assert.equal(wrong.exitCode, 2);
  assert.match(wrong.stderr, /--moto must be on or off/);
  const nothing = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId);
  assert.equal(nothing.exitCode, 1);
  const unknown = await civitas(database.url, 'pay', 'account', 'set', '--account', 'nosuchaccount', '--moto', 'on');
  assert.equal(unknown.exitCode, 1);
  assert.match(unknown.stderr, /There is no Pay account nosuchaccount/);

  const kernel = openKernel({ config: createTestConfig(database), modules, logger: pino({ level: 'silent' }) });
  t.after(() => kernel.close());
  const trail = await kernel.audit.listRecent({ subject: `pay-account:${accountId}` });
  const changed = trail.find((event) => event.action === 'pay.account.moto-changed');
  assert.equal(changed?.actor, 'operator:cli');
});

test('an operator turns recurring card payments on and off for an account with the CLI, as MOTO', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());

  const added = await civitas(database.url, 'pay', 'account', 'add', '--name', 'Council tax', '--recurring', '--json');
  assert.equal(added.exitCode, 0, added.stderr);
  const { account_id: accountId } = JSON.parse(added.stdout);
  const listed = JSON.parse((await civitas(database.url, 'pay', 'account', 'list', '--json')).stdout);
  assert.deepEqual(listed.map((account: Record<string, unknown>) => account.recurring_enabled), [true]);

  const off = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId, '--recurring', 'off', '--json');
  assert.equal(off.exitCode, 0, off.stderr);
  assert.deepEqual(JSON.parse(off.stdout), { account_id: accountId, allow_moto: false, allow_authorisation_api: false, recurring_enabled: false });
  const both = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId, '--moto', 'on', '--recurring', 'on', '--json');
  assert.equal(both.exitCode, 0, both.stderr);
  assert.deepEqual(JSON.parse(both.stdout), { account_id: accountId, allow_moto: true, allow_authorisation_api: false, recurring_enabled: true });

  const wrong = await civitas(database.url, 'pay', 'account', 'set', '--account', accountId, '--recurring', 'yes');
  assert.equal(wrong.exitCode, 2);
  assert.match(wrong.stderr, /--recurring must be on or off/);
  const unknown = await civitas(database.url, 'pay', 'account', 'set', '--account', 'nosuchaccount', '--recurring', 'on');
  assert.equal(unknown.exitCode, 1);
  assert.match(unknown.stderr, /There is no Pay account nosuchaccount/);

  const kernel = openKernel({ config: createTestConfig(database), modules, logger: pino({ level: 'silent' }) });
  t.after(() => kernel.close());
  const trail = await kernel.audit.listRecent({ subject: `pay-account:${accountId}` });
  const changes = trail.filter((event) => event.action === 'pay.account.recurring-changed');
  assert.equal(changes.length, 2);
  assert.ok(changes.every((event) => event.actor === 'operator:cli'));
});
