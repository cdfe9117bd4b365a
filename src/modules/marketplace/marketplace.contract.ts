import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Config } from '../../platform/config/config.schema.ts';
import type { Database } from '../../platform/db/database.ts';
import { createCatalogueRecords } from './records/catalogue-records.ts';

export type { CatalogueRecord, RecordProblem } from './records/validate-record.ts';
export type { CatalogueRecords, SaveOutcome, StoredRecord } from './records/catalogue-records.ts';

/**
 * What other modules (Exchange publishing a data service, the console's record pages) use of the
 * marketplace: the catalogue's records, checked against the CDDO model, on the kernel's database
 * and audit trail.
 */
export function openCatalogueRecords(dependencies: { db: Database; audit: AuditService; config: Config }) {
  return createCatalogueRecords(dependencies);
}
