import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestDatabase } from '../../platform/testing/test-database.ts';
import { runCivitas } from '../../testing/civitas-cli.ts';

const EXAMPLES = join(import.meta.dirname, 'examples');

/** `civitas ...` as an operator runs it, in this process (src/cli.test.ts runs the bin itself). */
const civitas = (databaseUrl: string, ...args: string[]) => runCivitas({ DATABASE_URL: databaseUrl }, ...args);

test('CDDO’s examples import, export and import again as the same records; refused records are named with their problems', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  const directory = mkdtempSync(join(tmpdir(), 'civitas-marketplace-cli-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  assert.equal((await civitas(database.url, 'migrate')).exitCode, 0);
  const organisation = await civitas(database.url, 'console', 'organisation', 'add', '--name', 'Department for Work and Pensions', '--owner-email', 'owner@dwp.example.gov.uk', '--json');
  const organisationId = JSON.parse(organisation.stdout).organisation_id as string;

  const imported = await civitas(database.url, 'marketplace', 'import', EXAMPLES, '--organisation', organisationId, '--json');
  assert.equal(imported.exitCode, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout), {
    accepted: ['interest-restriction-return', 'https://www.data.gov.uk/dataset/2dfb82b4-741a-4b93-807e-11abb4bb0875/os-postcodes-data'],
    refused: [],
  });

  const exported = await civitas(database.url, 'marketplace', 'export');
  assert.equal(exported.exitCode, 0, exported.stderr);
  writeFileSync(join(directory, 'exported.yaml'), exported.stdout);
  const again = await civitas(database.url, 'marketplace', 'import', join(directory, 'exported.yaml'), '--organisation', organisationId);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stdout, /^unchanged +exported\.yaml: https:\/\/www\.data\.gov\.uk\/dataset\/.* \(version 1\)\nunchanged +exported\.yaml: interest-restriction-return \(version 1\)\n2 accepted, 0 refused\n$/);
  assert.equal((await civitas(database.url, 'marketplace', 'export')).stdout, exported.stdout);

  const asJson = await civitas(database.url, 'marketplace', 'export', '--json', '--organisation', organisationId);
  writeFileSync(join(directory, 'exported.json'), asJson.stdout);
  const fromJson = await civitas(database.url, 'marketplace', 'import', join(directory, 'exported.json'), '--json');
  assert.deepEqual(JSON.parse(fromJson.stdout).refused, []);
  assert.equal((await civitas(database.url, 'marketplace', 'export')).stdout, exported.stdout);

  writeFileSync(
    join(directory, 'broken.yaml'),
    [
      'identifier: broken-one\ntype: dcat:Dataset\ntitle: Broken\naccessRights: PUBLIC',
      'identifier: secret-one\ntype: dcat:Dataset\nsecurityClassification: SECRET',
      'identifier: [unclosed',
    ].join('\n---\n'),
  );
  const refused = await civitas(database.url, 'marketplace', 'import', join(directory, 'broken.yaml'), '--json');
  assert.equal(refused.exitCode, 1);
  const report = JSON.parse(refused.stdout);
  assert.deepEqual(Object.keys(report), ['accepted', 'refused']);
  assert.deepEqual(report.accepted, []);
  assert.deepEqual(report.refused.map((item: { file: string; identifier: string | null }) => [item.file, item.identifier]), [['broken.yaml', 'broken-one'], ['broken.yaml', 'secret-one'], ['broken.yaml', null]]);
  assert.ok(report.refused[0].problems.some((problem: { slot: string }) => problem.slot === 'accessRights'));
  assert.ok(report.refused[0].problems.some((problem: { slot: string }) => problem.slot === 'contactPoint'));
  assert.deepEqual(report.refused[1].problems, [{ slot: 'securityClassification', message: 'SECRET and TOP SECRET records are never held in the catalogue' }]);

  const words = await civitas(database.url, 'marketplace', 'import', join(directory, 'broken.yaml'));
  assert.match(words.stdout, /^refused +broken\.yaml: broken-one: .*accessRights must be one of INTERNAL, OPEN, COMMERCIAL/m);
  assert.match(words.stdout, /0 accepted, 3 refused\n$/);
});

test('an organisation cannot take over another’s record, nor import for an organisation that does not exist', async (t) => {
  const database = await createTestDatabase();
  t.after(() => database.drop());
  assert.equal((await civitas(database.url, 'migrate')).exitCode, 0);
  const add = async (name: string) => JSON.parse((await civitas(database.url, 'console', 'organisation', 'add', '--name', name, '--owner-email', `owner@${name}.example.gov.uk`, '--json')).stdout).organisation_id as string;
  const owner = await add('hmrc');
  const other = await add('other');
  const example = join(EXAMPLES, 'example-data-service.yaml');
  assert.equal((await civitas(database.url, 'marketplace', 'import', example, '--organisation', owner)).exitCode, 0);

  const takeover = await civitas(database.url, 'marketplace', 'import', example, '--organisation', other, '--json');
  assert.equal(takeover.exitCode, 1);
  assert.deepEqual(JSON.parse(takeover.stdout).refused, [
    { file: 'example-data-service.yaml', identifier: 'interest-restriction-return', problems: [{ slot: 'identifier', message: 'is already in the catalogue, held by another organisation' }] },
  ]);

  const unknown = await civitas(database.url, 'marketplace', 'import', example, '--organisation', 'no-such-organisation');
  assert.deepEqual([unknown.exitCode, unknown.stderr.trim()], [1, 'civitas marketplace import: No organisation has the id no-such-organisation']);
  const missing = await civitas(database.url, 'marketplace', 'import', '/nonexistent/records');
  assert.deepEqual([missing.exitCode, missing.stderr.trim()], [1, 'civitas marketplace import: /nonexistent/records is not a file or folder']);
  const usage = await civitas(database.url, 'marketplace', 'import');
  assert.equal(usage.exitCode, 2);
});
