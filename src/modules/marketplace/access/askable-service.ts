import type { AgreementRequests, ExchangeServiceSummary } from '../../exchange/exchange.contract.ts';
import type { CatalogueSnapshot } from '../catalogue/catalogue.ts';
import type { CatalogueEntry } from '../catalogue/catalogue-entries.ts';

export type AskableService = { entry: CatalogueEntry; service: ExchangeServiceSummary };

/**
 * The Exchange service access to a record may be asked for: the record's own endpoint when it is
 * a data service, or the first data service serving it when it is a dataset; only a service that
 * the record's own organisation provides (a record cannot send requests to another's service).
 */
export async function findAskableService(snapshot: CatalogueSnapshot, agreementRequests: AgreementRequests, identifier: string): Promise<AskableService | undefined> {
  const entry = snapshot.byIdentifier.get(identifier);
  if (!entry || entry.organisationId === null || !entry.listed) return undefined;
  const candidates = entry.record.type === 'dcat:DataService' ? [entry] : snapshot.relatedTo(entry, 'members').servingServices;
  for (const candidate of candidates) {
    const address = candidate.record.endpointURL;
    if (typeof address !== 'string' || candidate.organisationId !== entry.organisationId) continue;
    const service = await agreementRequests.findServiceAt(address);
    if (service && service.organisationId === entry.organisationId) return { entry, service };
  }
  return undefined;
}
