import assert from 'node:assert/strict';
import type { Kernel } from '../../../platform/kernel.ts';
import { createAgreementRequests } from '../../exchange/exchange.contract.ts';
import { openCatalogueRecords } from '../marketplace.contract.ts';

const OGL = 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';
const ABOUT = { description: 'PIP awards by claimant.', accessRights: 'INTERNAL', securityClassification: 'OFFICIAL', contactPoint: { contactName: 'Data team', email: 'data@example.gov.uk' }, creator: ['department-for-work-pensions'], publisher: 'department-for-work-pensions', licence: OGL, modified: '2026-01-01', version: '1' };

/**
 * The provider's Exchange service in the catalogue: a data service at its /r1 address, the
 * dataset `pip-awards` it serves, and the dataset `no-service` with nothing behind it. Returns
 * the service's address (the data service's identifier).
 */
export async function publishPipRecords(kernel: Kernel, exchange: { service: string; providerMember: { organisation_id: string } }): Promise<string> {
  const address = createAgreementRequests({ db: kernel.db, audit: kernel.audit, config: kernel.config }).addressOf(exchange.service);
  const records = openCatalogueRecords(kernel);
  const save = async (document: Record<string, unknown>) =>
    assert.notEqual((await records.saveRecord({ document: { ...ABOUT, ...document }, organisationId: exchange.providerMember.organisation_id, actor: 'test' })).outcome, 'refused');
  await save({ type: 'dcat:DataService', identifier: address, title: 'PIP award', endpointURL: address, servesData: ['pip-awards'], serviceType: 'REST', serviceStatus: 'LIVE', endpointDescription: `${address}/openapi` });
  await save({ type: 'dcat:Dataset', identifier: 'pip-awards', title: 'PIP awards', updateFrequency: 'freq:daily' });
  await save({ type: 'dcat:Dataset', identifier: 'no-service', title: 'Nothing behind it', updateFrequency: 'freq:daily' });
  return address;
}
