import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotifyClient } from 'notifications-node-client';
import { startNotifyServer } from './fixtures/notify-fixtures.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

test('a service team is set up from the command line: service, template, keys, callback, team and guest list', async (t) => {
  const { baseUrl, kernel, core } = await startNotifyServer(t);
  const databaseUrl = (kernel as typeof kernel & { testDatabase: { url: string } }).testDatabase.url;
  const folder = mkdtempSync(join(tmpdir(), 'civitas-cli-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const civitas = async (...args: string[]) => {
    const result = await runCivitas({ DATABASE_URL: databaseUrl, OUTBOUND_ALLOW_PRIVATE_NETWORK: 'false' }, ...args);
    return { status: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
  const json = async (...args: string[]) => {
    const result = await civitas(...args, '--json');
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as Record<string, string>;
  };

  const { service_id: serviceId } = await json('notify', 'service', 'add', '--name', 'Apply for a licence');
  assert.match(serviceId ?? '', /^[0-9a-f-]{36}$/);
  const bodyFile = join(folder, 'body.md');
  writeFileSync(bodyFile, 'Hello ((name))\n\nYour licence is ready.');
  const { template_id: templateId } = await json('notify', 'template', 'add', '--service', serviceId as string, '--type', 'email', '--name', 'Licence ready', '--subject', 'Your licence', '--body-file', bodyFile);
  const { key } = await json('notify', 'key', 'add', '--service', serviceId as string, '--type', 'team', '--name', 'Team key');
  assert.match(key ?? '', new RegExp(`^team_key-${serviceId}-[0-9a-f-]{36}$`));

  await json('notify', 'team', 'add', '--service', serviceId as string, '--email', 'Member@Example.gov.uk', '--phone', '07700900123');
  await json('notify', 'guest-list', 'add', '--service', serviceId as string, '--recipient', 'guest@example.com');
  const client = new NotifyClient(baseUrl, key as string);
  for (const to of ['member@example.gov.uk', 'guest@example.com']) {
    assert.equal((await client.sendEmail(templateId as string, to, { personalisation: { name: 'A' } })).status, 201, to);
  }
  await assert.rejects(client.sendEmail(templateId as string, 'stranger@example.com', { personalisation: { name: 'A' } }));

  await json('notify', 'callback', 'set', '--service', serviceId as string, '--type', 'delivery', '--url', 'https://service.example.gov.uk/callback', '--token', 'a-long-bearer-token');
  const service = await core.serviceAdmin.requireService(serviceId as string);
  assert.equal(service.delivery_callback_url, 'https://service.example.gov.uk/callback');
  assert.notEqual(service.delivery_callback_token, 'a-long-bearer-token', 'the bearer token is kept encrypted');
  const internal = await civitas('notify', 'callback', 'set', '--service', serviceId as string, '--type', 'inbound', '--url', 'http://127.0.0.1:8080/callback', '--token', 'a-long-bearer-token');
  assert.equal(internal.status, 1);
  assert.equal(internal.stderr.trim().split('\n').length, 1, internal.stderr);
  assert.match(internal.stderr, /A callback URL must be a public address/);

  assert.equal((await civitas('notify', 'sign-in-link', '--email', 'member@example.gov.uk')).status, 2, 'team members sign in through the console now');

  const revoked = await json('notify', 'key', 'revoke', '--service', serviceId as string, '--key', key as string);
  assert.equal(revoked.revoked, true as unknown as string);
  // The running service caches keys for a second, as Notify does: a revocation made elsewhere applies within it.
  await sleep(1100);
  await assert.rejects(client.getAllTemplates(), (error: { response: { status: number } }) => error.response.status === 403);
  const keys = JSON.parse((await civitas('notify', 'key', 'list', '--service', serviceId as string, '--json')).stdout) as Array<Record<string, unknown>>;
  assert.equal(keys.length, 1);
  assert.ok(keys[0]?.revoked_at);
  assert.ok(!JSON.stringify(keys).includes((key as string).slice(-36)), 'secrets are never listed');

  const bad = await civitas('notify', 'key', 'add', '--service', serviceId as string, '--type', 'gold', '--name', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--type must be live, team or test/);
  const actions = (await core.audit.listRecent({ limit: 100 })).map((event) => event.action);
  for (const action of ['notify.service.created', 'notify.template.created', 'notify.api-key.created', 'notify.api-key.revoked', 'notify.callback.set', 'notify.team-member.added', 'notify.guest-list.added']) {
    assert.ok(actions.includes(action), `${action} is audited`);
  }
});
