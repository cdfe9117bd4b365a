import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { modules } from '../../app.ts';
import { openKernel } from '../../platform/kernel.ts';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { createTestConfig } from '../../testing/test-kernel.ts';
import { readLatestMessage } from '../identity/testing/identity-testing.contract.ts';
import { createOrganisations } from './organisations/organisations.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl }, ...args);

test('an operator sets up a department with the CLI: an operator, an organisation whose owner is invited by email, and a service', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const migrated = await civitas(database.url, 'migrate');
  assert.equal(migrated.exitCode, 0, migrated.stderr);

  const help = await civitas(database.url, 'console', '--help');
  assert.equal(help.exitCode, 0);
  for (const command of ['console operator add', 'console organisation add', 'console service add']) assert.match(help.stdout, new RegExp(command));

  const operator = await civitas(database.url, 'console', 'operator', 'add', '--email', 'ops@example.gov.uk', '--json');
  assert.equal(operator.exitCode, 0, operator.stderr);
  assert.match(JSON.parse(operator.stdout).operator_id, /^[0-9a-f-]{36}$/);
  const twice = await civitas(database.url, 'console', 'operator', 'add', '--email', 'ops@example.gov.uk');
  assert.equal(twice.exitCode, 1);
  assert.match(twice.stderr, /is an operator already/);

  const created = await civitas(database.url, 'console', 'organisation', 'add', '--name', 'Department for Fishing', '--owner-email', 'ffion@example.gov.uk', '--type', 'department', '--json');
  assert.equal(created.exitCode, 0, created.stderr);
  const { organisation_id: organisationId } = JSON.parse(created.stdout);
  assert.match(organisationId, /^[0-9a-f-]{36}$/);

  const service = await civitas(database.url, 'console', 'service', 'add', '--organisation', organisationId, '--name', 'Apply for a fishing licence', '--json');
  assert.equal(service.exitCode, 0, service.stderr);
  const { service_id: serviceId } = JSON.parse(service.stdout);

  for (const [args, message] of [
    [['organisation', 'add', '--name', 'X', '--owner-email', 'not-an-email'], /Enter an email address/],
    [['organisation', 'add', '--name', 'X', '--owner-email', 'a@example.gov.uk', '--type', 'guild'], /The type must be one of/],
    [['service', 'add', '--organisation', 'no-such-organisation', '--name', 'X'], /There is no such organisation/],
  ] as const) {
    const refused = await civitas(database.url, 'console', ...args);
    assert.equal(refused.exitCode, 1, refused.stderr);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, message);
  }
  const missing = await civitas(database.url, 'console', 'organisation', 'add', '--name', 'X');
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /Give --owner-email/);

  // What the commands made, seen by the running service on the same database.
  const kernel = openKernel({ config: createTestConfig(database), modules, logger: pino({ level: 'silent' }) });
  t.after(() => kernel.close());
  const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl: kernel.config.BASE_URL });
  assert.equal((await organisations.findOrganisation(organisationId))?.type, 'department');
  assert.deepEqual((await organisations.listServices(organisationId)).map((row) => row.id), [serviceId]);
  assert.equal((await organisations.listPendingInvitations(organisationId))[0]?.role, 'owner');
  const message = await readLatestMessage(kernel, 'ffion@example.gov.uk');
  assert.match(message?.text ?? '', /\/console\/invitations\/[A-Za-z0-9_-]{43}/, 'the owner was emailed an invitation (the development outbox)');
  const events = await kernel.db.withTables<{ audit_event: { action: string; actor: string; sequence: number } }>().selectFrom('audit_event').select(['action', 'actor']).where('action', 'like', 'console.%').orderBy('sequence').execute();
  assert.deepEqual(
    events.map((event) => `${event.actor} ${event.action}`),
    ['operator:cli console.operator.added', 'operator:cli console.organisation.created', 'operator:cli console.invitation.created', 'operator:cli console.service.created'],
  );
});
