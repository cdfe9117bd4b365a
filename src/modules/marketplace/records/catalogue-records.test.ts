import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Database } from '../../../platform/db/database.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { setUpProviderAndClient } from '../../exchange/exchange-testing.contract.ts';
import { openCatalogueRecords, type SaveOutcome } from '../marketplace.contract.ts';
import { importRecords } from './import-records.ts';

const record = (title: string) => ({
  identifier: 'https://example.gov.uk/dataset/benefit-caseload',
  type: 'dcat:Dataset',
  title,
  description: 'How many people claim each benefit, by month.',
  accessRights: 'OPEN',
  securityClassification: 'OFFICIAL',
  contactPoint: { contactName: 'Statistics team', email: 'stats@example.gov.uk' },
  creator: ['department-for-work-pensions'],
  publisher: 'department-for-work-pensions',
  licence: 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
  modified: '2026-11-01',
  updateFrequency: 'freq:monthly',
  version: '2026-11',
});

test('a changed record gets a new version, an unchanged one keeps its own, and each change is audited', async (t) => {
  const kernel = await createTestKernel(t);
  const records = openCatalogueRecords(kernel);
  const before = await records.readRevision();
  assert.deepEqual(await records.saveRecord({ document: record('Benefit caseload'), actor: 'test' }), { outcome: 'created', identifier: record('').identifier, version: 1 });
  assert.deepEqual(await records.saveRecord({ document: record('Benefit caseload'), actor: 'test' }), { outcome: 'unchanged', identifier: record('').identifier, version: 1 });
  assert.deepEqual(await records.saveRecord({ document: record('Benefit caseload by month'), actor: 'test' }), { outcome: 'updated', identifier: record('').identifier, version: 2 });
  assert.equal(await records.readRevision(), before + 2);
  assert.equal(await records.countVersions(record('').identifier), 2);
  const stored = await records.findRecord(record('').identifier);
  assert.equal(stored?.record.title, 'Benefit caseload by month');
  assert.equal(stored?.version, 2);

  const { updateFrequency: _frequency, ...asService } = record('x');
  const typeChange = await records.saveRecord({ document: { ...asService, type: 'dcat:DataService', serviceStatus: 'LIVE', serviceType: 'REST', endpointDescription: 'https://example.gov.uk/openapi.json' }, actor: 'test' });
  assert.deepEqual(typeChange, { outcome: 'refused', identifier: record('').identifier, problems: [{ slot: 'type', message: 'must stay dcat:Dataset: a record keeps its type', key: 'keepsType', parameters: { type: 'dcat:Dataset' } }] });
  const trail = await kernel.audit.listRecent({ limit: 10 });
  assert.deepEqual(trail.filter((event) => event.action.startsWith('marketplace.')).map((event) => event.action).sort(), ['marketplace.record.created', 'marketplace.record.updated']);
});

async function setGovukSlug(kernel: { db: Database }, organisationId: string, slug: string) {
  await kernel.db.withTables<{ console_organisation: { id: string; govuk_slug: string | null } }>().updateTable('console_organisation').set({ govuk_slug: slug }).where('id', '=', organisationId).execute();
}

test('an organisation publishes only as itself: publisher is its own GOV.UK slug, and no creator is another registered organisation (attacker: Org Beta as HMRC)', async (t) => {
  const kernel = await createTestKernel(t);
  const { providerMember, clientMember } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const [hmrc, beta] = [providerMember.organisation_id, clientMember.organisation_id];
  await setGovukSlug(kernel, hmrc, 'hm-revenue-customs');
  const records = openCatalogueRecords(kernel);
  const asHmrc = { ...record('Official HMRC dataset'), identifier: 'official-hmrc-dataset', creator: ['hm-revenue-customs'], publisher: 'hm-revenue-customs' };
  const slotsOf = (outcome: SaveOutcome) => (outcome.outcome === 'refused' ? outcome.problems.map((problem) => `${problem.slot}: ${problem.message}`) : []);

  // Beta has no slug of its own: it may not name HMRC's, as publisher or creator.
  const squat = await records.saveRecord({ document: asHmrc, organisationId: beta, actor: 'test' });
  assert.deepEqual(slotsOf(squat), [
    'publisher: is another organisation’s identifier on Civitas: a record names only its own organisation',
    'creator[0]: is another organisation’s identifier on Civitas: a record names only its own organisation',
  ]);
  // The same through `civitas marketplace import --organisation`.
  const folder = await mkdtemp(join(tmpdir(), 'civitas-holder-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  await writeFile(join(folder, 'squat.json'), JSON.stringify([asHmrc, { ...asHmrc, identifier: 'co-created', creator: ['beta-council', 'hm-revenue-customs'], publisher: 'beta-council' }]));
  const imported = await importRecords({ path: folder, records, organisationId: beta, actor: 'test' });
  assert.deepEqual(imported.accepted, []);
  assert.deepEqual(imported.refused.map((refused) => refused.problems.map((problem) => problem.slot)), [['publisher', 'creator[0]'], ['creator[1]']]);

  await setGovukSlug(kernel, beta, 'beta-council');
  const notOwn = await records.saveRecord({ document: { ...asHmrc, creator: ['beta-council'], publisher: 'office-for-national-statistics' }, organisationId: beta, actor: 'test' });
  assert.deepEqual(slotsOf(notOwn), ['publisher: must be beta-council: your organisation’s own GOV.UK identifier'], 'with a slug of its own, the publisher is that slug');
  const own = await records.saveRecord({ document: { ...asHmrc, creator: ['beta-council', 'office-for-national-statistics'], publisher: 'beta-council' }, organisationId: beta, actor: 'test' });
  assert.equal(own.outcome, 'created', 'a creator not on Civitas may be named beside its own');
  assert.equal((await records.saveRecord({ document: { ...asHmrc, identifier: 'hmrc-own' }, organisationId: hmrc, actor: 'test' })).outcome, 'created', 'HMRC publishes as itself');
  assert.equal((await records.saveRecord({ document: { ...asHmrc, identifier: 'operator-import' }, actor: 'test' })).outcome, 'created', 'an operator’s import for nobody stays free');
  assert.equal(await records.findRecord('official-hmrc-dataset').then((stored) => stored?.record.publisher), 'beta-council');
});

test('an identifier under Civitas’s own /r1/ is held only by the organisation of the Exchange member it names (attacker: squatting another member’s service address)', async (t) => {
  const kernel = await createTestKernel(t);
  const { providerMember, clientMember, provider } = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', fields: false });
  const records = openCatalogueRecords(kernel);
  const r1 = `${kernel.config.BASE_URL.replace(/\/$/, '')}/r1`;
  const { updateFrequency: _frequency, ...about } = record('Squatted');
  const service = (identifier: string) => ({ ...about, identifier, creator: ['a'], publisher: 'a', type: 'dcat:DataService', serviceStatus: 'LIVE', serviceType: 'REST', endpointURL: 'https://api.example.gov.uk/', endpointDescription: 'https://api.example.gov.uk/openapi.json' });
  const problemOf = (outcome: SaveOutcome) => (outcome.outcome === 'refused' ? outcome.problems.map((problem) => `${problem.slot}: ${problem.key}`) : outcome.outcome);

  for (const identifier of [`${r1}/${provider}/pip-award`, `${r1}/${provider}/not-yet-registered`, `${r1.replace('/r1', '/R1').toUpperCase().replace('HTTP', 'http')}/${provider}/pip-award`]) {
    assert.deepEqual(problemOf(await records.saveRecord({ document: service(identifier), organisationId: clientMember.organisation_id, actor: 'test' })), ['identifier: exchangeAddressOfAnother'], identifier);
  }
  assert.deepEqual(problemOf(await records.saveRecord({ document: service(`${r1}/${provider}/pip-award`), actor: 'test' })), ['identifier: exchangeAddressOfAnother'], 'nor for nobody, by an operator’s import');
  for (const identifier of [`${r1}/CIVITAS/GOV/NOBODY/sub/svc`, `${r1}/x`, r1]) {
    assert.deepEqual(problemOf(await records.saveRecord({ document: service(identifier), organisationId: clientMember.organisation_id, actor: 'test' })), ['identifier: exchangeAddressOfNoMember'], identifier);
  }
  assert.equal(problemOf(await records.saveRecord({ document: service(`${r1}/${provider}/pip-award`), organisationId: providerMember.organisation_id, actor: 'test' })), 'created', 'the member’s own organisation holds it');
  assert.equal(problemOf(await records.saveRecord({ document: service(`${r1}/${provider}/later`), organisationId: providerMember.organisation_id, actor: 'test' })), 'created');
  assert.equal(problemOf(await records.saveRecord({ document: service('https://elsewhere.example/r1/x'), organisationId: clientMember.organisation_id, actor: 'test' })), 'created', 'another host’s /r1 is not ours');
});
