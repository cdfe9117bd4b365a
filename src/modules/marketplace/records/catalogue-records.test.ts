import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { openCatalogueRecords } from '../marketplace.contract.ts';

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
