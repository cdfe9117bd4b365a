import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Config } from '../../../platform/config/config.schema.ts';
import { openCatalogueRecords } from '../marketplace.contract.ts';
import { readRecordDocuments } from '../records/read-record-documents.ts';

const OGL = 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';

export function readExampleRecord(name: 'example-dataset.yaml' | 'example-data-service.yaml'): Record<string, unknown> {
  const [document] = readRecordDocuments(name, readFileSync(join(import.meta.dirname, '..', 'examples', name), 'utf8'));
  assert.ok(document && 'value' in document);
  return document.value as Record<string, unknown>;
}

/** A dataset the tests change a slot or two of. */
export function testDataset(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'dcat:Dataset',
    description: 'A dataset for tests.',
    accessRights: 'OPEN',
    securityClassification: 'OFFICIAL',
    contactPoint: { contactName: 'Data team', email: 'data@example.gov.uk' },
    creator: ['department-for-transport'],
    publisher: 'department-for-transport',
    licence: OGL,
    modified: '2026-01-10',
    updateFrequency: 'freq:monthly',
    version: '1.0',
    ...overrides,
  };
}

export const POSTCODES_ID = 'https://www.data.gov.uk/dataset/2dfb82b4-741a-4b93-807e-11abb4bb0875/os-postcodes-data';
export const SECRET_WORD = 'Zebracorn';

/**
 * The catalogue the page tests read: CDDO's two examples (COMMERCIAL dataset, INTERNAL service),
 * open datasets and a service, one distribution, and an INTERNAL dataset whose title holds a word
 * nothing else has, to look for anywhere an anonymous visitor could see it.
 */
export function catalogueFixtures(): Array<Record<string, unknown>> {
  return [
    readExampleRecord('example-dataset.yaml'),
    readExampleRecord('example-data-service.yaml'),
    testDataset({
      identifier: 'road-traffic-counts',
      title: 'Road traffic counts',
      keyword: ['traffic', 'roads'],
      theme: ['transport'],
      distribution: ['road-traffic-counts-csv'],
      modified: '2026-03-01',
    }),
    testDataset({
      identifier: 'bus-punctuality',
      title: 'Bus punctuality',
      description: 'How late buses run, and how traffic delays them.',
      theme: ['transport'],
      modified: '2025-06-30',
    }),
    testDataset({
      identifier: 'school-census',
      title: 'School census',
      publisher: 'department-for-education',
      creator: ['department-for-education'],
      theme: ['education'],
      accessRights: 'COMMERCIAL',
      modified: '2024-09-01',
    }),
    testDataset({
      identifier: 'shielded-people',
      title: `${SECRET_WORD} shielded people list`,
      keyword: ['vulnerable', SECRET_WORD.toLowerCase()],
      publisher: 'department-of-health-and-social-care',
      creator: ['department-of-health-and-social-care'],
      theme: ['health'],
      accessRights: 'INTERNAL',
    }),
    {
      identifier: 'postcode-lookup-api',
      type: 'dcat:DataService',
      title: 'Postcode lookup API',
      description: 'Finds the **postcode** of an address.\n\n- One\n- Two\n\n<script>alert(1)</script> [a bad link](javascript:alert(1))',
      accessRights: 'OPEN',
      securityClassification: 'OFFICIAL',
      contactPoint: { contactName: 'API team', email: 'api@example.gov.uk', address: 'https://example.gov.uk/support' },
      creator: ['ordnance-survey'],
      publisher: 'ordnance-survey',
      licence: OGL,
      modified: '2026-02-01',
      version: 'v2',
      endpointURL: 'https://api.example.gov.uk/postcodes',
      endpointDescription: 'https://api.example.gov.uk/postcodes/openapi.json',
      servesData: [POSTCODES_ID, 'shielded-people'],
      serviceStatus: 'LIVE',
      serviceType: 'REST',
      theme: ['location'],
    },
    {
      identifier: 'road-traffic-counts-csv',
      type: 'dcat:Distribution',
      title: 'Road traffic counts as CSV',
      licence: OGL,
      mediaType: 'text/csv',
      downloadURL: 'https://example.gov.uk/road-traffic-counts.csv',
      byteSize: 3_500_000,
    },
  ];
}

export async function seedCatalogue(kernel: { db: Database; audit: AuditService; config: Config }, records = catalogueFixtures()): Promise<void> {
  const catalogue = openCatalogueRecords(kernel);
  for (const document of records) {
    const outcome = await catalogue.saveRecord({ document, actor: 'test' });
    assert.notEqual(outcome.outcome, 'refused', JSON.stringify(outcome));
  }
}
