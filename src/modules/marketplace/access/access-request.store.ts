import type { Executor } from '../../../platform/db/database.ts';

export type AccessRequestStatus = 'asked' | 'approved' | 'refused';
/** What a request's page says of it: its own status, or its agreement's when that has moved on (ended, suspended, expired). */
export type ShownRequestStatus = AccessRequestStatus | 'ended' | 'suspended' | 'expired';

/**
 * The request's status as shown: the agreement is Exchange's, and may be ended, suspended or
 * expire after the request was decided (or be decided in Exchange itself), so it has the last word.
 */
export function showRequestStatus(row: Pick<AccessRequestRow, 'status'>, agreementStatus: string | undefined): ShownRequestStatus {
  if (row.status === 'refused' || agreementStatus === undefined || agreementStatus === 'draft') return row.status;
  if (agreementStatus === 'active') return 'approved';
  return agreementStatus === 'suspended' || agreementStatus === 'expired' ? agreementStatus : 'ended';
}
export type AccessRequestRow = {
  id: string;
  agreement_id: string;
  record_identifier: string;
  service_identifier: string;
  consumer_organisation_id: string;
  provider_organisation_id: string;
  subsystem: string;
  requester_email: string;
  status: AccessRequestStatus;
  refusal_reason: string | null;
  created_at: string;
  decided_at: string | null;
};
type Tables = { marketplace_access_request: AccessRequestRow };

/** Access requests made through the catalogue, each seen by its two organisations. */
export function createAccessRequestStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async insert(row: AccessRequestRow): Promise<void> {
      await tables.insertInto('marketplace_access_request').values(row).execute();
    },
    find: (id: string) => tables.selectFrom('marketplace_access_request').selectAll().where('id', '=', id).executeTakeFirst(),
    listOf: (organisationId: string, side: 'consumer' | 'provider') =>
      tables.selectFrom('marketplace_access_request').selectAll().where(`${side}_organisation_id`, '=', organisationId).orderBy('created_at', 'desc').limit(200).execute(),
    /** Puts a request decided as `status` back to asked: its decision did not reach Exchange. */
    async reopen(id: string, status: AccessRequestStatus): Promise<void> {
      await tables.updateTable('marketplace_access_request').set({ status: 'asked', refusal_reason: null, decided_at: null }).where('id', '=', id).where('status', '=', status).execute();
    },
    /** Decides a request still asked; false when it was decided meanwhile. */
    async decide(id: string, changes: { status: AccessRequestStatus; refusal_reason: string | null; decided_at: string }): Promise<boolean> {
      const result = await tables.updateTable('marketplace_access_request').set(changes).where('id', '=', id).where('status', '=', 'asked').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
