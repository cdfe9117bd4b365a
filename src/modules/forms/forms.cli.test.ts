import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'every-answer-type.form.json');

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl, BASE_URL: 'http://localhost:3000' }, ...args);

async function createConsoleService(databaseUrl: string): Promise<string> {
  assert.equal((await civitas(databaseUrl, 'migrate')).exitCode, 0);
  const organisation = await civitas(databaseUrl, 'console', 'organisation', 'add', '--name', 'Department for Fishing', '--owner-email', 'ffion@example.gov.uk', '--type', 'department', '--json');
  const { organisation_id: organisationId } = JSON.parse(organisation.stdout);
  const service = await civitas(databaseUrl, 'console', 'service', 'add', '--organisation', organisationId, '--name', 'Fishing licences', '--json');
  return JSON.parse(service.stdout).service_id;
}

test('forms import publishes a definition for a console service and prints its id and address; forms export prints the same definition back', async (t) => {
  const database = await createTestDatabase();
  const folder = await mkdtemp(join(tmpdir(), 'forms-cli-'));
  t.after(async () => {
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });
  const serviceId = await createConsoleService(database.url);

  const imported = await civitas(database.url, 'forms', 'import', FIXTURE, '--service', serviceId, '--json');
  assert.equal(imported.exitCode, 0, imported.stderr);
  const output = JSON.parse(imported.stdout);
  assert.deepEqual(Object.keys(output), ['form_id', 'url']);
  assert.equal(output.url, 'http://localhost:3000/forms/apply-for-a-fishing-licence');

  const exported = await civitas(database.url, 'forms', 'export', output.form_id);
  assert.equal(exported.exitCode, 0, exported.stderr);
  assert.deepEqual(JSON.parse(exported.stdout), JSON.parse(await readFile(FIXTURE, 'utf8')), 'the definition round-trips');

  // Exported and imported again: a second version of the same form, the same definition.
  const copy = join(folder, 'exported.json');
  await writeFile(copy, exported.stdout);
  const again = await civitas(database.url, 'forms', 'import', copy, '--service', serviceId, '--json');
  assert.equal(JSON.parse(again.stdout).form_id, output.form_id);
  assert.equal((await civitas(database.url, 'forms', 'export', output.form_id)).stdout, exported.stdout);
});

test('attacks: an unknown service, a broken definition, a file that is not JSON or too large, an unknown form are refused in words', async (t) => {
  const database = await createTestDatabase();
  const folder = await mkdtemp(join(tmpdir(), 'forms-cli-'));
  t.after(async () => {
    await database.drop();
    await rm(folder, { recursive: true, force: true });
  });
  const serviceId = await createConsoleService(database.url);

  const unknownService = await civitas(database.url, 'forms', 'import', FIXTURE, '--service', 'no-such-service', '--json');
  assert.equal(unknownService.exitCode, 1);
  assert.match(unknownService.stderr, /There is no console service no-such-service/);

  const broken = JSON.parse(await readFile(FIXTURE, 'utf8'));
  broken.pages[0].routes[0].goTo = 'nowhere';
  broken.pages[3].routes = [{ answer: 'rod', goTo: 'licence-type' }];
  await writeFile(join(folder, 'broken.json'), JSON.stringify(broken));
  const refused = await civitas(database.url, 'forms', 'import', join(folder, 'broken.json'), '--service', serviceId);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /pages\[0\]\.routes\[0\]\.goTo: the page "nowhere" does not exist/);
  assert.match(refused.stderr, /pages\[3\]\.routes: only a question answered with one selection/);

  const repeated = JSON.parse(await readFile(FIXTURE, 'utf8'));
  repeated.pages[0].settings.options[1].label = { en: ' rod LICENCE', cy: 'Trwydded rhwyd' };
  await writeFile(join(folder, 'repeated.json'), JSON.stringify(repeated));
  const twice = await civitas(database.url, 'forms', 'import', join(folder, 'repeated.json'), '--service', serviceId);
  assert.equal(twice.exitCode, 1, 'two options people cannot tell apart');
  assert.match(twice.stderr, /pages\[0\]\.settings\.options\[1\]\.label\.en: repeats an option before it/);

  await writeFile(join(folder, 'not.json'), '{"format": ');
  assert.match((await civitas(database.url, 'forms', 'import', join(folder, 'not.json'), '--service', serviceId)).stderr, /is not JSON/);
  await writeFile(join(folder, 'huge.json'), `"${'x'.repeat(1_000_001)}"`);
  assert.match((await civitas(database.url, 'forms', 'import', join(folder, 'huge.json'), '--service', serviceId)).stderr, /is larger than 1000000 bytes/);
  const missing = await civitas(database.url, 'forms', 'export', 'no-such-form');
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /There is no such form/);
});
