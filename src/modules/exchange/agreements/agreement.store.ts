import type { Executor } from '../../../platform/db/database.ts';

export type AgreementStatus = 'draft' | 'active' | 'suspended' | 'ended';
export type AgreementRow = {
  id: string;
  provider_member_id: string;
  consumer_member_id: string;
  service_id: string;
  purpose: string;
  lawful_basis: string;
  legal_gateway: string | null;
  fields: string;
  starts_at: string;
  ends_at: string;
  status: AgreementStatus;
  created_by: string;
  created_at: string;
  provider_approved_by: string | null;
  provider_approved_at: string | null;
  consumer_approved_by: string | null;
  consumer_approved_at: string | null;
  ended_by: string | null;
  ended_at: string | null;
  suspended_by: string | null;
  suspended_at: string | null;
  suspended_side: 'provider' | 'consumer' | null;
};

type Tables = { exchange_agreement: AgreementRow };

export function createAgreementStore(db: Executor) {
  const tables = db.withTables<Tables>();
  const store = {
    async insert(row: AgreementRow): Promise<void> {
      await tables.insertInto('exchange_agreement').values(row).execute();
    },
    find: (id: string) => tables.selectFrom('exchange_agreement').selectAll().where('id', '=', id).executeTakeFirst(),
    findMany: async (ids: readonly string[]) => (ids.length === 0 ? [] : tables.selectFrom('exchange_agreement').selectAll().where('id', 'in', ids).execute()),
    async update(id: string, changes: Partial<Omit<AgreementRow, 'id'>>, expectedStatus: AgreementStatus): Promise<boolean> {
      const result = await tables.updateTable('exchange_agreement').set(changes).where('id', '=', id).where('status', '=', expectedStatus).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Active agreements for a consumer member and a service, whatever their dates, newest first. */
    listActive: (serviceId: string, consumerMemberId: string) =>
      tables
        .selectFrom('exchange_agreement')
        .selectAll()
        .where('service_id', '=', serviceId)
        .where('consumer_member_id', '=', consumerMemberId)
        .where('status', '=', 'active')
        .orderBy('created_at', 'desc')
        .execute(),
  };
  return {
    ...store,
    /** Active agreements for a consumer member and a service in force at `now`, newest first. */
    listInForce: async (serviceId: string, consumerMemberId: string, now: string) =>
      (await store.listActive(serviceId, consumerMemberId)).filter((row) => row.starts_at <= now && row.ends_at > now),
  };
}
